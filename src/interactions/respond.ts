// Answering the caller, and the one error translator every entry point ends in. A WatchPartyError is
// "tell the user": its message goes to them privately, and to members who manage the server also
// its operator detail (which setting, what Jellyfin answered), with no address in it. Anything else
// is a bug: it is logged with where it happened and the user gets a generic private answer. An
// interaction Discord has already forgotten (expired, answered twice) cannot be answered at all, so
// that is only logged.
import {
  type AutocompleteInteraction,
  DiscordAPIError,
  type Interaction,
  MessageFlags,
  PermissionFlagsBits,
  type RepliableInteraction,
} from 'discord.js';
import { withoutAddresses } from '../error-message.ts';
import { type Locale, localeOf } from '../i18n/locales.ts';
import { render, t } from '../i18n/translate.ts';
import type { Logger } from '../logger.ts';
import { asWatchPartyError, type WatchPartyError } from '../watchparty/errors.ts';
import { explanatoryChoice } from './autocomplete-choices.ts';
import type { MessageContent } from './panel.ts';

export type PrivateAnswer = string | MessageContent;

/** How much operator detail a manager's reply carries (Discord's limit is 2000 for the whole). */
const maxDetailLength = 600;

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

/** The language of the member's own (private) replies: their Discord client's. */
export function memberLocale(interaction: Interaction): Locale {
  return localeOf(interaction.locale);
}

/** The language of what the whole channel reads (a party's default name): the server's. */
export function serverLocale(interaction: Interaction): Locale {
  return localeOf(interaction.guild?.preferredLocale);
}

/** An error's sentence as a reader of `locale` reads it. */
export function errorText(locale: Locale, error: WatchPartyError): string {
  return typeof error.text === 'string' ? error.text : render(locale, error.text);
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
  } else if (known.detail !== null) {
    logger.warn({ where, detail: known.detail }, 'a party action failed');
  }
  const locale = memberLocale(interaction);
  try {
    if (interaction.isAutocomplete()) {
      const message = known ? errorText(locale, known) : t(locale, 'failure.unexpected');
      await answerAutocompleteFailure(interaction, message);
    } else if (interaction.isRepliable()) {
      await answerPrivately(
        interaction,
        known ? explainFailure(interaction, known) : t(locale, 'failure.unexpected'),
      );
    }
  } catch (answerError) {
    logger.warn({ err: answerError, where }, 'could not tell the user about a failed interaction');
  }
}

/**
 * A failure as this reader should read it: the member's sentence, and for members who manage the
 * server the operator's detail under it (addresses removed: the reply is private, not internal).
 */
export function explainFailure(interaction: Interaction, error: WatchPartyError): string {
  const locale = memberLocale(interaction);
  const sentence = errorText(locale, error);
  if (error.detail === null || !interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild))
    return sentence;
  const detail = withoutAddresses(error.detail);
  const clipped = detail.length <= maxDetailLength ? detail : `${detail.slice(0, maxDetailLength - 1)}…`;
  return `${sentence}\n${t(locale, 'failure.forManagers', { detail: clipped })}`;
}

async function answerAutocompleteFailure(
  interaction: AutocompleteInteraction,
  message: string,
): Promise<void> {
  if (!interaction.responded) await interaction.respond(explanatoryChoice(message));
}
