// The bot's WorkerPool: one worker process per watch party. It leases a streaming account, places the
// worker (a child of the bot, or on a worker host: placement.ts), opens the session, and follows its
// event stream. A worker that dies, or whose heartbeats stop, is restarted with backoff and put back
// where it was (same item, last position, paused or not), wherever the placement finds room then;
// too many failures in a short time and the pool reports `worker-failed` instead.
import { errorMessage } from '../error-message.ts';
import { type Logger, registerSecrets, sessionLogger } from '../logger.ts';
import { workerGiveUps } from '../metrics/instruments.ts';
import type { PartyStats } from '../metrics/stream-metrics.ts';
import { workerRestarts, workerStarts } from '../metrics/worker-counters.ts';
import { RecoveryBudget } from '../recovery-budget.ts';
import {
  type WorkerEventListener,
  type WorkerPool,
  type WorkerPoolEvent,
  WorkerUnavailableError,
} from '../watchparty/worker-pool.ts';
import type {
  LogLevel,
  MediaSend,
  SinkKind,
  StreamProfileName,
  VideoEncoderSetting,
} from '../worker-contract/environment.ts';
import {
  type ControlRequest,
  type CreateSessionRequest,
  HEARTBEAT_INTERVAL_MS,
  MISSED_HEARTBEATS_BEFORE_DEAD,
  type PlayRequest,
  type SessionStatusResponse,
  type WorkerEvent,
} from '../worker-contract/http.ts';
import type { WorkerClient } from './client.ts';
import { LocalPlacement } from './local-placement.ts';
import { gatherPartyStats } from './party-stats.ts';
import type { PlacedWorker, WorkerLaunch, WorkerPlacement } from './placement.ts';
import { type StreamerLease, StreamerLeases } from './streamer-leases.ts';

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
  stream: {
    profile: StreamProfileName;
    bitrateKbps: number;
    normalizeAudio?: boolean;
    videoEncoder?: VideoEncoderSetting;
    vaapiDevice?: string | undefined;
  };
  /** Which sink workers stream into; `golive` in production. */
  sink?: SinkKind;
  /** `js` makes workers send with Node's crypto and dgram instead of the native sender. */
  mediaSend?: MediaSend;
  logLevel?: LogLevel;
  restart?: RestartPolicy;
  /** Where workers run; child processes of the bot (LocalPlacement) when unset. */
  placement?: WorkerPlacement;
  /** Overrides the worker entry of the default placement (tests). */
  workerEntry?: string;
}

/** How long a closed event stream waits for the process exit before it counts as the failure. */
const EVENT_STREAM_GRACE_MS = 1_000;

// A crashed worker is replaced at once: viewers are waiting, and a crash loop is bounded by
// maxFailures anyway (the recovery bench measured 250 ms and 1 s of the outage being this wait).
const defaultRestartPolicy: RestartPolicy = {
  maxFailures: 3,
  windowMs: 5 * 60_000,
  backoffMs: [0, 250, 1_000],
};

/** What the pool remembers so a restarted worker can pick up where the dead one was. */
interface Resumable {
  play: PlayRequest;
  positionSeconds: number;
  /** performance.now() of the last position report, to extrapolate while playing. */
  reportedAt: number;
  paused: boolean;
}

/** One placed worker and how the pool follows it. */
interface Child {
  worker: PlacedWorker;
  /** Aborts the event stream. */
  events: AbortController;
  /** Fires when heartbeats stop; re-armed by every event. */
  watchdog: NodeJS.Timeout | undefined;
  /** Set when the pool itself condemned this process (hung, fatal sink error). */
  failureReason: string | null;
}

type WorkerState =
  /** Spawning a process (no child yet), opening the session, restoring playback. */
  | { kind: 'starting'; child: Child | null }
  /** Serving calls. */
  | { kind: 'running'; child: Child }
  /** Between a failure and the next start. */
  | { kind: 'restarting' }
  /** Closed, or given up; nothing may start again. */
  | { kind: 'stopped' };

