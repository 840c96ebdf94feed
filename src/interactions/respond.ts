// Answering the caller, and the one error translator every entry point ends in. A WatchPartyError is
// "tell the user": its message goes to them privately. Anything else is a bug: it is logged with
// where it happened and the user gets a generic private answer. An interaction Discord has already
// forgotten (expired, answered twice) cannot be answered at all, so that is only logged.
import {
  type AutocompleteInteraction,
  DiscordAPIError,
  type Interaction,
  MessageFlags,
  type RepliableInteraction,
} from 'discord.js';
import type { Logger } from '../logger.ts';
import { asWatchPartyError } from '../watchparty/errors.ts';
import { explanatoryChoice } from './autocomplete-choices.ts';
import type { MessageContent } from './panel.ts';

export type PrivateAnswer = string | MessageContent;

const genericFailure =
  'Something went wrong on our side while doing that. It has been logged; please try again in a moment.';

/** Discord API codes meaning the interaction can no longer be answered. */
const unanswerableCodes = new Set([10062, 40060]);

/**
 * Answers the caller privately, whatever state the interaction is in: edits the ephemeral deferred
 * reply, follows up after a reply or a deferred update, or replies.
 */
export async function answerPrivately(
  interaction: RepliableInteraction,
  answer: PrivateAnswer,
): Promise<void> {
  const payload = typeof answer === 'string' ? { content: answer } : answer;
  const quiet = { allowedMentions: { parse: [] } };
  if (interaction.deferred && !interaction.replied && interaction.ephemeral) {
    await interaction.editReply({ ...payload, ...quiet });
  } else if (interaction.deferred || interaction.replied) {
    await interaction.followUp({ ...payload, ...quiet, flags: MessageFlags.Ephemeral });
  } else {
    await interaction.reply({ ...payload, ...quiet, flags: MessageFlags.Ephemeral });
  }
}

/** Defers privately (the caller sees "thinking…"), so slow work never misses Discord's 3 s. */
export async function deferPrivately(interaction: RepliableInteraction): Promise<void> {
  if (!interaction.deferred && !interaction.replied)
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
}

/** Where an error happened, for the log line: `chat:watchparty seek`, `button:wp1:pause:3`, … */
export function describeInteraction(interaction: Interaction): string {
  if (interaction.isChatInputCommand()) {
    return `chat:${interaction.commandName} ${interaction.options.getSubcommand(false) ?? ''}`.trim();
  }
  if (interaction.isAutocomplete()) return `autocomplete:${interaction.commandName}`;
  if (interaction.isMessageComponent() || interaction.isModalSubmit())
    return `component:${interaction.customId}`;
  return `interaction type ${interaction.type}`;
}

/** The one error translator: never throws, whatever went wrong. */
export async function translateError(
  interaction: Interaction,
  error: unknown,
  logger: Logger,
): Promise<void> {
  const where = describeInteraction(interaction);
  const known = asWatchPartyError(error);
  if (!known) {
    if (error instanceof DiscordAPIError && unanswerableCodes.has(Number(error.code))) {
      logger.warn({ where, code: error.code }, 'Discord no longer accepts an answer to this interaction');
      return;
    }
    logger.error({ err: error, where, userId: interaction.user.id }, 'interaction failed unexpectedly');
  }
  const message = known?.message ?? genericFailure;
  try {
    if (interaction.isAutocomplete()) {
      await answerAutocompleteFailure(interaction, message);
    } else if (interaction.isRepliable()) {
      await answerPrivately(interaction, message);
    }
  } catch (answerError) {
    logger.warn({ err: answerError, where }, 'could not tell the user about a failed interaction');
  }
}

async function answerAutocompleteFailure(
  interaction: AutocompleteInteraction,
  message: string,
): Promise<void> {
  if (!interaction.responded) await interaction.respond(explanatoryChoice(message));
}
