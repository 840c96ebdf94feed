// Moving around the queue: skip (at once for those who control the party, by a majority vote for the
// others), previous, shuffle, and the loop mode that decides what plays after an item ends by
// itself. Every door calls these; each runs through the service's per-session queue like any other
// change of a party, and its audit event tells the channel (party-story.ts).
import type { Db } from '../db/connection.ts';
import type { LoopMode, QueueEntryRow, SessionRow } from '../db/schema.ts';
import { phrase } from '../i18n/translate.ts';
import { type Advanced, type AuditEvent, recordEvent } from './audit-events.ts';
import { callSeam, WatchPartyError } from './errors.ts';
import { currentPosition } from './live-position.ts';
import { readSessionDetails } from './party-reads.ts';
import type { Actor, MemberActor, PermissionPolicy } from './permissions.ts';
import {
  appendEntry,
  historyEntries,
  orderUpcoming,
  playingEntry,
  setEntryStatus,
  upcomingEntries,
} from './queue-store.ts';
import { canTransition, transition } from './session-state.ts';
import { requireSession, updateSession } from './session-store.ts';
import { SkipVotes, type VoteTally } from './skip-votes.ts';
import type { PartyStatusChanges } from './status-changes.ts';
import type { WorkerPool } from './worker-pool.ts';

export interface QueueMovesOptions {
  db: Db;
  workers: WorkerPool;
  policy: PermissionPolicy;
  party: PartyStatusChanges;
  /** The service's seek: Previous late into an item goes back to its start. */
  seek: (sessionId: number, target: number, actor: Actor) => Promise<void>;
  /** Tests pin the shuffle's randomness and the vote's clock. */
  random?: () => number;
  now?: () => number;
}

/** Previous this far into an item starts it again instead of going to the one before. */
const restartAfterSeconds = 10;

export class QueueMoves {
  readonly #options: QueueMovesOptions;
  readonly #votes: SkipVotes;

  constructor(options: QueueMovesOptions) {
    this.#options = options;
    this.#votes = new SkipVotes(options.now);
  }

  skip(sessionId: number, actor: Actor): Promise<void> {
    const { db, party, policy } = this.#options;
    return party.mutate(sessionId, async () => {
      const session = await requireSession(db, sessionId);
      policy.assertAllowed(actor, session, 'skip');
      await this.#skipNow(session, actor, (advanced) => ({ type: 'skipped', payload: advanced }));
    });
  }

