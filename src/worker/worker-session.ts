// One watch party inside a worker: its sink (the Go Live stream), the item playing, and the playback
// state machine the contract exposes. Verbs the current state forbids raise PlaybackConflictError
// (409); every change is reported to event subscribers (the SSE stream). Outages are states too:
// `buffering` while the source leaves viewers waiting, `reconnecting` while the sink has lost them;
// the film is held through a reconnect, so viewers resume where the picture stopped.
import { errorMessage } from '../error-message.ts';
import type { Logger } from '../logger.ts';
import type { WorkerFailureKind } from '../worker-contract/failure-kinds.ts';
import type {
  ControlRequest,
  CreateSessionRequest,
  EndReason,
  PlayRequest,
  SessionStats,
  SessionStatusResponse,
  WorkerEvent,
} from '../worker-contract/http.ts';
import type { SinkTimeline } from './media/frame-pacer.ts';
import { ItemPlayer, type ItemPlayerDeps } from './media/item-player.ts';
import type { MediaSink } from './media-sink.ts';

type WorkerStatus = SessionStatusResponse['workerStatus'];
type PlaybackState = SessionStatusResponse['playbackState'];

/** The action is valid but the playback state forbids it now (→ 409). */
export class PlaybackConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlaybackConflictError';
  }
}

