// Storage of sessions and the last worker report (audit events: audit-events.ts). Helpers take a
// Kysely instance, so they run alike inside and outside a transaction.
import type { Kysely } from 'kysely';
import { nowIso } from '../db/connection.ts';
import type { Database, NewSession, SessionRow, SessionUpdate, WorkerStateRow } from '../db/schema.ts';
import { phrase } from '../i18n/translate.ts';
import type { SessionStatusResponse } from '../worker-contract/http.ts';
import { WatchPartyError } from './errors.ts';
import type { KeptFailure } from './failures.ts';
import { streamingStatuses } from './session-state.ts';

type Db = Kysely<Database>;

export async function findSession(db: Db, sessionId: number): Promise<SessionRow | undefined> {
  return db.selectFrom('watch_party_sessions').selectAll().where('id', '=', sessionId).executeTakeFirst();
}

export async function requireSession(db: Db, sessionId: number): Promise<SessionRow> {
  const session = await findSession(db, sessionId);
  if (!session) throw unknownParty(sessionId);
  return session;
}

/** The refusal for a party id that names no party the caller can see. */
export function unknownParty(sessionId: number): WatchPartyError {
  return new WatchPartyError('not_found', phrase('error.noSuchParty', { id: sessionId }));
}

export async function updateSession(db: Db, sessionId: number, update: SessionUpdate): Promise<void> {
  await db
    .updateTable('watch_party_sessions')
    .set({ ...update, updated_at: nowIso() })
    .where('id', '=', sessionId)
    .execute();
}

/** Throws what SQLite throws; a second live party in one voice channel fails isChannelTaken. */
export async function insertSession(db: Db, session: NewSession): Promise<SessionRow> {
  return db.insertInto('watch_party_sessions').values(session).returningAll().executeTakeFirstOrThrow();
}

/** The unique index allows one party that is not stopped per voice channel. */
export function isChannelTaken(error: unknown): boolean {
  return (
    error instanceof Error &&
    'code' in error &&
    typeof error.code === 'string' &&
    error.code.startsWith('SQLITE_CONSTRAINT_UNIQUE')
  );
}

/** Newest first. */
export async function newestSessions(
  db: Db,
  filter: { guildId?: string | undefined; includeStopped?: boolean | undefined; limit: number },
): Promise<SessionRow[]> {
  let query = db.selectFrom('watch_party_sessions').selectAll().orderBy('id', 'desc').limit(filter.limit);
  if (filter.guildId !== undefined) query = query.where('guild_id', '=', filter.guildId);
  if (!filter.includeStopped) query = query.where('status', '!=', 'stopped');
  return query.execute();
}

/** Parties that are not stopped, in a voice channel or a guild. */
export async function liveSessions(
  db: Db,
  where: { voiceChannelId: string } | { guildId: string },
  limit: number,
): Promise<SessionRow[]> {
  return db
    .selectFrom('watch_party_sessions')
    .selectAll()
    .where('status', '!=', 'stopped')
    .where((eb) =>
      'voiceChannelId' in where
        ? eb('voice_channel_id', '=', where.voiceChannelId)
        : eb('guild_id', '=', where.guildId),
    )
    .limit(limit)
    .execute();
}

/** Ids of the parties that had a worker streaming (connecting, playing, paused), oldest first. */
export async function streamingSessionIds(db: Db): Promise<number[]> {
  const rows = await db
    .selectFrom('watch_party_sessions')
    .select('id')
    .where('status', 'in', streamingStatuses)
    .orderBy('id')
    .execute();
  return rows.map((row) => row.id);
}

export type WorkerStateUpdate = Partial<Omit<WorkerStateRow, 'session_id' | 'updated_at'>>;

/**
 * A worker's status report as the row that keeps the party's last known worker state. Its lastError
 * stays out: that is the worker's technical text, and members read last_error (see failures.ts).
 */
export function workerStateFrom(status: SessionStatusResponse): WorkerStateUpdate {
  return {
    worker_status: status.workerStatus,
    playback_state: status.playbackState,
    current_title: status.currentTitle,
    position_seconds: status.positionSeconds,
    duration_seconds: status.durationSeconds,
  };
}

/**
 * The columns that keep how the last item or start ended: the English sentence (what the API and the
 * logs read) and the failure's kind, which each reader's language words. A refusal outside the
 * failure vocabulary keeps its sentence only. All null after a good end or a fresh start.
 */
export function lastErrorColumns(
  message: string | null,
  failure: KeptFailure | null = null,
): Pick<WorkerStateUpdate, 'last_error' | 'last_error_kind' | 'last_error_at_seconds'> {
  return {
    last_error: message,
    last_error_kind: failure?.kind ?? null,
    last_error_at_seconds: failure?.atSeconds ?? null,
  };
}

/** Creates or updates the session's last known worker state. */
export async function saveWorkerState(db: Db, sessionId: number, update: WorkerStateUpdate): Promise<void> {
  const values = { ...update, updated_at: nowIso() };
  await db
    .insertInto('watch_party_worker_state')
    .values({ session_id: sessionId, ...values })
    .onConflict((conflict) => conflict.column('session_id').doUpdateSet(values))
    .execute();
}

export async function findWorkerState(db: Db, sessionId: number): Promise<WorkerStateRow | undefined> {
  return db
    .selectFrom('watch_party_worker_state')
    .selectAll()
    .where('session_id', '=', sessionId)
    .executeTakeFirst();
}
