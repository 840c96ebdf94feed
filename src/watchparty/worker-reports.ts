// Applies what stream workers report (their state, heartbeats, ended items, errors, restarts) to the
// party concerned. A report runs through the service's per-session queue like a command, so the two
// never interleave on one party; status changes go through the service (PartyStatusChanges).
import type { Db } from '../db/connection.ts';
import type { QueueEntryStatus, SessionRow } from '../db/schema.ts';
import { type Logger, sessionLogger } from '../logger.ts';
import type { EndReason, SessionStatusResponse, WorkerEvent } from '../worker-contract/http.ts';
import { recordEvent } from './audit-events.ts';
import { WatchPartyError } from './errors.ts';
import { systemActor } from './permissions.ts';
import type { PlaybackRelay } from './playback-relay.ts';
import { canTransition } from './session-state.ts';
import { findSession, saveWorkerState, workerStateFrom } from './session-store.ts';
import type { PartyStatusChanges } from './status-changes.ts';
import type { WorkerPoolEvent } from './worker-pool.ts';

export interface WorkerReportsOptions {
  db: Db;
  logger: Logger;
  relay: PlaybackRelay;
  party: PartyStatusChanges;
}

const endedEntryStatus: Record<EndReason, QueueEntryStatus> = {
  finished: 'played',
  skipped: 'skipped',
  stopped: 'skipped',
  error: 'failed',
};

export class WorkerReports {
  readonly #db: Db;
  readonly #logger: Logger;
  readonly #relay: PlaybackRelay;
  readonly #party: PartyStatusChanges;

  constructor(options: WorkerReportsOptions) {
    this.#db = options.db;
    this.#logger = options.logger;
    this.#relay = options.relay;
    this.#party = options.party;
  }

  /** Takes a report from the pool; it is applied after the session's work in flight. */
  receive(workerSessionId: string, event: WorkerPoolEvent): void {
    const sessionId = Number(workerSessionId);
    if (!Number.isSafeInteger(sessionId) || sessionId < 1) {
      this.#logger.warn(
        { workerSessionId, eventType: event.type },
        'worker report for an unknown session id',
      );
      return;
    }
    this.#party
      .mutate(sessionId, () => this.#apply(sessionId, event))
      .catch((error: unknown) => {
        sessionLogger(this.#logger, sessionId).error(
          { err: error, eventType: event.type },
          'could not apply worker report',
        );
      });
  }

  async #apply(sessionId: number, event: WorkerPoolEvent): Promise<void> {
    const session = await findSession(this.#db, sessionId);
    if (!session || session.status === 'stopped') return;
    switch (event.type) {
      case 'state':
        return this.#applyState(session, event.status);
      case 'heartbeat':
        await saveWorkerState(this.#db, sessionId, { position_seconds: event.positionSeconds });
        await this.#relay.progress(session, event.positionSeconds, session.status === 'paused');
        return;
      case 'ended':
        return this.#applyEnded(session, event);
      case 'error':
        await this.#db.transaction().execute(async (tx) => {
          await saveWorkerState(tx, sessionId, { last_error: event.message });
          await recordEvent(tx, sessionId, systemActor, {
            type: 'worker-error',
            payload: { message: event.message, fatal: event.fatal },
          });
        });
        return;
      case 'worker-restarting':
        await this.#db.transaction().execute(async (tx) => {
          await saveWorkerState(tx, sessionId, { worker_status: 'restarting' });
          await recordEvent(tx, sessionId, systemActor, {
            type: 'worker-restarting',
            payload: { attempt: event.attempt, reason: event.reason },
          });
        });
        return;
      case 'worker-failed':
        if (canTransition(session.status, 'fail')) {
          await this.#party.fail(
            sessionId,
            new WatchPartyError('unavailable', `The stream worker failed: ${event.reason}`),
          );
        }
        return;
    }
  }

  async #applyState(session: SessionRow, status: SessionStatusResponse): Promise<void> {
    // A report is applied only to the entry it names. A worker that plays nothing (a restarted one
    // before it resumes, or one whose item just ended) reports `queueEntryId: null` at 0 s: saving
    // that would make a retry or a second restart start the current entry from the wrong point.
    if (status.queueEntryId !== session.current_queue_entry_id) return;
    await this.#db.transaction().execute(async (tx) => {
      await saveWorkerState(tx, session.id, workerStateFrom(status));
      if (status.playbackState === 'playing' && canTransition(session.status, 'workerPlaying')) {
        await this.#party.changeStatus(tx, session, 'workerPlaying');
        await recordEvent(tx, session.id, systemActor, {
          type: 'playing',
          payload: { title: status.currentTitle },
        });
      }
    });
  }

  async #applyEnded(session: SessionRow, event: Extract<WorkerEvent, { type: 'ended' }>): Promise<void> {
    // Reports about an entry we already moved past (skip, stop) change nothing.
    if (event.queueEntryId !== session.current_queue_entry_id) return;
    if (!canTransition(session.status, 'exhaust')) return;
    if (event.error !== null) await saveWorkerState(this.#db, session.id, { last_error: event.error });
    await saveWorkerState(this.#db, session.id, { position_seconds: event.positionSeconds });
    await this.#party.advance(session, endedEntryStatus[event.reason], systemActor, (advanced) => ({
      type: 'item-ended',
      payload: { reason: event.reason, error: event.error, ...advanced },
    }));
  }
}
