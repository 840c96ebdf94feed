// Resume: where each item stopped, and where a queued entry starts. The party remembers the last
// unfinished end of an item in its guild (queue rows keep `stopped_at_seconds`); with a media-server
// user (JELLYFIN_USER) that user's own position counts too, the more recent of the two winning.
// A position counts as resumable as Jellyfin judges it: past 5% of the runtime and before 90%.
import { type Db, nowIso } from '../db/connection.ts';
import type { QueueEntryRow, QueueEntryStatus } from '../db/schema.ts';
import { phrase } from '../i18n/translate.ts';
import { formatDuration } from './duration-text.ts';
import { WatchPartyError } from './errors.ts';
import { parseSeekTime } from './seek-time.ts';
import type { WatchHistory, WatchState } from './watch-history.ts';

/** Where a member asks an entry to start: its resume position, the beginning, or a time in seconds. */
export type StartChoice = 'resume' | 'start' | number;

const MIN_RESUME_SHARE = 0.05;
const MAX_RESUME_SHARE = 0.9;

/** Reads the `from` option: `resume`, `start` (or `0`), or an absolute time. */
export function parseStartChoice(text: string): StartChoice {
  const word = text.trim().toLowerCase();
  if (word === 'resume') return 'resume';
  if (word === 'start' || word === 'beginning' || word === 'start over') return 'start';
  const time = parseSeekTime(word);
  if (time?.kind !== 'absolute') {
    throw new WatchPartyError('bad_request', phrase('error.badStartFrom'), { field: 'from' });
  }
  return time.seconds === 0 ? 'start' : time.seconds;
}

/** A position worth offering to resume at, or null (too near the start or the end). */
export function resumablePosition(
  positionSeconds: number | null,
  runtimeSeconds: number | null,
): number | null {
  if (positionSeconds === null || positionSeconds <= 0) return null;
  if (runtimeSeconds === null || runtimeSeconds <= 0) return positionSeconds;
  const share = positionSeconds / runtimeSeconds;
  return share >= MIN_RESUME_SHARE && share <= MAX_RESUME_SHARE ? positionSeconds : null;
}

interface Remembered {
  positionSeconds: number;
  at: string;
}

export class PartyResume {
  readonly #db: Db;
  readonly #history: WatchHistory | undefined;

  constructor(options: { db: Db; history?: WatchHistory | undefined }) {
    this.#db = options.db;
    this.#history = options.history;
  }

  /** Where the item could resume for this guild, or null when it starts from the beginning. */
  async offer(guildId: string, itemId: string, runtimeSeconds: number | null): Promise<number | null> {
    const [party, user] = await Promise.all([this.#remembered(guildId, itemId), this.#userState(itemId)]);
    const newest = [party, user]
      .filter((known): known is Remembered => known !== null)
      .sort((a, b) => b.at.localeCompare(a.at))[0];
    return resumablePosition(newest?.positionSeconds ?? null, runtimeSeconds);
  }

  /** The start saved on a new entry: the member's choice, else the offer (resume is the default). */
  startFor(
    choice: StartChoice | undefined,
    offer: number | null,
    runtimeSeconds: number | null,
  ): number | null {
    if (choice === 'start' || choice === 0) return null;
    if (choice === undefined || choice === 'resume') return offer;
    if (!Number.isFinite(choice) || choice < 0) {
      throw new WatchPartyError('bad_request', phrase('error.badStartFrom'), { field: 'from' });
    }
    if (runtimeSeconds !== null && choice >= runtimeSeconds) {
      throw new WatchPartyError(
        'bad_request',
        phrase('error.startFromPastEnd', { length: formatDuration(runtimeSeconds) }),
        { field: 'from' },
      );
    }
    return choice;
  }

  /**
   * Notes how an entry ended, in the caller's transaction: where it stopped when unfinished. The
   * media server's user hears of it at once (best effort).
   */
  async ended(
    tx: Db,
    entry: QueueEntryRow,
    endedAs: QueueEntryStatus,
    positionSeconds: number,
  ): Promise<void> {
    const finished = endedAs === 'played';
    await tx
      .updateTable('watch_party_queue')
      .set({ stopped_at_seconds: finished ? null : Math.max(0, positionSeconds), ended_at: nowIso() })
      .where('id', '=', entry.id)
      .execute();
    this.#history?.ended(entry.jellyfin_source_id, positionSeconds, finished);
  }

  async #remembered(guildId: string, itemId: string): Promise<Remembered | null> {
    const row = await this.#db
      .selectFrom('watch_party_queue as q')
      .innerJoin('watch_party_sessions as s', 's.id', 'q.session_id')
      .select(['q.stopped_at_seconds', 'q.ended_at'])
      .where('s.guild_id', '=', guildId)
      .where('q.jellyfin_source_id', '=', itemId)
      .where('q.ended_at', 'is not', null)
      .orderBy('q.ended_at', 'desc')
      .orderBy('q.id', 'desc')
      .executeTakeFirst();
    if (!row?.ended_at) return null;
    return { positionSeconds: row.stopped_at_seconds ?? 0, at: row.ended_at };
  }

  async #userState(itemId: string): Promise<Remembered | null> {
    const state: WatchState | null = (await this.#history?.stateOf(itemId)) ?? null;
    if (!state?.lastPlayedAt) return null;
    return { positionSeconds: state.played ? 0 : state.positionSeconds, at: state.lastPlayedAt };
  }
}