/** A request field is out of range for what is playing (→ 400 naming the field). */
export class PlaybackFieldError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field} ${message}`);
    this.name = 'PlaybackFieldError';
    this.field = field;
  }
}

export type SessionPlayerDeps = Omit<ItemPlayerDeps, 'sink' | 'timeline' | 'logger'>;

interface CurrentItem {
  request: PlayRequest;
  player: ItemPlayer;
  /** A frame has gone out (loading is over). */
  started: boolean;
  /** Its source has left viewers waiting for longer than a blip. */
  buffering: boolean;
  /** The player is paused: by the user, or while the stream reconnects. */
  held: boolean;
}

/** Playback states in which an item is loaded and controllable. */
const activeStates: ReadonlySet<PlaybackState> = new Set([
  'loading',
  'playing',
  'buffering',
  'reconnecting',
  'paused',
]);

export class WorkerSession {
  readonly id: string;
  readonly request: CreateSessionRequest;
  readonly #sink: MediaSink;
  readonly #deps: SessionPlayerDeps;
  readonly #logger: Logger;
  readonly #timeline: SinkTimeline = { lastOutputMs: null };
  readonly #listeners = new Set<(event: WorkerEvent) => void>();
  #workerStatus: WorkerStatus = 'starting';
  #playback: PlaybackState = 'idle';
  #item: CurrentItem | null = null;
  /** Paused by the user, also while loading (a restarted worker restores a paused party that way). */
  #userPaused = false;
  /** The sink is reconnecting: frames would reach nobody. */
  #reconnecting = false;
  #lastError: string | null = null;
  #lastPositionSeconds = 0;

  constructor(request: CreateSessionRequest, sink: MediaSink, deps: SessionPlayerDeps, logger: Logger) {
    this.id = request.sessionId;
    this.request = request;
    this.#sink = sink;
    this.#deps = deps;
    this.#logger = logger;
    sink.onFatal((error) => this.#onSinkFatal(error));
    sink.onInterruption((interrupted) => this.#onSinkInterruption(interrupted));
  }

  /** Joins voice and opens the stream; the session is `ready` once frames can flow. */
  async open(): Promise<void> {
    const { width, height, fps, bitrateKbps } = this.#deps.encoding;
    try {
      await this.#sink.open({ width, height, fps, maxBitrateKbps: bitrateKbps });
    } catch (error) {
      this.#lastError = `could not open the stream: ${errorMessage(error)}`;
      this.#setWorkerStatus('failed');
      throw new Error(this.#lastError, { cause: error });
    }
    this.#setWorkerStatus('ready');
  }

  status(): SessionStatusResponse {
    return {
      workerStatus: this.#workerStatus,
      playbackState: this.#playback,
      currentTitle: this.#item?.request.title ?? null,
      positionSeconds: this.#positionSeconds(),
      durationSeconds: this.#item ? this.#item.player.durationSeconds : null,
      lastError: this.#lastError,
      queueEntryId: this.#item?.request.queueEntryId ?? null,
    };
  }

  stats(): SessionStats {
    return { encoder: this.#item?.player.encoder ?? null, stream: this.#sink.figures() };
  }

  subscribe(listener: (event: WorkerEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts an item, replacing whatever plays (the bot decided; no `ended` for the replaced one). */
  play(request: PlayRequest): void {
    if (this.#workerStatus !== 'ready') {
      throw new PlaybackConflictError(`the stream is ${this.#workerStatus}, not ready to play`);
    }
    const replaced = this.#item;
    this.#item = null;
    replaced?.player.end('stopped');
    this.#userPaused = false;
    this.#lastError = null;
    const player = new ItemPlayer(
      {
        ...this.#deps,
        sink: this.#sink,
        timeline: this.#timeline,
        logger: this.#logger.child({ queueEntryId: request.queueEntryId }),
      },
      request,
      {
        playing: () => {
          if (this.#item?.player !== player) return;
          this.#item.started = true;
          this.#showPlayback(this.#item);
        },
        buffering: (buffering) => {
          if (this.#item?.player !== player) return;
          this.#item.buffering = buffering;
          this.#showPlayback(this.#item);
        },
        ended: (reason, error, failure) => this.#onItemEnded(player, { reason, error, failure }),
      },
    );
    const item: CurrentItem = { request, player, started: false, buffering: false, held: false };
    this.#item = item;
    this.#holdWhileNeeded(item);
    this.#showPlayback(item);
    void player.start();
  }

  control(request: ControlRequest): SessionStatusResponse {
    const item = this.#item;
    if (!item || !activeStates.has(this.#playback)) {
      throw new PlaybackConflictError(`cannot ${request.action}: nothing is playing`);
    }
    switch (request.action) {
      case 'pause':
        if (this.#userPaused) throw new PlaybackConflictError('cannot pause: already paused');
        this.#userPaused = true;
        this.#holdWhileNeeded(item);
        this.#showPlayback(item);
        break;
      case 'resume':
        if (!this.#userPaused) throw new PlaybackConflictError('cannot resume: already playing');
        this.#userPaused = false;
        this.#holdWhileNeeded(item);
        this.#showPlayback(item);
        break;
      case 'seek': {
        const target = request.positionSeconds!;
        const duration = item.player.durationSeconds;
        if (duration !== null && target >= duration) {
          throw new PlaybackFieldError(
            'positionSeconds',
            `must be less than the duration (${Math.floor(duration)} s)`,
          );
        }
        item.player.seek(target);
        this.#emitState();
        break;
      }
      case 'skip':
      case 'stop':
        item.player.end(request.action === 'skip' ? 'skipped' : 'stopped');
        break;
    }
    return this.status();
  }

  /** Ends the item and leaves voice; safe to call twice. */
  async close(reason: string): Promise<void> {
    if (this.#workerStatus === 'stopped') return;
    const player = this.#item?.player;
    player?.end('stopped');
    this.#setWorkerStatus('stopped');
    await Promise.all([player?.settled(), this.#sink.close(reason)]);
  }

  #positionSeconds(): number {
    return this.#item ? this.#item.player.positionSeconds : this.#lastPositionSeconds;
  }

  #onItemEnded(
    player: ItemPlayer,
    {
      reason,
      error,
      failure,
    }: { reason: EndReason; error: string | null; failure: WorkerFailureKind | null },
  ): void {
    if (this.#item?.player !== player) return;
    const { request } = this.#item;
    this.#lastPositionSeconds = player.positionSeconds;
    this.#item = null;
    this.#userPaused = false;
    if (error) {
      this.#lastError = error;
      this.#logger.warn(
        { queueEntryId: request.queueEntryId, err: error },
        reason === 'truncated' ? 'item ended early' : 'item failed',
      );
      this.#emit({ type: 'error', message: error, fatal: false });
    }
    this.#logger.info({ queueEntryId: request.queueEntryId, reason }, 'item ended');
    this.#emit({
      type: 'ended',
      queueEntryId: request.queueEntryId,
      reason,
      positionSeconds: this.#lastPositionSeconds,
      error,
      failure,
    });
    this.#setPlayback(reason === 'error' ? 'error' : 'ended');
  }

  #onSinkInterruption(interrupted: boolean): void {
    if (this.#reconnecting === interrupted) return;
    this.#reconnecting = interrupted;
    const item = this.#item;
    this.#logger.warn(
      { queueEntryId: item?.request.queueEntryId ?? null, positionSeconds: this.#positionSeconds() },
      interrupted ? 'stream interrupted; holding playback while it reconnects' : 'stream reconnected',
    );
    if (!item) return;
    this.#holdWhileNeeded(item);
    this.#showPlayback(item);
  }

  /** Pauses the player while the user or a reconnect wants it still, and resumes it after both. */
  #holdWhileNeeded(item: CurrentItem): void {
    const hold = this.#userPaused || this.#reconnecting;
    if (hold === item.held) return;
    item.held = hold;
    if (hold) item.player.pause();
    else item.player.resume();
  }

  /** The state of the current item as viewers experience it; a user's pause outranks an outage. */
  #showPlayback(item: CurrentItem): void {
    if (this.#userPaused) this.#setPlayback('paused');
    else if (this.#reconnecting) this.#setPlayback('reconnecting');
    else if (!item.started) this.#setPlayback('loading');
    else this.#setPlayback(item.buffering ? 'buffering' : 'playing');
  }

  #onSinkFatal(error: Error): void {
    this.#lastError = `the stream failed: ${error.message}`;
    this.#logger.error({ err: error }, 'sink failed');
    this.#emit({ type: 'error', message: this.#lastError, fatal: true });
    this.#setWorkerStatus('failed');
    this.#item?.player.end('error');
  }

  #setWorkerStatus(status: WorkerStatus): void {
    if (this.#workerStatus === status) return;
    this.#workerStatus = status;
    this.#emitState();
  }

  #setPlayback(state: PlaybackState): void {
    if (this.#playback === state) return;
    this.#playback = state;
    this.#emitState();
  }

  #emitState(): void {
    this.#emit({ type: 'state', status: this.status() });
  }

  #emit(event: WorkerEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#logger.error({ err: error }, 'event listener failed');
      }
    }
  }
}
