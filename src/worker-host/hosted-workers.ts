// The worker processes a worker host runs: one per session, spawned exactly as the bot spawns a local
// one (src/worker-pool/worker-process.ts), with the environment the bot sent. Only the variables of
// the worker contract's schema reach a child (a NODE_OPTIONS in the request goes nowhere), and the
// host sets each child's token, address and port itself.
//
// The lifeline: a local worker exits when its bot dies (its IPC channel closes). A hosted worker's
// bot is on another machine, so the host watches the bot's event stream instead: a worker that nobody
// follows for as long as the bot gives a silent worker is stopped, and its streaming account is free
// for the bot's next start.
import { randomBytes } from 'node:crypto';
import { type Logger, registerSecrets, sessionLogger } from '../logger.ts';
import { type HostedWorkerExit, hostedWorkerExits } from '../metrics/host-metrics.ts';
import type { PartyStats } from '../metrics/stream-metrics.ts';
import { workerRestarts, workerStarts } from '../metrics/worker-counters.ts';
import { HttpError } from '../worker/contract-http.ts';
import { parseWorkerEnvironment, workerEnvironment } from '../worker-contract/environment.ts';
import type { HostCreateSessionRequest } from '../worker-contract/host.ts';
import {
  HEARTBEAT_INTERVAL_MS,
  MISSED_HEARTBEATS_BEFORE_DEAD,
  type SessionStatusResponse,
} from '../worker-contract/http.ts';
import { WorkerClient } from '../worker-pool/client.ts';
import { gatherPartyStats } from '../worker-pool/party-stats.ts';
import { WorkerProcess } from '../worker-pool/worker-process.ts';

/** One session's worker on this host. */
export interface HostedWorker {
  process: WorkerProcess;
  /** The child's contract server, on loopback. */
  port: number;
  token: string;
  /** Open event streams of the bot. */
  followers: number;
  /** Stops the worker when it has gone unfollowed too long. */
  lifeline: NodeJS.Timeout | undefined;
  /** Why the host stopped it, once it did; an exit without one is a worker that died. */
  stoppedAs: Exclude<HostedWorkerExit, 'died'> | null;
  logger: Logger;
}

const UNFOLLOWED_LIMIT_MS = HEARTBEAT_INTERVAL_MS * MISSED_HEARTBEATS_BEFORE_DEAD;

type SessionState =
  /** Its worker is starting: it takes room already, so two opens cannot overfill the host. */
  { kind: 'opening'; closeRequested: boolean } | { kind: 'running'; worker: HostedWorker };

export interface HostedWorkersOptions {
  capacity: number;
  logger: Logger;
}

export class HostedWorkers {
  readonly capacity: number;
  readonly #logger: Logger;
  /** Sessions here, opening or running; a closed one has no entry. */
  readonly #sessions = new Map<string, SessionState>();

  constructor(options: HostedWorkersOptions) {
    this.capacity = options.capacity;
    this.#logger = options.logger;
  }

  get count(): number {
    return this.#sessions.size;
  }

  get(sessionId: string): HostedWorker | null {
    const state = this.#sessions.get(sessionId);
    return state?.kind === 'running' ? state.worker : null;
  }

