// What one worker process serves: at most one watch party (a worker owns one streaming account), the
// loopback proxy its ffmpeg reads through, and the encoding settings. The contract server calls it.
import type { Logger } from '../logger.ts';
import type { CreateSessionRequest } from '../worker-contract/http.ts';
import type { MediaSink } from './media-sink.ts';
import { PlaybackConflictError, type SessionPlayerDeps, WorkerSession } from './worker-session.ts';

export type SinkFactory = (session: CreateSessionRequest, logger: Logger) => MediaSink | Promise<MediaSink>;

export class WorkerProcessSessions {
  readonly #createSink: SinkFactory;
  readonly #deps: SessionPlayerDeps;
  readonly #logger: Logger;
  readonly #startedAt = performance.now();
  #session: WorkerSession | null = null;
  #opening: string | null = null;

  constructor(createSink: SinkFactory, deps: SessionPlayerDeps, logger: Logger) {
    this.#createSink = createSink;
    this.#deps = deps;
    this.#logger = logger;
  }

  get sessionCount(): number {
    return this.#session ? 1 : 0;
  }

  get uptimeSeconds(): number {
    return (performance.now() - this.#startedAt) / 1000;
  }

  get(sessionId: string): WorkerSession | null {
    return this.#session?.id === sessionId ? this.#session : null;
  }

  /** Creates and opens the session; an existing one with the same id is returned as it is. */
  async open(request: CreateSessionRequest): Promise<{ session: WorkerSession; created: boolean }> {
    if (this.#opening) throw new PlaybackConflictError(`session ${this.#opening} is still being opened`);
    if (this.#session) {
      if (this.#session.id === request.sessionId) return { session: this.#session, created: false };
      throw new PlaybackConflictError(`this worker already streams session ${this.#session.id}`);
    }
    const logger = this.#logger.child({ sessionId: request.sessionId });
    // Claimed before the first await, so a concurrent open for another session gets its 409.
    this.#opening = request.sessionId;
    let session: WorkerSession;
    try {
      session = new WorkerSession(request, await this.#createSink(request, logger), this.#deps, logger);
    } finally {
      this.#opening = null;
    }
    this.#session = session;
    try {
      await session.open();
    } catch (error) {
      if (this.#session === session) this.#session = null;
      await session.close('the stream could not be opened').catch(() => {});
      throw error;
    }
    return { session, created: true };
  }

  async close(reason: string): Promise<void> {
    const session = this.#session;
    this.#session = null;
    await session?.close(reason);
    await this.#deps.proxy.close();
  }
}
