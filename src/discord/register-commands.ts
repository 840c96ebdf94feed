// `register-commands`: publishes the slash commands. Guild-scoped when a guild id is given (changes
// show at once, for development and single-server installs), global otherwise. A PUT replaces the
// whole set, so running it again changes nothing and removed commands disappear.
import { DiscordAPIError, REST, Routes } from 'discord.js';
import { watchpartyCommand } from '../commands/watchparty-definition.ts';
import { ConfigError } from '../config.ts';
import { restOptionsFor } from './client.ts';

export interface RegisterCommandsOptions {
  token: string;
  applicationId: string;
  guildId?: string | undefined;
  apiBase?: string | undefined;
}

export interface RegisteredCommands {
  scope: 'guild' | 'global';
  names: string[];
}

export async function registerCommands(options: RegisterCommandsOptions): Promise<RegisteredCommands> {
  const rest = new REST(restOptionsFor(options.apiBase)).setToken(options.token);
  const route =
    options.guildId === undefined
      ? Routes.applicationCommands(options.applicationId)
      : Routes.applicationGuildCommands(options.applicationId, options.guildId);
  const registered = (await rest.put(route, { body: [watchpartyCommand()] }).catch((error: unknown) => {
    throw refusalOf(error, options.guildId !== undefined) ?? error;
  })) as { name: string }[];
  return {
    scope: options.guildId === undefined ? 'global' : 'guild',
    names: registered.map((command) => command.name),
  };
}

/** Discord's refusals, told as the setting to fix (no stack: main.ts prints a ConfigError's words). */
function refusalOf(error: unknown, guildScoped: boolean): ConfigError | null {
  if (!(error instanceof DiscordAPIError)) return null;
  if (error.status === 401) {
    return new ConfigError([
      'DISCORD_TOKEN was refused by Discord (401 Unauthorized): copy the token again from the Discord ' +
        'Developer Portal (your application → Bot → Reset Token).',
    ]);
  }
  if (error.status === 403 || error.status === 404) {
    const where = guildScoped ? ', and the bot must be in the server DISCORD_GUILD_ID names' : '';
    return new ConfigError([
      `Discord refused to register the commands (HTTP ${error.status}): DISCORD_APPLICATION_ID must be the ` +
        `bot token's application${where}. \`npm run doctor\` shows which.`,
    ]);
  }
  return null;
}
