// Storage of sessions, their audit events and the last worker report. Helpers take a Kysely
// instance, so they run alike inside and outside a transaction.
import type { Kysely } from 'kysely';
import { nowIso } from '../db/connection.ts';
import type { Database, SessionRow, SessionUpdate, WorkerStateRow } from '../db/schema.ts';
import { WatchPartyError } from './errors.ts';
import { type Actor, actorUserId, describeActor } from './permissions.ts';

type Db = Kysely<Database>;

export async function findSession(db: Db, sessionId: number): Promise<SessionRow | undefined> {
  return db.selectFrom('watch_party_sessions').selectAll().where('id', '=', sessionId).executeTakeFirst();
}

export async function requireSession(db: Db, sessionId: number): Promise<SessionRow> {
  const session = await findSession(db, sessionId);
  if (!session) throw new WatchPartyError('not_found', `There is no watch party #${sessionId}.`);
  return session;
}

export async function updateSession(db: Db, sessionId: number, update: SessionUpdate): Promise<void> {
  await db
    .updateTable('watch_party_sessions')
    .set({ ...update, updated_at: nowIso() })
    .where('id', '=', sessionId)
    .execute();
}

export async function recordEvent(
  db: Db,
  sessionId: number,
  eventType: string,
  actor: Actor,
  payload: Record<string, unknown> = {},
): Promise<void> {
  await db
    .insertInto('watch_party_events')
    .values({
      session_id: sessionId,
      event_type: eventType,
      actor_user_id: actorUserId(actor),
      payload_json: JSON.stringify({ actor: describeActor(actor), ...payload }),
      created_at: nowIso(),
    })
    .execute();
}

export type WorkerStateUpdate = Partial<Omit<WorkerStateRow, 'session_id' | 'updated_at'>>;

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
