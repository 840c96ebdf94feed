// The queue's storage rules. Positions stay 1..n, unique per session, with played entries first,
// then the playing one, then the upcoming ones in play order. Users only ever see upcoming numbers
// (1..k); positions are an internal detail.
import type { Kysely } from 'kysely';
import type { Database, NewQueueEntry, QueueEntryRow, QueueEntryStatus, SessionRow } from '../db/schema.ts';
import { phrase } from '../i18n/translate.ts';
import { WatchPartyError } from './errors.ts';

type Db = Kysely<Database>;

/** Above any real position, so rows can park here while others take their places. */
const PARKING_OFFSET = 1_000_000;

export async function upcomingEntries(db: Db, sessionId: number): Promise<QueueEntryRow[]> {
  return db
    .selectFrom('watch_party_queue')
    .selectAll()
    .where('session_id', '=', sessionId)
    .where('status', '=', 'queued')
    .orderBy('position')
    .execute();
}

export async function findEntry(
  db: Db,
  sessionId: number,
  entryId: number,
): Promise<QueueEntryRow | undefined> {
  return db
    .selectFrom('watch_party_queue')
    .selectAll()
    .where('session_id', '=', sessionId)
    .where('id', '=', entryId)
    .executeTakeFirst();
}

/** The session's current entry while it plays; undefined when there is none or it already ended. */
export async function playingEntry(
  db: Db,
  session: Pick<SessionRow, 'id' | 'current_queue_entry_id'>,
): Promise<QueueEntryRow | undefined> {
  if (session.current_queue_entry_id === null) return undefined;
  const entry = await findEntry(db, session.id, session.current_queue_entry_id);
  return entry?.status === 'playing' ? entry : undefined;
}

/** Played, skipped and failed entries, most recent first. */
export async function historyEntries(db: Db, sessionId: number, limit: number): Promise<QueueEntryRow[]> {
  return db
    .selectFrom('watch_party_queue')
    .selectAll()
    .where('session_id', '=', sessionId)
    .where('status', 'in', ['played', 'skipped', 'failed'])
    .orderBy('position', 'desc')
    .limit(limit)
    .execute();
}

/** Appends an entry at the end of the queue. */
export async function appendEntry(db: Db, entry: Omit<NewQueueEntry, 'position'>): Promise<QueueEntryRow> {
  const { last } = await db
    .selectFrom('watch_party_queue')
    .select((eb) => eb.fn.max('position').as('last'))
    .where('session_id', '=', entry.session_id)
    .executeTakeFirstOrThrow();
  return db
    .insertInto('watch_party_queue')
    .values({ ...entry, position: (last ?? 0) + 1 })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Puts the upcoming entries in the given order and renumbers the whole session 1..n. SQLite checks
 * UNIQUE(session_id, position) row by row, so rows that move first park above every real position,
 * then land on their final place.
 */
export async function orderUpcoming(
  db: Db,
  sessionId: number,
  upcomingIds: readonly number[],
): Promise<void> {
  const settled = await db
    .selectFrom('watch_party_queue')
    .select(['id'])
    .where('session_id', '=', sessionId)
    .where('status', '!=', 'queued')
    .orderBy('position')
    .execute();
  const wanted = [...settled.map((row) => row.id), ...upcomingIds];
  const current = await db
    .selectFrom('watch_party_queue')
    .select(['id', 'position'])
    .where('session_id', '=', sessionId)
    .execute();
  const positionOf = new Map(current.map((row) => [row.id, row.position]));
  const moves = wanted
    .map((id, index) => ({ id, position: index + 1 }))
    .filter((m) => positionOf.get(m.id) !== m.position);
  if (moves.length === 0) return;
  await db
    .updateTable('watch_party_queue')
    .set((eb) => ({ position: eb('position', '+', PARKING_OFFSET) }))
    .where(
      'id',
      'in',
      moves.map((m) => m.id),
    )
    .execute();
  for (const move of moves) {
    await db
      .updateTable('watch_party_queue')
      .set({ position: move.position })
      .where('id', '=', move.id)
      .execute();
  }
}

async function deleteEntries(db: Db, entryIds: readonly number[]): Promise<void> {
  if (entryIds.length === 0) return;
  await db.deleteFrom('watch_party_queue').where('id', 'in', entryIds).execute();
}

export async function setEntryStatus(db: Db, entryId: number, status: QueueEntryStatus): Promise<void> {
  await db.updateTable('watch_party_queue').set({ status }).where('id', '=', entryId).execute();
}

/** Removes upcoming entry `number` (1-based, as `list` shows it) and closes the gap. */
export async function removeUpcoming(db: Db, sessionId: number, number: number): Promise<QueueEntryRow> {
  const upcoming = await upcomingEntries(db, sessionId);
  const [removed] = upcoming.splice(upcomingIndex(number, upcoming.length, 'index'), 1) as [QueueEntryRow];
  await deleteEntries(db, [removed.id]);
  await orderUpcoming(
    db,
    sessionId,
    upcoming.map((row) => row.id),
  );
  return removed;
}

/** Moves upcoming entry `from` to place `to` (both 1-based). */
export async function moveUpcoming(
  db: Db,
  sessionId: number,
  from: number,
  to: number,
): Promise<QueueEntryRow> {
  const upcoming = await upcomingEntries(db, sessionId);
  const fromIndex = upcomingIndex(from, upcoming.length, 'from');
  const toIndex = upcomingIndex(to, upcoming.length, 'to');
  const [moved] = upcoming.splice(fromIndex, 1) as [QueueEntryRow];
  upcoming.splice(toIndex, 0, moved);
  await orderUpcoming(
    db,
    sessionId,
    upcoming.map((row) => row.id),
  );
  return moved;
}

/** Removes every upcoming entry; returns how many. */
export async function clearUpcoming(db: Db, sessionId: number): Promise<number> {
  const upcoming = await upcomingEntries(db, sessionId);
  await deleteEntries(
    db,
    upcoming.map((row) => row.id),
  );
  return upcoming.length;
}

/** A 1-based upcoming number → array index; a clear error naming `field` when out of range. */
function upcomingIndex(number: number, count: number, field: string): number {
  if (!Number.isInteger(number) || number < 1 || number > count) {
    throw new WatchPartyError('bad_request', phrase('error.noQueueItem', { number, count }), { field });
  }
  return number - 1;
}