  /** The one place a session changes state; null removes it. */
  #setState(sessionId: string, state: SessionState | null): void {
    if (state) this.#sessions.set(sessionId, state);
    else this.#sessions.delete(sessionId);
  }

  /**
   * Starts the session's worker and opens the session in it; a session that runs here already is
   * opened again in its worker (the contract's create is idempotent).
   */
  async open(
    request: HostCreateSessionRequest,
  ): Promise<{ status: SessionStatusResponse; created: boolean }> {
    const { workerEnvironment: requested, restart, ...session } = request;
    const existing = this.#sessions.get(session.sessionId);
    if (existing?.kind === 'running')
      return { status: await clientOf(existing.worker).createSession(session), created: false };
    if (existing?.kind === 'opening')
      throw new HttpError(409, 'conflict', `session ${session.sessionId} is still being opened`);
    if (this.count >= this.capacity)
      throw new HttpError(409, 'conflict', `this worker host is full (${this.capacity} sessions)`);
    const token = randomBytes(32).toString('base64url');
    const parsed = parseWorkerEnvironment({
      ...requested,
      ORB_WORKER_TOKEN: token,
      ORB_WORKER_HOST: '127.0.0.1',
      ORB_WORKER_PORT: '0',
    });
    if (!parsed.ok)
      throw new HttpError(400, 'bad_request', `workerEnvironment: ${parsed.problems.join('; ')}`, {
        field: 'workerEnvironment',
      });
    const { settings } = parsed;
    registerSecrets(
      [token, settings.streamerToken, settings.jellyfinApiKey].filter(
        (value): value is string => value !== undefined,
      ),
    );
    const logger = sessionLogger(this.#logger, session.sessionId);
    this.#setState(session.sessionId, { kind: 'opening', closeRequested: false });
    let started: HostedWorker | null = null;
    try {
      const process = await WorkerProcess.spawn({ env: workerEnvironment(settings), logger });
      const worker: HostedWorker = {
        process,
        port: process.port,
        token,
        followers: 0,
        lifeline: undefined,
        stoppedAs: null,
        logger,
      };
      started = worker;
      workerStarts.inc();
      if (restart) workerRestarts.inc();
      void process.exited.then((exit) => {
        hostedWorkerExits.inc({ how: worker.stoppedAs ?? 'died' });
        clearTimeout(worker.lifeline);
        if (this.get(session.sessionId) !== worker) return;
        this.#setState(session.sessionId, null);
        logger.warn({ exitCode: exit.exitCode, signal: exit.signal }, 'hosted worker exited');
      });
      const status = await clientOf(worker).createSession(session);
      const state = this.#sessions.get(session.sessionId);
      if (state?.kind !== 'opening' || state.closeRequested)
        throw new HttpError(409, 'conflict', `session ${session.sessionId} was closed while it opened`);
      this.#setState(session.sessionId, { kind: 'running', worker });
      this.#armLifeline(session.sessionId, worker);
      logger.info({ pid: process.pid, sessions: this.count }, 'hosted worker started');
      return { status, created: true };
    } catch (error) {
      this.#setState(session.sessionId, null);
      if (started) {
        started.stoppedAs = 'stopped';
        await started.process.stop();
      }
      throw error;
    }
  }

  /** Counts an event stream of the bot's; call the answer when it closes. */
  follow(sessionId: string, worker: HostedWorker): () => void {
    worker.followers += 1;
    clearTimeout(worker.lifeline);
    return () => {
      worker.followers -= 1;
      this.#armLifeline(sessionId, worker);
    };
  }

  #armLifeline(sessionId: string, worker: HostedWorker): void {
    if (worker.followers > 0) return;
    clearTimeout(worker.lifeline);
    worker.lifeline = setTimeout(() => {
      if (this.get(sessionId) !== worker || worker.followers > 0) return;
      this.#logger.warn(
        { sessionId },
        'nobody follows this worker any more (the bot went away); stopping it',
      );
      void this.close(sessionId, 'unfollowed');
    }, UNFOLLOWED_LIMIT_MS);
    worker.lifeline.unref();
  }

  /** Stops the session's worker (it leaves voice first); false when none runs here. */
  async close(sessionId: string, how: 'stopped' | 'unfollowed' = 'stopped'): Promise<boolean> {
    const state = this.#sessions.get(sessionId);
    if (!state) return false;
    if (state.kind === 'opening') {
      // Stopped as soon as its worker has started.
      this.#setState(sessionId, { kind: 'opening', closeRequested: true });
      return true;
    }
    const { worker } = state;
    this.#setState(sessionId, null);
    clearTimeout(worker.lifeline);
    worker.stoppedAs = how;
    await worker.process.stop();
    this.#logger.info({ sessionId, sessions: this.count }, 'hosted worker stopped');
    return true;
  }

  /** Every running session's figures for the host's /metrics (party-stats.ts). */
  partyStats(timeoutMs: number): Promise<PartyStats[]> {
    const running = [...this.#sessions].flatMap(([sessionId, state]) =>
      state.kind === 'running'
        ? [
            {
              sessionId,
              client: clientOf(state.worker),
              pid: state.worker.process.pid,
              logger: state.worker.logger,
            },
          ]
        : [],
    );
    return gatherPartyStats(running, timeoutMs);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.#sessions.keys()].map((sessionId) => this.close(sessionId)));
  }
}

function clientOf(worker: HostedWorker): WorkerClient {
  return new WorkerClient({ baseUrl: `http://127.0.0.1:${worker.port}`, token: worker.token });
}
