// What the doors read: a party's details, the party lists, and which party a caller means. Reads
// change nothing, so they run outside the per-session queue of the service.
import type { Db } from '../db/connection.ts';
import { phrase } from '../i18n/translate.ts';
import { recentEvents } from './audit-events.ts';
import { WatchPartyError } from './errors.ts';
import { partyPlayback } from './live-position.ts';
import { findEntry, historyEntries, upcomingEntries } from './queue-store.ts';
import { findWorkerState, liveSessions, newestSessions, requireSession } from './session-store.ts';
import {
  type PartySession,
  type SessionDetails,
  toPartyEvent,
  toPartySession,
  toQueueEntry,
  toWorkerState,
} from './views.ts';

const RECENT_EVENTS = 20;
const HISTORY_ENTRIES = 20;
/** More than any server runs at once; the doors list parties, they do not page through them. */
const LISTED_SESSIONS = 200;

/**
 * One transaction, so the session, its queue and its worker state agree with each other; the
 * playback reading is taken at `nowMs`.
 */
export async function readSessionDetails(
  db: Db,
  sessionId: number,
  nowMs = Date.now(),
): Promise<SessionDetails> {
  return db.transaction().execute(async (tx) => {
    const session = await requireSession(tx, sessionId);
    const current =
      session.current_queue_entry_id === null
        ? undefined
        : await findEntry(tx, sessionId, session.current_queue_entry_id);
    const upcoming = await upcomingEntries(tx, sessionId);
    const history = await historyEntries(tx, sessionId, HISTORY_ENTRIES);
    const worker = await findWorkerState(tx, sessionId);
    const events = await recentEvents(tx, sessionId, RECENT_EVENTS);
    const report = {
      session: toPartySession(session),
      current: current ? toQueueEntry(current) : null,
      worker: worker ? toWorkerState(worker) : null,
    };
    return {
      ...report,
      upcoming: upcoming.map((row, index) => ({ ...toQueueEntry(row), number: index + 1 })),
      history: history.map(toQueueEntry),
      playback: partyPlayback(report, nowMs),
      recentEvents: events.map(toPartyEvent),
    };
  });
}

/** Newest first; without `includeStopped`, only parties that are not stopped. */
export async function listSessions(
  db: Db,
  filter: { guildId?: string; includeStopped?: boolean },
): Promise<PartySession[]> {
  const rows = await newestSessions(db, { ...filter, limit: LISTED_SESSIONS });
  return rows.map(toPartySession);
}

/** The party (not stopped) in a voice channel, or a guild's only party; null when none or ambiguous. */
export async function findLiveSession(
  db: Db,
  where: { voiceChannelId: string } | { guildId: string },
): Promise<PartySession | null> {
  // Two rows are enough to tell "the only one" from "ambiguous".
  const rows = await liveSessions(db, where, 2);
  return rows.length === 1 && rows[0] ? toPartySession(rows[0]) : null;
}

/**
 * "The caller's party": the party of the voice channel they are in, else the guild's only party.
 * Throws a not_found error that tells the caller what to do.
 */
export async function findCallersParty(
  db: Db,
  caller: { guildId: string; voiceChannelId: string | null },
): Promise<PartySession> {
  if (caller.voiceChannelId !== null) {
    const inChannel = await findLiveSession(db, { voiceChannelId: caller.voiceChannelId });
    if (inChannel) return inChannel;
  }
  const inGuild = await listSessions(db, { guildId: caller.guildId });
  if (inGuild.length === 1 && inGuild[0]) return inGuild[0];
  if (inGuild.length === 0) {
    throw new WatchPartyError('not_found', phrase('error.noPartyHere'));
  }
  throw new WatchPartyError('not_found', phrase('error.severalParties', { count: inGuild.length }));
}
