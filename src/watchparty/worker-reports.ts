// Applies what stream workers report (their state, heartbeats, ended items, errors, restarts) to the
// party concerned. A report runs through the service's per-session queue like a command, so the two
// never interleave on one party; status changes go through the service (PartyStatusChanges).
import type { Db } from '../db/connection.ts';
import type { QueueEntryStatus, SessionRow } from '../db/schema.ts';
import { withoutAddresses } from '../error-message.ts';
import type { Phrase } from '../i18n/catalog.ts';
import { phrase, render } from '../i18n/translate.ts';
import { type Logger, sessionLogger } from '../logger.ts';
import type { EndReason, SessionStatusResponse, WorkerEvent } from '../worker-contract/http.ts';
import { recordEvent } from './audit-events.ts';
import { failureKindOfWorker, failurePhrase, type KeptFailure, PartyFailure } from './failures.ts';
import { systemActor } from './permissions.ts';
import type { PlaybackRelay } from './playback-relay.ts';
import { requeueForLoop } from './queue-moves.ts';
import { findEntry, upcomingEntries } from './queue-store.ts';
import { canTransition } from './session-state.ts';
import {
  findSession,
  findWorkerState,
  lastErrorColumns,
  saveWorkerState,
  workerStateFrom,
} from './session-store.ts';
import type { PartyStatusChanges } from './status-changes.ts';
import type { WorkerPoolEvent } from './worker-pool.ts';

export interface WorkerReportsOptions {
  db: Db;
  logger: Logger;
  relay: PlaybackRelay;
  party: PartyStatusChanges;
}

type EndedEvent = Extract<WorkerEvent, { type: 'ended' }>;

const endedEntryStatus: Record<EndReason, QueueEntryStatus> = {
  finished: 'played',
  // All the file holds went out: played, with the worker's note kept as the entry's error.
  truncated: 'played',
  skipped: 'skipped',
  stopped: 'skipped',
  error: 'failed',
};

/** How an item that ended in a failure (or cut short) failed, or null. */
function failureOf(event: EndedEvent): KeptFailure | null {
  if (event.reason !== 'error' && event.reason !== 'truncated') return null;
  const kind =
    event.failure === null && event.reason === 'truncated'
      ? 'file_ended_early'
      : failureKindOfWorker(event.failure);
  return { kind, atSeconds: kind === 'file_ended_early' ? event.positionSeconds : null };
}

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
        // Kept for the record only: an item's failure reaches members through its `ended` report,
        // and a worker's own (a failed preview upload) is not theirs to worry about.
        await recordEvent(this.#db, sessionId, systemActor, {
          type: 'worker-error',
          payload: { message: withoutAddresses(event.message), fatal: event.fatal },
        });
        return;
      case 'worker-restarting':
        await this.#db.transaction().execute(async (tx) => {
          // Viewers have lost the picture: the party shows it, held where the new worker resumes.
          await saveWorkerState(tx, sessionId, {
            worker_status: 'restarting',
            playback_state: 'reconnecting',
            ...(event.positionSeconds === null ? {} : { position_seconds: event.positionSeconds }),
          });
          await recordEvent(tx, sessionId, systemActor, {
            type: 'worker-restarting',
            payload: { attempt: event.attempt, reason: withoutAddresses(event.reason) },
          });
        });
        return;
      case 'worker-failed':
        if (canTransition(session.status, 'fail')) {
          await this.#party.fail(sessionId, new PartyFailure('worker_crashed', event.reason));
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
      const update = workerStateFrom(status);
      // A restarted worker loading the item back is the end of the reconnect, not a new item.
      const previous = await findWorkerState(tx, session.id);
      if (status.playbackState === 'loading' && previous?.playback_state === 'reconnecting')
        update.playback_state = 'reconnecting';
      await saveWorkerState(tx, session.id, update);
      if (status.playbackState === 'playing' && canTransition(session.status, 'workerPlaying')) {
        await this.#party.changeStatus(tx, session, 'workerPlaying');
        await recordEvent(tx, session.id, systemActor, {
          type: 'playing',
          payload: { title: status.currentTitle },
        });
      }
    });
  }

  async #applyEnded(session: SessionRow, event: EndedEvent): Promise<void> {
    // Reports about an entry we already moved past (skip, stop) change nothing.
    if (event.queueEntryId !== session.current_queue_entry_id) return;
    if (!canTransition(session.status, 'exhaust')) return;
    const failed = failureOf(event);
    const reason = failed && failurePhrase(failed.kind, failed.atSeconds ?? undefined);
    if (reason !== null) await this.#announceItemFailure(session, event, reason);
    const failure = reason && render('en', reason);
    // The last error says how the last item ended: an idle panel shows why, or nothing after a good end.
    await saveWorkerState(this.#db, session.id, {
      position_seconds: event.positionSeconds,
      ...lastErrorColumns(failure, failed),
    });
    if (endedEntryStatus[event.reason] === 'played') await requeueForLoop(this.#db, session);
    await this.#party.advance(session, endedEntryStatus[event.reason], systemActor, (advanced) => ({
      type: 'item-ended',
      payload: { reason: event.reason, error: failure, ...advanced },
    }));
  }

  async #announceItemFailure(session: SessionRow, event: EndedEvent, failure: Phrase): Promise<void> {
    sessionLogger(this.#logger, session.id).warn(
      { queueEntryId: event.queueEntryId, reason: event.reason, failure: event.failure, detail: event.error },
      'item failed',
    );
    const ended = await findEntry(this.#db, session.id, event.queueEntryId);
    const [next] = await upcomingEntries(this.#db, session.id);
    this.#party.announcements.itemFailed(
      session,
      ended?.title ?? phrase('announce.theItem'),
      failure,
      next?.title ?? null,
    );
  }
}
