// The audit log: every command and state change of a party, with who did it. Each event type has
// its own payload shape, so a writer cannot misspell a type or forget a field; rows keep the
// `event_type` strings and payload JSON they always had, so old rows and the API's history read alike.
import { type Db, nowIso } from '../db/connection.ts';
import type { EventRow, LoopMode } from '../db/schema.ts';
import type { EndReason } from '../worker-contract/http.ts';
import { type Actor, actorUserId, describeActor } from './permissions.ts';
import type { TrackKind } from './track-labels.ts';

interface EntryRef {
  entryId: number;
  title: string;
}

/** What moving past the current entry did: what ended and what plays next (null: nothing). */
export interface Advanced {
  endedEntryId: number | null;
  endedTitle: string | null;
  nextEntryId: number | null;
  nextTitle: string | null;
}

export type AuditEvent =
  | { type: 'created'; payload: { title: string; ownerUserId: string } }
  | { type: 'queued'; payload: EntryRef & { itemId: string; number: number } }
  | { type: 'removed'; payload: EntryRef & { number: number } }
  | { type: 'moved'; payload: EntryRef & { from: number; to: number } }
  | { type: 'cleared'; payload: { count: number } }
  | { type: 'started' | 'retried'; payload: EntryRef & { startPositionSeconds: number } }
  | {
      type: 'recovered';
      payload: { idle: true } | (EntryRef & { startPositionSeconds: number; paused: boolean });
    }
  | { type: 'playing'; payload: { title: string | null } }
  | { type: 'paused' | 'resumed'; payload: { positionSeconds: number } }
  | { type: 'seeked'; payload: { from: number; to: number } }
  | {
      type: 'tracks-changed';
      payload: EntryRef & { kind: TrackKind; streamIndex: number; positionSeconds: number };
    }
  | { type: 'skipped'; payload: Advanced }
  | { type: 'skip-voted'; payload: EntryRef & { votes: number; needed: number } }
  | { type: 'vote-skipped'; payload: Advanced & { votes: number; listeners: number } }
  | { type: 'went-back'; payload: EntryRef & Advanced }
  | { type: 'shuffled'; payload: { count: number } }
  | { type: 'loop-set'; payload: { mode: LoopMode } }
  | { type: 'item-ended'; payload: { reason: EndReason; error: string | null } & Advanced }
  | { type: 'stopped'; payload: EntryRef | Record<string, never> }
  | { type: 'failed'; payload: { message: string } }
  | { type: 'worker-error'; payload: { message: string; fatal: boolean } }
  | { type: 'worker-restarting'; payload: { attempt: number; reason: string } };

export type AuditEventType = AuditEvent['type'];

/** Appends an event to the session's audit log; the actor leads the payload JSON. */
export async function recordEvent(db: Db, sessionId: number, actor: Actor, event: AuditEvent): Promise<void> {
  await db
    .insertInto('watch_party_events')
    .values({
      session_id: sessionId,
      event_type: event.type,
      actor_user_id: actorUserId(actor),
      payload_json: JSON.stringify({
        actor: describeActor(actor),
        ...(actor.kind === 'idle' ? { emptyMinutes: actor.emptyMinutes } : {}),
        ...event.payload,
      }),
      created_at: nowIso(),
    })
    .execute();
}

/** The session's latest events, most recent first. */
export async function recentEvents(db: Db, sessionId: number, limit: number): Promise<EventRow[]> {
  return db
    .selectFrom('watch_party_events')
    .selectAll()
    .where('session_id', '=', sessionId)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** How many events of one type the session has had, e.g. its worker restarts. */
export async function countEvents(db: Db, sessionId: number, type: AuditEventType): Promise<number> {
  const row = await db
    .selectFrom('watch_party_events')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('session_id', '=', sessionId)
    .where('event_type', '=', type)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
