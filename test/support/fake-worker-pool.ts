// A WorkerPool without processes: it records every call, keeps a small model of each worker, reports
// back like a worker would (a `state` report once an item plays, `ended` on skip) and lets tests
// inject what real workers do on their own: finishing an item, heartbeats, crashes, a full pool.

import {
  NoStreamerAvailableError,
  type WorkerEventListener,
  type WorkerPool,
  type WorkerPoolEvent,
  WorkerUnavailableError,
} from '../../src/watchparty/worker-pool.ts';
import type { WorkerFailureKind } from '../../src/worker-contract/failure-kinds.ts';
import type {
  ControlRequest,
  CreateSessionRequest,
  EndReason,
  PlayRequest,
  SessionStatusResponse,
} from '../../src/worker-contract/http.ts';

export type WorkerCall =
  | { method: 'open'; sessionId: string; request: CreateSessionRequest }
  | { method: 'play'; sessionId: string; request: PlayRequest }
  | { method: 'control'; sessionId: string; request: ControlRequest }
  | { method: 'close'; sessionId: string };

export interface FakeWorker {
  request: CreateSessionRequest;
  playing: PlayRequest | null;
  playbackState: SessionStatusResponse['playbackState'];
  positionSeconds: number;
}

export class FakeWorkerPool implements WorkerPool {
  readonly calls: WorkerCall[] = [];
  readonly workers = new Map<string, FakeWorker>();
  /** How many workers may run at once (streaming accounts). */
  capacity = Number.POSITIVE_INFINITY;
  /** Report `state: playing` as soon as an item is sent (as a healthy worker does). */
  reportsPlaying = true;
  /** The next call of that method throws this error instead. */
  readonly failNext: Partial<Record<'open' | 'play' | 'control', Error>> = {};
  readonly #listeners = new Set<WorkerEventListener>();

  async open(request: CreateSessionRequest): Promise<void> {
    this.calls.push({ method: 'open', sessionId: request.sessionId, request });
    this.#throwIfFailing('open');
    if (this.workers.has(request.sessionId)) return;
    if (this.workers.size >= this.capacity) throw new NoStreamerAvailableError(this.workers.size);
    this.workers.set(request.sessionId, {
      request,
      playing: null,
      playbackState: 'idle',
      positionSeconds: 0,
    });
  }

  async play(sessionId: string, request: PlayRequest): Promise<void> {
    this.calls.push({ method: 'play', sessionId, request });
    this.#throwIfFailing('play');
    const worker = this.#require(sessionId);
    worker.playing = request;
    worker.positionSeconds = request.startPositionSeconds ?? 0;
    worker.playbackState = 'loading';
    if (this.reportsPlaying) this.reportPlaying(sessionId);
  }

  async control(sessionId: string, request: ControlRequest): Promise<SessionStatusResponse> {
    this.calls.push({ method: 'control', sessionId, request });
    this.#throwIfFailing('control');
    const worker = this.#require(sessionId);
    if (request.action === 'pause') worker.playbackState = 'paused';
    if (request.action === 'resume') worker.playbackState = 'playing';
    if (request.action === 'seek') worker.positionSeconds = request.positionSeconds ?? 0;
    if (request.action === 'skip' || request.action === 'stop') {
      this.#end(sessionId, worker, request.action === 'skip' ? 'skipped' : 'stopped');
    } else {
      this.emit(sessionId, { type: 'state', status: this.#status(worker) });
    }
    return this.#status(worker);
  }

  async close(sessionId: string): Promise<void> {
    this.calls.push({ method: 'close', sessionId });
    this.workers.delete(sessionId);
  }

  subscribe(listener: WorkerEventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async shutdown(): Promise<void> {
    this.workers.clear();
  }

  // ── What workers do on their own ──────────────────────────────────────────────────────────────

  emit(sessionId: string, event: WorkerPoolEvent): void {
    for (const listener of this.#listeners) listener(sessionId, event);
  }

  reportPlaying(sessionId: string): void {
    const worker = this.#require(sessionId);
    worker.playbackState = 'playing';
    this.emit(sessionId, { type: 'state', status: this.#status(worker) });
  }

  /**
   * The current item reaches its end, or its file's end before its stated length (`truncated`), or
   * fails (`error`); the last two with what a worker would say.
   */
  finishItem(
    sessionId: string,
    reason: 'finished' | 'truncated' | 'error' = 'finished',
    failure: { kind: WorkerFailureKind | null; error: string } = {
      kind: 'media_unreadable',
      error: 'ffmpeg could not read the stream',
    },
  ): void {
    this.#end(sessionId, this.#require(sessionId), reason, failure);
  }

  heartbeat(sessionId: string, positionSeconds: number): void {
    const worker = this.#require(sessionId);
    worker.positionSeconds = positionSeconds;
    this.emit(sessionId, { type: 'heartbeat', positionSeconds });
  }

  /** The worker process dies and the pool gives up on it. */
  crash(sessionId: string, reason = 'the worker process exited with code 1'): void {
    this.workers.delete(sessionId);
    this.emit(sessionId, { type: 'worker-failed', reason });
  }

  callsOf<M extends WorkerCall['method']>(
    method: M,
    sessionId?: string,
  ): Extract<WorkerCall, { method: M }>[] {
    return this.calls.filter(
      (call): call is Extract<WorkerCall, { method: M }> =>
        call.method === method && (sessionId === undefined || call.sessionId === sessionId),
    );
  }

  #end(
    sessionId: string,
    worker: FakeWorker,
    reason: EndReason,
    failure: { kind: WorkerFailureKind | null; error: string } | null = null,
  ): void {
    const entry = worker.playing;
    if (!entry) return;
    worker.playing = null;
    worker.playbackState = reason === 'error' ? 'error' : 'ended';
    this.emit(sessionId, {
      type: 'ended',
      queueEntryId: entry.queueEntryId,
      reason,
      positionSeconds: worker.positionSeconds,
      error: reason === 'error' || reason === 'truncated' ? (failure?.error ?? null) : null,
      failure: reason === 'error' || reason === 'truncated' ? (failure?.kind ?? null) : null,
    });
  }

  #status(worker: FakeWorker): SessionStatusResponse {
    return {
      workerStatus: 'ready',
      playbackState: worker.playbackState,
      currentTitle: worker.playing?.title ?? null,
      positionSeconds: worker.positionSeconds,
      durationSeconds: worker.playing?.playback.durationSeconds ?? null,
      lastError: null,
      queueEntryId: worker.playing?.queueEntryId ?? null,
    };
  }

  #require(sessionId: string): FakeWorker {
    const worker = this.workers.get(sessionId);
    if (!worker) throw new WorkerUnavailableError(`No stream worker is running for session ${sessionId}.`);
    return worker;
  }

  #throwIfFailing(method: 'open' | 'play' | 'control'): void {
    const error = this.failNext[method];
    if (!error) return;
    delete this.failNext[method];
    throw error;
  }
}
