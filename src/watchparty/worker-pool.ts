// What the watch-party service needs from stream workers, shaped after the worker contract. The
// supervisor (src/worker-pool/supervisor.ts) implements it with child processes; tests inject their own.
import type {
  ControlRequest,
  CreateSessionRequest,
  PlayRequest,
  SessionStatusResponse,
  WorkerEvent,
} from '../worker-contract/http.ts';

/** What the pool reports back: the worker's own events, plus the pool's view of the process. */
export type WorkerPoolEvent =
  | WorkerEvent
  | { type: 'worker-restarting'; attempt: number; reason: string }
  | { type: 'worker-failed'; reason: string };

export type WorkerEventListener = (sessionId: string, event: WorkerPoolEvent) => void;

/** Raised by open() when every streaming account is busy with another party. */
export class NoStreamerAvailableError extends Error {
  constructor(busy: number) {
    super(
      `All ${busy} streaming account${busy === 1 ? ' is' : 's are'} busy with other watch parties. ` +
        'Stop a party or add a token to STREAMER_TOKENS.',
    );
    this.name = 'NoStreamerAvailableError';
  }
}

/** The worker could not be reached or refused the call; `message` is safe to show to users. */
export class WorkerUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WorkerUnavailableError';
  }
}

export interface WorkerPool {
  /** Leases a streaming account, starts the session's worker and connects it to the voice channel. */
  open(session: CreateSessionRequest): Promise<void>;
  play(sessionId: string, request: PlayRequest): Promise<void>;
  control(sessionId: string, request: ControlRequest): Promise<SessionStatusResponse>;
  /** Stops the worker, leaves voice and releases the streaming account; safe when none is running. */
  close(sessionId: string): Promise<void>;
  subscribe(listener: WorkerEventListener): () => void;
  /** Stops every worker (bot shutdown). */
  shutdown(): Promise<void>;
}
