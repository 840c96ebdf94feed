// The service's moves of a party along the state machine, lent to the flows the system drives
// (worker reports, recovery after a restart) so that every status change still goes through the
// service: one per-session queue, one place that logs status changes and tells the listeners.
import type { Db } from '../db/connection.ts';
import type { QueueEntryRow, QueueEntryStatus, SessionRow, SessionUpdate } from '../db/schema.ts';
import type { PartyAnnouncements } from './announcements.ts';
import type { Advanced, AuditEvent } from './audit-events.ts';
import type { Actor } from './permissions.ts';
import type { SessionEvent } from './session-state.ts';

export interface PartyStatusChanges {
  /** Runs `task` after the session's work in flight, then tells the listeners. */
  mutate<T>(sessionId: number, task: () => Promise<T>): Promise<T>;
  /** Tells the listeners now, in the middle of a longer task. */
  notify(sessionId: number): void;
  /** Moves the session along the state machine (throws on an illegal move) and saves `extra`. */
  changeStatus(tx: Db, session: SessionRow, event: SessionEvent, extra?: SessionUpdate): Promise<void>;
  /** Ends the current entry as `endedAs` and plays the next one, if any; `toEvent` names the cause. */
  advance(
    session: SessionRow,
    endedAs: QueueEntryStatus,
    actor: Actor,
    toEvent: (advanced: Advanced) => AuditEvent,
  ): Promise<void>;
  /** Connects a worker and plays `entry`; on failure the party goes to `error` and this throws. */
  connectAndPlay(session: SessionRow, entry: QueueEntryRow, startAt: number): Promise<void>;
  /** Puts the party in `error` and closes its worker; returns the error for the caller to throw. */
  fail(sessionId: number, error: unknown): Promise<unknown>;
  /** The party's public lines. */
  readonly announcements: PartyAnnouncements;
}
