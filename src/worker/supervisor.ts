// The bot's WorkerPool: one worker process per watch party. It leases a streaming account, spawns the
// worker, opens the session, and follows its event stream. A worker that dies, or whose heartbeats
// stop, is restarted with backoff and put back where it was (same item, last position, paused or
// not); too many failures in a short time and the pool reports `worker-failed` instead.
import { randomBytes } from 'node:crypto';
import type { StreamProfileName } from '../config.ts';
import { type Logger, registerSecrets, sessionLogger } from '../logger.ts';
import { RecoveryBudget } from '../recovery-budget.ts';
import {
  type WorkerEventListener,
  type WorkerPool,
  type WorkerPoolEvent,
  WorkerUnavailableError,
} from '../watchparty/worker-pool.ts';
import { WorkerClient } from './client.ts';
import {
  type ControlRequest,
  type CreateSessionRequest,
  HEARTBEAT_INTERVAL_MS,
  MISSED_HEARTBEATS_BEFORE_DEAD,
  type PlayRequest,
  type SessionStatusResponse,
  type WorkerEvent,
  workerEnv,
} from './contract.ts';
import { streamEncodingEnv } from './media/stream-encoding.ts';
import { type SinkKind, WORKER_SINK_ENV } from './sink-factory.ts';
import { type StreamerLease, StreamerLeases } from './streamer-leases.ts';
import { WorkerProcess } from './worker-process.ts';

export interface RestartPolicy {
  /** This many failures within `windowMs` and the session is given up. */
  maxFailures: number;
  windowMs: number;
  /** Delay before restart attempt n is backoffMs[n-1] (the last value repeats). */
  backoffMs: readonly number[];
}

export interface SupervisorOptions {
  logger: Logger;
  streamerTokens: readonly string[];
  jellyfin: { url: string; apiKey: string };
  discordApiBase?: string;
  stream: { profile: StreamProfileName; bitrateKbps: number };
  /** Which sink workers stream into; `golive` in production. */
  sink?: SinkKind;
  logLevel?: string;
  restart?: RestartPolicy;
  /** Overrides the worker entry (tests). */
  workerEntry?: string;
}

/** How long a closed event stream waits for the process exit before it counts as the failure. */
const EVENT_STREAM_GRACE_MS = 1_000;

const defaultRestartPolicy: RestartPolicy = {
  maxFailures: 3,
  windowMs: 5 * 60_000,
  backoffMs: [250, 1_000, 3_000],
};

/** What the pool remembers so a restarted worker can pick up where the dead one was. */
interface Resumable {
  play: PlayRequest;
  positionSeconds: number;
  /** performance.now() of the last position report, to extrapolate while playing. */
  reportedAt: number;
  paused: boolean;
}

interface ManagedWorker {
  session: CreateSessionRequest;
  lease: StreamerLease;
  logger: Logger;
  process: WorkerProcess | null;
  client: WorkerClient | null;
  events: AbortController | null;
  watchdog: NodeJS.Timeout | null;
  resumable: Resumable | null;
  /** Failures within the restart policy's window; a spent budget gives the session up. */
  failures: RecoveryBudget;
  /** Set when the pool itself condemned the running process (hung, fatal sink error). */
  failureReason: string | null;
  closing: boolean;
}

export class WorkerSupervisor implements WorkerPool {
  readonly #options: SupervisorOptions;
  readonly #policy: RestartPolicy;
  readonly #leases: StreamerLeases;
  readonly #workers = new Map<string, ManagedWorker>();
  readonly #listeners = new Set<WorkerEventListener>();

  constructor(options: SupervisorOptions) {
    this.#options = options;
    this.#policy = options.restart ?? defaultRestartPolicy;
    this.#leases = new StreamerLeases(options.streamerTokens);
    registerSecrets([...options.streamerTokens, options.jellyfin.apiKey]);
  }