  /**
   * A vote of someone in the voice channel to skip what plays; `listenerIds` are the people in the
   * channel now. The item is skipped once more than half of them voted (skip-votes.ts).
   */
  voteSkip(sessionId: number, actor: MemberActor, listenerIds: readonly string[]): Promise<VoteTally> {
    const { db, party } = this.#options;
    return party.mutate(sessionId, async () => {
      const session = await requireSession(db, sessionId);
      if (actor.voiceChannelId !== session.voice_channel_id) {
        throw new WatchPartyError(
          'forbidden',
          phrase('refusal.joinToVote', { channelId: session.voice_channel_id }),
        );
      }
      const current = await playingEntry(db, session);
      if (!current || !canTransition(session.status, 'exhaust')) {
        throw new WatchPartyError('conflict', phrase('error.nothingToVote'));
      }
      const tally = this.#votes.cast(sessionId, current.id, actor.userId, listenerIds);
      if (tally.passed) {
        const counted = { votes: tally.votes, listeners: tally.listeners };
        await this.#skipNow(session, actor, (advanced) => ({
          type: 'vote-skipped',
          payload: { ...advanced, ...counted },
        }));
      } else if (!tally.repeated) {
        await recordEvent(db, sessionId, actor, {
          type: 'skip-voted',
          payload: { entryId: current.id, title: current.title, votes: tally.votes, needed: tally.needed },
        });
      }
      return tally;
    });
  }

  /** Back to the item before, or to the start of this one when it has played a while (or is the first). */
  async previous(sessionId: number, actor: Actor): Promise<void> {
    const { db, party, policy, workers } = this.#options;
    const details = await readSessionDetails(db, sessionId);
    const position = currentPosition(details, Date.now());
    if (details.current && (position > restartAfterSeconds || details.history.length === 0)) {
      return this.#options.seek(sessionId, 0, actor);
    }
    return party.mutate(sessionId, async () => {
      const session = await requireSession(db, sessionId);
      policy.assertAllowed(actor, session, 'go back');
      transition(session.status, 'advance');
      const [previous] = await historyEntries(db, sessionId, 1);
      if (!previous) throw new WatchPartyError('conflict', phrase('error.nothingBefore'));
      const upcoming = await upcomingEntries(db, sessionId);
      await db.transaction().execute(async (tx) => {
        await setEntryStatus(tx, previous.id, 'queued');
        await orderUpcoming(tx, sessionId, [previous.id, ...upcoming.map((row) => row.id)]);
      });
      await callSeam(() => workers.control(String(sessionId), { action: 'skip' }));
      try {
        await party.advance(session, 'queued', actor, (advanced) => ({
          type: 'went-back',
          payload: { ...advanced, entryId: previous.id, title: previous.title },
        }));
      } finally {
        // The item that was playing waits first in line, right after the one brought back.
        const waiting = await upcomingEntries(db, sessionId);
        await orderUpcoming(
          db,
          sessionId,
          waiting.map((row) => row.id),
        );
      }
    });
  }

  /** Puts the upcoming items in a new random order; returns how many. */
  shuffle(sessionId: number, actor: Actor): Promise<number> {
    const { db, party, policy } = this.#options;
    return party.mutate(sessionId, async () => {
      const session = await requireSession(db, sessionId);
      policy.assertAllowed(actor, session, 'shuffle');
      return db.transaction().execute(async (tx) => {
        await party.changeStatus(tx, session, 'editQueue');
        const ids = (await upcomingEntries(tx, sessionId)).map((row) => row.id);
        if (ids.length < 2) {
          throw new WatchPartyError('conflict', phrase('error.shuffleNeedsTwo'));
        }
        await orderUpcoming(tx, sessionId, shuffled(ids, this.#options.random ?? Math.random));
        await recordEvent(tx, sessionId, actor, { type: 'shuffled', payload: { count: ids.length } });
        return ids.length;
      });
    });
  }

  setLoop(sessionId: number, mode: LoopMode, actor: Actor): Promise<void> {
    const { db, party, policy } = this.#options;
    return party.mutate(sessionId, async () => {
      const session = await requireSession(db, sessionId);
      policy.assertAllowed(actor, session, 'set loop');
      transition(session.status, 'editQueue');
      if (session.loop_mode === mode) return;
      await db.transaction().execute(async (tx) => {
        await updateSession(tx, sessionId, { loop_mode: mode });
        await recordEvent(tx, sessionId, actor, { type: 'loop-set', payload: { mode } });
      });
    });
  }

  /** Skips what plays now (inside the session's queue): the next item plays, or the party rests. */
  async #skipNow(
    session: SessionRow,
    actor: Actor,
    toEvent: (advanced: Advanced) => AuditEvent,
  ): Promise<void> {
    const { db, party, workers } = this.#options;
    const [next] = await upcomingEntries(db, session.id);
    transition(session.status, next ? 'advance' : 'exhaust');
    if (next) await callSeam(() => workers.control(String(session.id), { action: 'skip' }));
    await party.advance(session, 'skipped', actor, toEvent);
  }
}

/**
 * Before an item that ended by itself is marked played: loop `item` queues it again first in line,
 * loop `queue` last, so the queue decides what plays next as always.
 */
export async function requeueForLoop(db: Db, session: SessionRow): Promise<void> {
  if (session.loop_mode === 'off') return;
  const ended = await playingEntry(db, session);
  if (!ended) return;
  await db.transaction().execute(async (tx) => {
    const again = await appendEntry(tx, freshCopy(ended));
    if (session.loop_mode !== 'item') return;
    const others = (await upcomingEntries(tx, session.id)).filter((row) => row.id !== again.id);
    await orderUpcoming(tx, session.id, [again.id, ...others.map((row) => row.id)]);
  });
}

/** The entry as queued again: what to play and with which tracks, not how it went last time. */
function freshCopy(entry: QueueEntryRow) {
  return {
    session_id: entry.session_id,
    media_type: entry.media_type,
    jellyfin_source_id: entry.jellyfin_source_id,
    title: entry.title,
    year: entry.year,
    runtime: entry.runtime,
    summary: entry.summary,
    poster_url: entry.poster_url,
    requested_by_user_id: entry.requested_by_user_id,
    audio_stream_index: entry.audio_stream_index,
    subtitle_stream_index: entry.subtitle_stream_index,
    track_offer_json: entry.track_offer_json,
  };
}

/** A random order (Fisher–Yates) that is never the order it was given. */
function shuffled(ids: readonly number[], random: () => number): number[] {
  const order = [...ids];
  for (let index = order.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [order[index], order[other]] = [order[other] as number, order[index] as number];
  }
  // Pressing Shuffle and seeing nothing change reads as a broken button.
  if (order.every((id, index) => id === ids[index])) order.push(order.shift() as number);
  return order;
}