interface ManagedWorker {
  session: CreateSessionRequest;
  lease: StreamerLease;
  logger: Logger;
  state: WorkerState;
  resumable: Resumable | null;
  /** Failures within the restart policy's window; a spent budget gives the session up. */
  failures: RecoveryBudget;
}

/** The worker's current process, while it has one. */
function childOf(state: WorkerState): Child | null {
  return state.kind === 'starting' || state.kind === 'running' ? state.child : null;
}

export class WorkerSupervisor implements WorkerPool {
  readonly #options: SupervisorOptions;
  readonly #policy: RestartPolicy;
  readonly #placement: WorkerPlacement;
  readonly #leases: StreamerLeases;
  readonly #workers = new Map<string, ManagedWorker>();
  readonly #listeners = new Set<WorkerEventListener>();

  constructor(options: SupervisorOptions) {
    this.#options = options;
    this.#policy = options.restart ?? defaultRestartPolicy;
    this.#placement = options.placement ?? new LocalPlacement({ workerEntry: options.workerEntry });
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
      state: { kind: 'starting', child: null },
      resumable: null,
      failures: new RecoveryBudget({
        // Restarts allowed: the failure that makes maxFailures gives up instead.
        allowed: this.#policy.maxFailures - 1,
        windowMs: this.#policy.windowMs,
      }),
    };
    this.#workers.set(session.sessionId, worker);
    try {
      await this.#start(worker, false);
    } catch (error) {
      await this.#stop(worker);
      throw error instanceof WorkerUnavailableError
        ? error
        : new WorkerUnavailableError(`The stream worker could not start: ${errorMessage(error)}`, {
            cause: error,
          });
    }
  }

  async play(sessionId: string, request: PlayRequest): Promise<void> {
    const { worker, client } = this.#running(sessionId);
    await client.play(sessionId, request);
    worker.resumable = {
      play: request,
      positionSeconds: request.startPositionSeconds ?? 0,
      reportedAt: performance.now(),
      paused: false,
    };
  }

  async control(sessionId: string, request: ControlRequest): Promise<SessionStatusResponse> {
    const { worker, client } = this.#running(sessionId);
    const status = await client.control(sessionId, request);
    this.#remember(worker, status);
    return status;
  }

  /**
   * The worker's status, or between a crash and the restart what the pool knows ("restarting");
   * null when no worker runs for the session. Not part of the WorkerPool port (the service follows
   * events): diagnostics and the supervisor's tests read it.
   */
  async status(sessionId: string): Promise<SessionStatusResponse | null> {
    const worker = this.#workers.get(sessionId);
    if (!worker) return null;
    if (worker.state.kind === 'running') return worker.state.child.worker.client.status(sessionId);
    const resumable = worker.resumable;
    return {
      workerStatus: 'restarting',
      playbackState: resumable ? (resumable.paused ? 'paused' : 'reconnecting') : 'idle',
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
    await this.#stop(worker);
    worker.logger.info('worker closed');
  }

  subscribe(listener: WorkerEventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.#workers.keys()].map((sessionId) => this.close(sessionId)));
  }

  /**
   * Each running worker's figures for /metrics (party-stats.ts); `stats` is null for a worker that did
   * not answer within `timeoutMs`. Restarting workers are left out.
   */
  streamStats(timeoutMs: number): Promise<PartyStats[]> {
    const running = [...this.#workers.values()].flatMap(({ session, logger, state }) =>
      state.kind === 'running'
        ? [
            {
              sessionId: session.sessionId,
              client: state.child.worker.client,
              pid: state.child.worker.pid,
              logger,
            },
          ]
        : [],
    );
    return gatherPartyStats(running, timeoutMs);
  }

  /** The worker's process id when it is a child of the bot, for diagnostics and tests. */
  processId(sessionId: string): number | null {
    const worker = this.#workers.get(sessionId);
    return worker ? (childOf(worker.state)?.worker.pid ?? null) : null;
  }

  #running(sessionId: string): { worker: ManagedWorker; client: WorkerClient } {
    const worker = this.#workers.get(sessionId);
    if (!worker) throw new WorkerUnavailableError('No stream worker is running for this watch party.');
    if (worker.state.kind !== 'running')
      throw new WorkerUnavailableError('The stream worker is restarting; try again in a moment.');
    return { worker, client: worker.state.child.worker.client };
  }

  /**
   * The one place a worker changes state. Leaving a process behind stops following it; that process
   * is returned for the caller to stop.
   */
  #setState(worker: ManagedWorker, state: WorkerState): Child | null {
    const previous = childOf(worker.state);
    worker.state = state;
    if (!previous || previous === childOf(state)) return null;
    previous.events.abort();
    clearTimeout(previous.watchdog);
    return previous;
  }

  /** Stops the worker for good: its place in the pool, its process, then its streaming account. */
  async #stop(worker: ManagedWorker): Promise<void> {
    if (worker.state.kind === 'stopped') return;
    const child = this.#setState(worker, { kind: 'stopped' });
    this.#workers.delete(worker.session.sessionId);
    // The account is free once the worker has left voice, not before.
    await child?.worker.stop();
    this.#leases.release(worker.lease);
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

  #launch(lease: StreamerLease): WorkerLaunch {
    const { jellyfin, stream, discordApiBase } = this.#options;
    return {
      streamerToken: lease.token,
      jellyfinUrl: jellyfin.url,
      jellyfinApiKey: jellyfin.apiKey,
      discordApiBase,
      sink: this.#options.sink ?? 'golive',
      streamProfile: stream.profile,
      maxBitrateKbps: stream.bitrateKbps,
      normalizeAudio: stream.normalizeAudio,
      videoEncoder: stream.videoEncoder,
      vaapiDevice: stream.vaapiDevice,
      mediaSend: this.#options.mediaSend,
      logLevel: this.#options.logLevel ?? 'info',
    };
  }

  /**
   * Places the worker, opens the session and follows its events; restores playback if any.
   * `restart`: after a failure (the placement passes it on).
   */
  async #start(worker: ManagedWorker, restart: boolean): Promise<void> {
    this.#setState(worker, { kind: 'starting', child: null });
    const placed = await this.#placement.place(this.#launch(worker.lease), worker.logger);
    const child: Child = {
      worker: placed,
      events: new AbortController(),
      watchdog: undefined,
      failureReason: null,
    };
    if (worker.state.kind === 'stopped') {
      // Closed while the worker started: nobody will follow it.
      await placed.stop();
      throw new WorkerUnavailableError('The watch party was closed while its stream worker started.');
    }
    this.#setState(worker, { kind: 'starting', child });
    workerStarts.inc();
    void placed.exited.then((how) => {
      // While starting, #start is still running and its caller handles the failure.
      if (worker.state.kind !== 'running' || worker.state.child !== child) return;
      void this.#onFailure(worker, child.failureReason ?? `the stream worker ${how}`);
    });
    worker.logger.info({ ...placed.where, streamer: worker.lease.index }, 'worker started');
    await placed.open(worker.session, restart);
    this.#follow(worker, child);
    const resumable = worker.resumable;
    if (resumable) {
      await child.worker.client.play(worker.session.sessionId, {
        ...resumable.play,
        startPositionSeconds: resumable.positionSeconds,
      });
      if (resumable.paused) await child.worker.client.control(worker.session.sessionId, { action: 'pause' });
      worker.logger.info(
        { positionSeconds: resumable.positionSeconds, paused: resumable.paused },
        'playback restored',
      );
    }
    if (worker.state.kind !== 'starting' || worker.state.child !== child) {
      throw new WorkerUnavailableError('The watch party was closed while its stream worker started.');
    }
    this.#setState(worker, { kind: 'running', child });
  }

  /** Subscribes to the worker's events; silence for MISSED_HEARTBEATS_BEFORE_DEAD beats means dead. */
  #follow(worker: ManagedWorker, child: Child): void {
    const armWatchdog = () => {
      clearTimeout(child.watchdog);
      child.watchdog = setTimeout(
        () => this.#condemn(worker, child, 'the stream worker stopped sending heartbeats'),
        HEARTBEAT_INTERVAL_MS * MISSED_HEARTBEATS_BEFORE_DEAD,
      );
      child.watchdog.unref();
    };
    armWatchdog();
    const onEvent = (event: WorkerEvent) => {
      armWatchdog();
      this.#onWorkerEvent(worker, child, event);
    };
    child.worker.client
      .events(worker.session.sessionId, onEvent, child.events.signal)
      .catch((error: unknown) => worker.logger.warn({ err: error }, 'worker event stream failed'))
      .finally(() => {
        if (child.events.signal.aborted) return;
        // A live worker whose event stream closed cannot be followed: treat it like a dead one. A
        // dying child closes the stream first, so give its exit a moment to be the reason, unless the
        // placement can tell at once that the worker is gone (its worker host died, say).
        const condemn = (reason: string) => {
          if (!child.events.signal.aborted) this.#condemn(worker, child, reason);
        };
        setTimeout(() => condemn('the stream worker closed its event stream'), EVENT_STREAM_GRACE_MS).unref();
        void child.worker.whyGone().then((how) => {
          if (how) condemn(`the stream worker ${how}`);
        });
      });
  }

  /** Kills a worker the pool gave up on; its exit then goes through #onFailure. */
  #condemn(worker: ManagedWorker, child: Child, reason: string): void {
    if (child.failureReason || childOf(worker.state) !== child) return;
    worker.logger.warn({ reason }, 'killing the stream worker');
    child.failureReason = reason;
    child.worker.kill();
  }

  #onWorkerEvent(worker: ManagedWorker, child: Child, event: WorkerEvent): void {
    // A condemned worker's last words (its item ending in error) are not the party's news: the
    // restarted worker resumes the item.
    if (child.failureReason) return;
    if (event.type === 'error' && event.fatal) {
      // The transport gave up (kicked, reconnects exhausted): a fresh worker logs in again.
      this.#condemn(worker, child, event.message);
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
    // Only a report about the item to resume moves its position: a restarted worker's first report
    // (idle, no item, 0 s) would otherwise make a second crash restart the item from the beginning.
    if (status.queueEntryId !== resumable.play.queueEntryId) return;
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

  async #onFailure(worker: ManagedWorker, reason: string): Promise<void> {
    if (worker.state.kind === 'stopped') return;
    const sessionId = worker.session.sessionId;
    this.#extrapolatePosition(worker);
    await this.#setState(worker, { kind: 'restarting' })?.worker.stop();
    if (worker.state.kind !== 'restarting') return;
    const { attempt, exhausted } = worker.failures.spend(Date.now());
    if (exhausted) {
      workerGiveUps.inc();
      worker.logger.error({ reason, failures: attempt }, 'worker failed too often; giving up');
      await this.#stop(worker);
      this.#emit(sessionId, {
        type: 'worker-failed',
        reason: `${reason} (${attempt} failures within ${Math.round(this.#policy.windowMs / 60_000)} min)`,
      });
      return;
    }
    workerRestarts.inc();
    worker.logger.warn({ reason, attempt }, 'restarting worker');
    this.#emit(sessionId, {
      type: 'worker-restarting',
      attempt,
      reason,
      positionSeconds: worker.resumable?.positionSeconds ?? null,
    });
    const backoff = this.#policy.backoffMs[Math.min(attempt, this.#policy.backoffMs.length) - 1] ?? 1_000;
    await new Promise((resolve) => setTimeout(resolve, backoff));
    if (worker.state.kind !== 'restarting') return;
    try {
      await this.#start(worker, true);
    } catch (error) {
      await this.#onFailure(worker, `restart failed: ${errorMessage(error)}`);
    }
  }
}
