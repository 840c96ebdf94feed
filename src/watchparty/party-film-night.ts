// Film night on a party: where a queued item starts (resume or the beginning), noting where each
// item stopped, skipping an intro, and which episodes a series choice stands for. Resume rules are
// in resume.ts, segments in segments.ts, series choices in series-queueing.ts; this class applies
// them to a party through the service's moves, so every change still runs one at a time per party.
import type { Db } from '../db/connection.ts';
import type { QueueEntryRow, QueueEntryStatus } from '../db/schema.ts';
import { phrase } from '../i18n/translate.ts';
import { callSeam, WatchPartyError } from './errors.ts';
import { currentPosition } from './live-position.ts';
import type { MediaDescription } from './media-library.ts';
import { readSessionDetails } from './party-reads.ts';
import type { Actor, PermissionPolicy } from './permissions.ts';
import { findEntry, setEntryStatus } from './queue-store.ts';
import { PartyResume, type StartChoice } from './resume.ts';
import { creditsCountdown, introAt, readSegments, type SegmentSource } from './segments.ts';
import { parseSeriesChoice, type SeriesEpisodes } from './series-queueing.ts';
import { requireSession } from './session-store.ts';
import type { PartyStatusChanges } from './status-changes.ts';
import type { WatchHistory } from './watch-history.ts';

/** Where a `queue` command asks the item to start; left out, it resumes where it could. */
export interface QueuedStart {
  from?: StartChoice | undefined;
}

/** The media server's parts of film night; each is optional (a test, or a server without them). */
export interface FilmNightSettings {
  /** JELLYFIN_USER's resume positions and watched state. */
  history?: WatchHistory | undefined;
  /** Intros and credits. */
  segments?: SegmentSource | undefined;
  /** A series' episodes for "the whole season" and "the rest of the series". */
  episodes?: SeriesEpisodes | undefined;
  /** AUTO_SKIP_CREDITS (default true): the credits count down to the next item. */
  autoSkipCredits?: boolean | undefined;
}

/** The service's own moves this class drives (each runs through the party's queue itself). */
export interface PartyMoves {
  seek(sessionId: number, target: number, actor: Actor): Promise<void>;
}

export interface PartyFilmNightOptions extends FilmNightSettings {
  db: Db;
  policy: PermissionPolicy;
  party: PartyStatusChanges;
  moves: PartyMoves;
}

export class PartyFilmNight {
  readonly #options: PartyFilmNightOptions;
  readonly #resume: PartyResume;
  /** Whether the credits count down to the next item (credits-countdown.ts runs it). */
  readonly autoSkipCredits: boolean;

  constructor(options: PartyFilmNightOptions) {
    this.#options = options;
    this.#resume = new PartyResume(options);
    this.autoSkipCredits = options.autoSkipCredits ?? true;
  }

  /** The start a new entry is saved with: the member's `from`, else where the item could resume. */
  async startOf(
    guildId: string,
    media: MediaDescription,
    from: StartChoice | undefined,
  ): Promise<number | null> {
    const offer =
      from === 'start' ? null : await this.#resume.offer(guildId, media.itemId, media.runtimeSeconds);
    return this.#resume.startFor(from, offer, media.runtimeSeconds);
  }

  /**
   * Where a queued item could resume for this party's guild, ignoring the entry itself: what its
   * "Resume at" button offers. Null when it would start from the beginning anyway.
   */
  async resumeOffer(sessionId: number, entryId: number): Promise<number | null> {
    const session = await requireSession(this.#options.db, sessionId);
    const entry = await findEntry(this.#options.db, sessionId, entryId);
    return entry ? this.#resume.offer(session.guild_id, entry.jellyfin_source_id, entry.runtime) : null;
  }

  /**
   * Ends an entry as `endedAs` at `positionSeconds` (in the caller's transaction), noting where it
   * stopped. Skipped or stopped during its credits, it counts as played: watched.
   */
  async ended(
    tx: Db,
    entry: QueueEntryRow,
    endedAs: QueueEntryStatus,
    positionSeconds: number,
  ): Promise<void> {
    const inCredits = creditsCountdown(readSegments(entry.segments_json), positionSeconds) !== null;
    const status = endedAs === 'skipped' && inCredits ? 'played' : endedAs;
    await setEntryStatus(tx, entry.id, status);
    await this.#resume.ended(tx, entry, status, positionSeconds);
  }

  /**
   * Changes where a queued entry starts (the queue reply's "Start over" / "Resume at" buttons); on
   * the entry playing now it jumps there instead. Returns the start in seconds.
   */
  async chooseStart(sessionId: number, entryId: number, choice: StartChoice, actor: Actor): Promise<number> {
    const { db, party, policy } = this.#options;
    const outcome = await party.mutate(sessionId, async () => {
      const session = await requireSession(db, sessionId);
      policy.assertAllowed(actor, session, 'queue');
      const entry = await findEntry(db, sessionId, entryId);
      if (!entry || (entry.status !== 'queued' && entry.status !== 'playing')) {
        throw new WatchPartyError('not_found', phrase('error.entryGone'));
      }
      const offer =
        choice === 'resume'
          ? await this.#resume.offer(session.guild_id, entry.jellyfin_source_id, entry.runtime)
          : null;
      const start = this.#resume.startFor(choice, offer, entry.runtime) ?? 0;
      if (entry.status === 'queued') {
        await db
          .updateTable('watch_party_queue')
          .set({ start_position_seconds: start > 0 ? start : null })
          .where('id', '=', entry.id)
          .execute();
      }
      return { start, playing: entry.status === 'playing' };
    });
    if (outcome.playing) await this.#options.moves.seek(sessionId, outcome.start, actor);
    return outcome.start;
  }

  /** Jumps past the intro playing now (the panel's "Skip intro"). Returns where it jumped to. */
  async skipIntro(sessionId: number, actor: Actor): Promise<number> {
    const details = await readSessionDetails(this.#options.db, sessionId);
    const segments = details.current?.status === 'playing' ? details.current.segments : [];
    const intro = introAt(segments, currentPosition(details, Date.now()));
    if (!intro) {
      throw new WatchPartyError('conflict', phrase('error.noIntro'));
    }
    await this.#options.moves.seek(sessionId, intro.endSeconds, actor);
    return intro.endSeconds;
  }

  /** The episodes a series choice ("the whole season 2", "the rest of the series") stands for, in order. */
  async episodesFor(value: string): Promise<string[]> {
    const choice = parseSeriesChoice(value);
    const episodes = this.#options.episodes;
    if (!choice || !episodes) {
      throw new WatchPartyError('bad_request', phrase('error.notASeason'), { field: 'media' });
    }
    const ids = await callSeam(() => episodes.episodeIds(choice.seriesId, choice.scope));
    if (ids.length === 0) {
      throw new WatchPartyError('not_found', phrase('error.noEpisodesLeft'), {
        field: 'media',
      });
    }
    return ids;
  }
}