  async open(session: CreateSessionRequest): Promise<void> {
    if (this.#workers.has(session.sessionId)) return;
    const lease = this.#leases.acquire(session.sessionId);
    const worker: ManagedWorker = {
      session,
      lease,
      logger: sessionLogger(this.#options.logger, session.sessionId),
      process: null,
      client: null,
      events: null,
      watchdog: null,
      resumable: null,
      failures: new RecoveryBudget({
        // Restarts allowed: the failure that makes maxFailures gives up instead.
        allowed: this.#policy.maxFailures - 1,
        windowMs: this.#policy.windowMs,
      }),
      failureReason: null,
      closing: false,
    };
    this.#workers.set(session.sessionId, worker);
    try {
      await this.#start(worker);
    } catch (error) {
      await this.#teardown(worker);
      this.#leases.release(lease);
      this.#workers.delete(session.sessionId);
      throw error instanceof WorkerUnavailableError
        ? error
        : new WorkerUnavailableError(`The stream worker could not start: ${(error as Error).message}`, {
            cause: error,
          });
    }
  }

  async play(sessionId: string, request: PlayRequest): Promise<void> {
    const worker = this.#running(sessionId);
    await worker.client!.play(sessionId, request);
    worker.resumable = {
      play: request,
      positionSeconds: request.startPositionSeconds ?? 0,
      reportedAt: performance.now(),
      paused: false,
    };
  }

  async control(sessionId: string, request: ControlRequest): Promise<SessionStatusResponse> {
    const worker = this.#running(sessionId);
    const status = await worker.client!.control(sessionId, request);
    this.#remember(worker, status);
    return status;
  }

  async status(sessionId: string): Promise<SessionStatusResponse | null> {
    const worker = this.#workers.get(sessionId);
    if (!worker) return null;
    if (worker.client) return worker.client.status(sessionId);
    // Between a crash and the restart: what the pool knows, so callers can show "restarting".
    const resumable = worker.resumable;
    return {
      workerStatus: 'restarting',
      playbackState: resumable ? (resumable.paused ? 'paused' : 'loading') : 'idle',
      currentTitle: resumable?.play.title ?? null,
      positionSeconds: resumable?.positionSeconds ?? 0,
      durationSeconds: resumable?.play.playback.durationSeconds ?? null,
      lastError: null,
      queueEntryId: resumable?.play.queueEntryId ?? null,
    };
  }

  async close(sessionId: string): Promise<void> {
    const worker = this.#workers.get(sessionId);
    if (!worker) return;
    worker.closing = true;
    this.#workers.delete(sessionId);
    await this.#teardown(worker);
    this.#leases.release(worker.lease);
    worker.logger.info('worker closed');
  }

  subscribe(listener: WorkerEventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.#workers.keys()].map((sessionId) => this.close(sessionId)));
  }

  /** The worker's process id, for diagnostics and tests. */
  processId(sessionId: string): number | null {
    return this.#workers.get(sessionId)?.process?.pid ?? null;
  }

  #running(sessionId: string): ManagedWorker {
    const worker = this.#workers.get(sessionId);
    if (!worker) throw new WorkerUnavailableError('No stream worker is running for this watch party.');
    if (!worker.client)
      throw new WorkerUnavailableError('The stream worker is restarting; try again in a moment.');
    return worker;
  }

  #emit(sessionId: string, event: WorkerPoolEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(sessionId, event);
      } catch (error) {
        this.#options.logger.error({ err: error, sessionId }, 'worker event listener failed');
      }
    }
  }

  #workerEnv(lease: StreamerLease): Record<string, string> {
    const { jellyfin, stream, discordApiBase } = this.#options;
    return {
      [workerEnv.token]: randomBytes(32).toString('base64url'),
      [workerEnv.streamerToken]: lease.token,
      [workerEnv.jellyfinUrl]: jellyfin.url,
      [workerEnv.jellyfinApiKey]: jellyfin.apiKey,
      ...(discordApiBase ? { [workerEnv.discordApiBase]: discordApiBase } : {}),
      [workerEnv.host]: '127.0.0.1',
      [streamEncodingEnv.profile]: stream.profile,
      [streamEncodingEnv.maxBitrateKbps]: String(stream.bitrateKbps),
      [WORKER_SINK_ENV]: this.#options.sink ?? 'golive',
      LOG_LEVEL: this.#options.logLevel ?? 'info',
    };
  }

  /** Spawns the process, opens the session and follows its events; restores playback if any. */
  async #start(worker: ManagedWorker): Promise<void> {
    const env = this.#workerEnv(worker.lease);
    const token = env[workerEnv.token]!;
    registerSecrets([token]);
    const child = await WorkerProcess.spawn({
      env,
      logger: worker.logger,
      ...(this.#options.workerEntry ? { entry: this.#options.workerEntry } : {}),
    });
    worker.process = child;
    worker.failureReason = null;
    void child.exited.then((exit) => {
      // Before `client` is set, #start is still running and its caller handles the failure.
      if (worker.process !== child || worker.closing || worker.client === null) return;
      const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.exitCode}`;
      void this.#onFailure(worker, worker.failureReason ?? `the stream worker ${how}`);
    });
    worker.logger.info({ pid: child.pid, port: child.port, streamer: worker.lease.index }, 'worker started');
    const client = new WorkerClient({ baseUrl: `http://127.0.0.1:${child.port}`, token });
    await client.createSession(worker.session);
    this.#follow(worker, client);
    const resumable = worker.resumable;
    if (resumable) {
      await client.play(worker.session.sessionId, {
        ...resumable.play,
        startPositionSeconds: resumable.positionSeconds,
      });
      if (resumable.paused) await client.control(worker.session.sessionId, { action: 'pause' });
      worker.logger.info(
        { positionSeconds: resumable.positionSeconds, paused: resumable.paused },
        'playback restored',
      );
    }
    worker.client = client;
  }

  /** Subscribes to the worker's events; silence for MISSED_HEARTBEATS_BEFORE_DEAD beats means dead. */
  #follow(worker: ManagedWorker, client: WorkerClient): void {
    const events = new AbortController();
    worker.events = events;
    const child = worker.process;
    const armWatchdog = () => {
      if (worker.watchdog) clearTimeout(worker.watchdog);
      worker.watchdog = setTimeout(
        () => this.#condemn(worker, 'the stream worker stopped sending heartbeats'),
        HEARTBEAT_INTERVAL_MS * MISSED_HEARTBEATS_BEFORE_DEAD,
      );
      worker.watchdog.unref();
    };
    armWatchdog();
    const onEvent = (event: WorkerEvent) => {
      armWatchdog();
      this.#onWorkerEvent(worker, event);
    };
    client
      .events(worker.session.sessionId, onEvent, events.signal)
      .catch((error: unknown) => worker.logger.warn({ err: error }, 'worker event stream failed'))
      .finally(() => {
        // A live worker whose event stream closed cannot be followed: treat it like a dead one. A
        // dying worker closes the stream first, so give its exit a moment to be the reason.
        setTimeout(() => {
          if (!events.signal.aborted && worker.process === child) {
            this.#condemn(worker, 'the stream worker closed its event stream');
          }
        }, EVENT_STREAM_GRACE_MS).unref();
      });
  }

  /** Kills a running worker the pool gave up on; its exit then goes through #onFailure. */
  #condemn(worker: ManagedWorker, reason: string): void {
    if (worker.closing || worker.failureReason || !worker.process) return;
    worker.logger.warn({ reason }, 'killing the stream worker');
    worker.failureReason = reason;
    worker.process.kill();
  }

  #onWorkerEvent(worker: ManagedWorker, event: WorkerEvent): void {
    // A condemned worker's last words (its item ending in error) are not the party's news: the
    // restarted worker resumes the item.
    if (worker.failureReason) return;
    if (event.type === 'error' && event.fatal) {
      // The transport gave up (kicked, reconnects exhausted): a fresh worker logs in again.
      this.#condemn(worker, event.message);
      return;
    }
    if (event.type === 'state') this.#remember(worker, event.status);
    else if (event.type === 'heartbeat' && worker.resumable) {
      worker.resumable.positionSeconds = event.positionSeconds;
      worker.resumable.reportedAt = performance.now();
    } else if (event.type === 'ended') worker.resumable = null;
    this.#emit(worker.session.sessionId, event);
  }

  #remember(worker: ManagedWorker, status: SessionStatusResponse): void {
    const resumable = worker.resumable;
    if (!resumable) return;
    if (status.queueEntryId !== null && status.queueEntryId !== resumable.play.queueEntryId) return;
    if (status.playbackState === 'ended' || status.playbackState === 'error') {
      worker.resumable = null;
      return;
    }
    resumable.positionSeconds = status.positionSeconds;
    resumable.reportedAt = performance.now();
    if (status.playbackState === 'paused') resumable.paused = true;
    else if (status.playbackState === 'playing') resumable.paused = false;
  }

  /**
   * A playing item has moved on since the last report (heartbeats come every 2 s). At most one beat
   * is added: a worker that hung for longer showed viewers nothing in between.
   */
  #extrapolatePosition(worker: ManagedWorker): void {
    const resumable = worker.resumable;
    if (!resumable || resumable.paused) return;
    const now = performance.now();
    const elapsedMs = Math.min(now - resumable.reportedAt, HEARTBEAT_INTERVAL_MS);
    const duration = resumable.play.playback.durationSeconds ?? Number.POSITIVE_INFINITY;
    resumable.positionSeconds = Math.min(resumable.positionSeconds + elapsedMs / 1000, duration);
    resumable.reportedAt = now;
  }

  async #teardown(worker: ManagedWorker): Promise<void> {
    worker.events?.abort();
    worker.events = null;
    if (worker.watchdog) clearTimeout(worker.watchdog);
    worker.watchdog = null;
    worker.client = null;
    const child = worker.process;
    worker.process = null;
    await child?.stop();
  }

  async #onFailure(worker: ManagedWorker, reason: string): Promise<void> {
    const sessionId = worker.session.sessionId;
    this.#extrapolatePosition(worker);
    await this.#teardown(worker);
    if (worker.closing) return;
    const { attempt, exhausted } = worker.failures.spend(Date.now());
    if (exhausted) {
      worker.logger.error({ reason, failures: attempt }, 'worker failed too often; giving up');
      worker.closing = true;
      this.#workers.delete(sessionId);
      this.#leases.release(worker.lease);
      this.#emit(sessionId, {
        type: 'worker-failed',
        reason: `${reason} (${attempt} failures within ${Math.round(this.#policy.windowMs / 60_000)} min)`,
      });
      return;
    }
    worker.logger.warn({ reason, attempt }, 'restarting worker');
    this.#emit(sessionId, { type: 'worker-restarting', attempt, reason });
    const backoff = this.#policy.backoffMs[Math.min(attempt, this.#policy.backoffMs.length) - 1] ?? 1_000;
    await new Promise((resolve) => setTimeout(resolve, backoff));
    if (worker.closing) return;
    try {
      await this.#start(worker);
    } catch (error) {
      await this.#onFailure(worker, `restart failed: ${(error as Error).message}`);
    }
  }
}
