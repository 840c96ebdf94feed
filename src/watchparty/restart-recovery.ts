// Picks parties up again after a bot restart. Workers keep no durable state, so each party that was
// connecting, playing or paused gets a worker again and replays its current item from the last
// position the bot saved; paused parties are paused again.
import type { Db } from '../db/connection.ts';
import { type Logger, sessionLogger } from '../logger.ts';
import { recordEvent } from './audit-events.ts';
import { systemActor } from './permissions.ts';
import { playingEntry, setEntryStatus, upcomingEntries } from './queue-store.ts';
import { canTransition } from './session-state.ts';
import {
  findWorkerState,
  requireSession,
  saveWorkerState,
  streamingSessionIds,
  workerStateFrom,
} from './session-store.ts';
import type { PartyStatusChanges } from './status-changes.ts';
import type { WorkerPool } from './worker-pool.ts';

export interface RestartRecoveryOptions {
  db: Db;
  workers: WorkerPool;
  logger: Logger;
  party: PartyStatusChanges;
}

export class RestartRecovery {
  readonly #db: Db;
  readonly #workers: WorkerPool;
  readonly #logger: Logger;
  readonly #party: PartyStatusChanges;

  constructor(options: RestartRecoveryOptions) {
    this.#db = options.db;
    this.#workers = options.workers;
    this.#logger = options.logger;
    this.#party = options.party;
  }

  /** Returns the ids it resumed; failures are logged and leave the party in `error`. */
  async resumeLiveSessions(): Promise<number[]> {
    const resumed: number[] = [];
    for (const id of await streamingSessionIds(this.#db)) {
      try {
        await this.#party.mutate(id, () => this.#recover(id));
        resumed.push(id);
      } catch (error) {
        sessionLogger(this.#logger, id).warn(
          { err: error },
          'could not resume the watch party after a restart',
        );
      }
    }
    return resumed;
  }

  async #recover(sessionId: number): Promise<void> {
    const session = await requireSession(this.#db, sessionId);
    if (!canTransition(session.status, 'recover')) return;
    const wasPaused = session.status === 'paused';
    const current = await playingEntry(this.#db, session);
    const entry = current ?? (await upcomingEntries(this.#db, sessionId))[0];
    if (!entry) {
      await this.#db.transaction().execute(async (tx) => {
        await this.#party.changeStatus(tx, session, 'exhaust', { current_queue_entry_id: null });
        await recordEvent(tx, sessionId, systemActor, { type: 'recovered', payload: { idle: true } });
      });
      return;
    }
    const startAt = current ? ((await findWorkerState(this.#db, sessionId))?.position_seconds ?? 0) : 0;
    await this.#db.transaction().execute(async (tx) => {
      await this.#party.changeStatus(tx, session, 'recover', { current_queue_entry_id: entry.id });
      await setEntryStatus(tx, entry.id, 'playing');
      await saveWorkerState(tx, sessionId, { worker_status: 'starting', playback_state: 'loading' });
      await recordEvent(tx, sessionId, systemActor, {
        type: 'recovered',
        payload: { entryId: entry.id, title: entry.title, startPositionSeconds: startAt, paused: wasPaused },
      });
    });
    this.#party.notify(sessionId);
    await this.#party.connectAndPlay(session, entry, startAt);
    if (!wasPaused) return;
    try {
      const status = await this.#workers.control(String(sessionId), { action: 'pause' });
      await saveWorkerState(this.#db, sessionId, workerStateFrom(status));
    } catch (error) {
      throw await this.#party.fail(sessionId, error);
    }
  }
}
