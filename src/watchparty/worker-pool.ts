// What the watch-party service needs from stream workers, shaped after the worker contract. The
// supervisor (src/worker-pool/supervisor.ts) implements it with child processes; tests inject their own.
import type { WorkerFailureKind } from '../worker-contract/failure-kinds.ts';
import type {
  ControlRequest,
  CreateSessionRequest,
  PlayRequest,
  SessionStatusResponse,
  WorkerEvent,
} from '../worker-contract/http.ts';
import { failureKindOfWorker, PartyFailure } from './failures.ts';

/** What the pool reports back: the worker's own events, plus the pool's view of the process. */
export type WorkerPoolEvent =
  | WorkerEvent
  | {
      type: 'worker-restarting';
      attempt: number;
      reason: string;
      /** Where the restarted worker resumes the item (null: nothing to resume). */
      positionSeconds: number | null;
    }
  | { type: 'worker-failed'; reason: string };

export type WorkerEventListener = (sessionId: string, event: WorkerPoolEvent) => void;

/** Raised by open() when every streaming account is busy with another party. */
export class NoStreamerAvailableError extends PartyFailure {
  constructor(busy: number) {
    super(
      'streamers_busy',
      `all ${busy} streaming account${busy === 1 ? ' is' : 's are'} leased; add a token to STREAMER_TOKENS for more parties at once`,
    );
    this.name = 'NoStreamerAvailableError';
  }
}

/**
 * The worker could not be started, reached, or refused the call; `detail` says how, for operators,
 * and `failure`, when the worker named one, what members read (a streaming account that cannot log in).
 */
export class WorkerUnavailableError extends PartyFailure {
  constructor(detail: string, options?: ErrorOptions & { failure?: WorkerFailureKind | undefined }) {
    super(options?.failure ? failureKindOfWorker(options.failure) : 'worker_unavailable', detail, options);
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
