// What `/watchparty queue` tells the member: what was queued (or started), where it starts with the
// button that changes it (start-choice.ts), and for a series choice how many episodes went in. The
// episodes of a season or of the rest of a series are queued one by one in order: if one fails, the
// ones before it stay queued and the reply says how far it got.
import type { ChatInputCommandInteraction } from 'discord.js';
import { t } from '../i18n/translate.ts';
import type { MessageContent } from '../interactions/panel.ts';
import { explainFailure, memberLocale } from '../interactions/respond.ts';
import { describeStart, startChoiceRows } from '../interactions/start-choice.ts';
import { asWatchPartyError } from '../watchparty/errors.ts';
import type { Actor } from '../watchparty/permissions.ts';
import type { StartChoice } from '../watchparty/resume.ts';
import type { AddToQueueResult, WatchPartyService } from '../watchparty/service.ts';

/** `Queued **X** as #2.` / `Starting **X** now.`, with why it did not start when asked to. */
export function describeQueued(interaction: ChatInputCommandInteraction, result: AddToQueueResult): string {
  const locale = memberLocale(interaction);
  const { title } = result.entry;
  if (result.started) return t(locale, 'reply.startingNow', { title });
  const queued =
    'number' in result.entry
      ? t(locale, 'reply.queuedAt', { title, number: result.entry.number })
      : t(locale, 'reply.queued', { title });
  if (!result.startError) return queued;
  const reason = explainFailure(interaction, result.startError);
  return `${queued} ${t(locale, 'reply.couldNotStart', { reason })}`;
}

/** The queue reply: what happened, where it starts, and Start over when it resumes. */
export function queuedAnswer(
  interaction: ChatInputCommandInteraction,
  sessionId: number,
  result: AddToQueueResult,
): MessageContent {
  const start = result.entry.startPositionSeconds;
  const resuming = start !== null && start > 0;
  const locale = memberLocale(interaction);
  return {
    content: resuming
      ? `${describeQueued(interaction, result)} ${describeStart(start, locale)}`
      : describeQueued(interaction, result),
    embeds: [],
    components: startChoiceRows(sessionId, result.entry.id, start, null, locale),
  };
}

export interface SeriesQueueRequest {
  media: string;
  next: boolean;
  audio: string | null;
  subtitles: string | null;
  from: StartChoice | undefined;
}

/** Queues every episode of a series choice in order; the first may start the party. */
export async function queueSeriesChoice(
  interaction: ChatInputCommandInteraction,
  service: WatchPartyService,
  sessionId: number,
  request: SeriesQueueRequest,
  actor: Actor,
): Promise<string> {
  const episodeIds = await service.filmNight.episodesFor(request.media);
  // Each "next" lands in front of the one before, so they go in backwards to keep their order.
  const order = request.next ? [...episodeIds].reverse() : episodeIds;
  const results: AddToQueueResult[] = [];
  for (const itemId of order) {
    try {
      const tracks = await service.tracks.choiceFor(itemId, request);
      const input = {
        itemId,
        next: request.next,
        startIfIdle: results.length === 0,
        tracks,
        from: request.from,
      };
      results.push(await service.addToQueue(sessionId, input, actor));
    } catch (error) {
      const known = asWatchPartyError(error);
      if (!known || results.length === 0) throw error;
      return t(memberLocale(interaction), 'reply.episodesQueuedPartly', {
        done: results.length,
        total: episodeIds.length,
        reason: explainFailure(interaction, known),
      });
    }
  }
  const [first] = request.next ? results.slice(-1) : results;
  const count = t(memberLocale(interaction), 'reply.episodesQueued', { count: results.length });
  return first ? `${count} ${describeQueued(interaction, first)}` : count;
}
