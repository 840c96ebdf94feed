// The one entry point for every interaction: chat-input commands, autocomplete, buttons, select
// menus and modals. Each is parsed first (command by name, component by its custom id) and then run;
// whatever fails ends in the one error translator, so no interaction can throw out of here.
import type { AutocompleteInteraction, ChatInputCommandInteraction, Interaction } from 'discord.js';
import { phrase } from '../i18n/translate.ts';
import type { Logger } from '../logger.ts';
import { WatchPartyError } from '../watchparty/errors.ts';
import type { WatchPartyService } from '../watchparty/service.ts';
import type { VoiceAudience } from '../watchparty/voice-audience.ts';
import { decodeCustomId } from './custom-id.ts';
import { runComponent, staleControl } from './panel-controls.ts';
import { translateError } from './respond.ts';

/** A slash command as the router sees it: commands/ defines them, the composition root hands them over. */
export interface ChatCommand {
  name: string;
  run(interaction: ChatInputCommandInteraction): Promise<void>;
  autocomplete(interaction: AutocompleteInteraction): Promise<void>;
}

export interface InteractionRouterOptions {
  commands: readonly ChatCommand[];
  service: WatchPartyService;
  /** Who is in which voice channel: a vote skip counts the people there. */
  audience: VoiceAudience;
  logger: Logger;
}

export class InteractionRouter {
  readonly #commands: Map<string, ChatCommand>;
  readonly #service: WatchPartyService;
  readonly #audience: VoiceAudience;
  readonly #logger: Logger;

  constructor(options: InteractionRouterOptions) {
    this.#commands = new Map(options.commands.map((command) => [command.name, command]));
    this.#service = options.service;
    this.#audience = options.audience;
    this.#logger = options.logger;
  }

  async handle(interaction: Interaction): Promise<void> {
    try {
      await this.#route(interaction);
    } catch (error) {
      await translateError(interaction, error, this.#logger);
    }
  }

  async #route(interaction: Interaction): Promise<void> {
    if (interaction.isChatInputCommand() || interaction.isAutocomplete()) {
      const command = this.#commands.get(interaction.commandName);
      if (!command) {
        throw new WatchPartyError(
          'bad_request',
          phrase('error.unknownCommand', { name: interaction.commandName.slice(0, 32) }),
        );
      }
      if (interaction.isAutocomplete()) await command.autocomplete(interaction);
      else await command.run(interaction);
      return;
    }
    if (interaction.isMessageComponent() || interaction.isModalSubmit()) {
      const data = decodeCustomId(interaction.customId);
      if (data === null) throw staleControl();
      await runComponent(this.#service, this.#audience, interaction, data);
    }
  }
}
