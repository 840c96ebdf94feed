// Where a party's stream worker runs: the supervisor asks a WorkerPlacement for a worker and follows
// it the same way wherever it runs. Two placements exist: a child process of the bot
// (local-placement.ts, the default) and a session on a worker host (remote-placement.ts, WORKER_HOSTS).
import type { Logger } from '../logger.ts';
import type { WorkerSettings } from '../worker-contract/environment.ts';
import type { CreateSessionRequest, SessionStatusResponse } from '../worker-contract/http.ts';
import type { WorkerClient } from './client.ts';

/** A worker's settings but what its placement decides: its own token, address and port. */
export type WorkerLaunch = Omit<WorkerSettings, 'workerToken' | 'host' | 'port'>;

/** One worker, placed; `open` starts its session, then `client` speaks the contract with it. */
export interface PlacedWorker {
  readonly client: WorkerClient;
  /** Safe to log: the process id or the worker host's id, never an address. */
  readonly where: Readonly<Record<string, string | number>>;
  /** The local process's id (diagnostics and tests); null on a worker host. */
  readonly pid: number | null;
  /** Resolves once the worker is gone, with how it went ("exited with code 1"). */
  readonly exited: Promise<string>;
  /** `restart`: the party's previous worker failed (a worker host counts it). */
  open(session: CreateSessionRequest, restart: boolean): Promise<SessionStatusResponse>;
  /**
   * Asked when the worker's event stream closed: how the worker went ("lost its worker host"), when
   * the placement can tell at once; null when only `exited` will tell, a moment later.
   */
  whyGone(): Promise<string | null>;
  /** Ends a worker the supervisor gave up on, at once. */
  kill(): void;
  /** Ends the worker cleanly (it leaves voice first); resolves once it is gone. */
  stop(): Promise<void>;
}

export interface WorkerPlacement {
  /** Finds room for one more worker and starts it; throws WorkerUnavailableError when there is none. */
  place(launch: WorkerLaunch, logger: Logger): Promise<PlacedWorker>;
}
