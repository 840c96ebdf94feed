// The bot's side of the worker contract: typed calls with timeouts, every response validated with the
// same schemas the worker enforces, and the Server-Sent Events stream parsed into WorkerEvents.
import type { z } from 'zod';
import { WorkerUnavailableError } from '../watchparty/worker-pool.ts';
import type { WorkerFailureKind } from '../worker-contract/failure-kinds.ts';
import { type HostCreateSessionRequest, type HostStatus, hostStatusSchema } from '../worker-contract/host.ts';
import {
  type ControlRequest,
  type CreateSessionRequest,
  errorResponseSchema,
  type HealthResponse,
  healthResponseSchema,
  type PlayRequest,
  type SessionStats,
  type SessionStatusResponse,
  sessionStatsSchema,
  sessionStatusSchema,
  type WorkerEvent,
  workerEventSchema,
} from '../worker-contract/http.ts';

/** The worker answered, but refused the call (4xx/5xx); `status` and `code` say how. */
export class WorkerRefusedError extends WorkerUnavailableError {
  readonly status: number;
  readonly code: string;
  /** What the worker named as the cause, as it sent it (a worker host relays it). */
  readonly failure: WorkerFailureKind | undefined;
  constructor(status: number, code: string, message: string, failure?: WorkerFailureKind) {
    super(message, { failure });
    this.name = 'WorkerRefusedError';
    this.status = status;
    this.code = code;
    this.failure = failure;
  }
}

export interface WorkerClientOptions {
  baseUrl: string;
  token: string;
  /** Per call; opening a session (joining voice) gets `openTimeoutMs`. */
  timeoutMs?: number;
  openTimeoutMs?: number;
}

export class WorkerClient {
  readonly #baseUrl: string;
  readonly #token: string;
  readonly #timeoutMs: number;
  readonly #openTimeoutMs: number;

  constructor(options: WorkerClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#openTimeoutMs = options.openTimeoutMs ?? 45_000;
  }

  health(): Promise<HealthResponse> {
    return this.#call('GET', '/health', undefined, healthResponseSchema);
  }

  /** A worker host takes the worker's environment with the request (src/worker-contract/host.ts). */
  createSession(request: CreateSessionRequest | HostCreateSessionRequest): Promise<SessionStatusResponse> {
    return this.#call('POST', '/sessions', request, sessionStatusSchema, this.#openTimeoutMs);
  }

  /** A worker host's room (GET /host). */
  hostStatus(timeoutMs: number): Promise<HostStatus> {
    return this.#call('GET', '/host', undefined, hostStatusSchema, timeoutMs);
  }

  /** Stops the session's worker on a worker host (DELETE); an unknown session is already gone. */
  async closeSession(sessionId: string, timeoutMs: number): Promise<void> {
    const response = await this.#fetch(
      'DELETE',
      this.#sessionPath(sessionId),
      undefined,
      AbortSignal.timeout(timeoutMs),
    );
    if (!response.ok && response.status !== 404) await this.#refusal(response);
    await response.body?.cancel();
  }

  play(sessionId: string, request: PlayRequest): Promise<SessionStatusResponse> {
    return this.#call('POST', `${this.#sessionPath(sessionId)}/play`, request, sessionStatusSchema);
  }

  control(sessionId: string, request: ControlRequest): Promise<SessionStatusResponse> {
    return this.#call('POST', `${this.#sessionPath(sessionId)}/control`, request, sessionStatusSchema);
  }

  async status(sessionId: string, timeoutMs = this.#timeoutMs): Promise<SessionStatusResponse | null> {
    try {
      return await this.#call('GET', this.#sessionPath(sessionId), undefined, sessionStatusSchema, timeoutMs);
    } catch (error) {
      if (error instanceof WorkerRefusedError && error.status === 404) return null;
      throw error;
    }
  }

  /** What the session's stream has done; a short deadline, since a scrape waits for it. */
  stats(sessionId: string, timeoutMs: number): Promise<SessionStats> {
    return this.#call(
      'GET',
      `${this.#sessionPath(sessionId)}/stats`,
      undefined,
      sessionStatsSchema,
      timeoutMs,
    );
  }

  /**
   * Reads the session's event stream until it ends or `signal` aborts, calling `onEvent` for each
   * event. Resolves when the stream closes; rejects when it cannot be opened.
   */
  async events(sessionId: string, onEvent: (event: WorkerEvent) => void, signal: AbortSignal): Promise<void> {
    const response = await this.#fetch('GET', `${this.#sessionPath(sessionId)}/events`, undefined, signal);
    if (!response.ok || !response.body) await this.#refusal(response);
    const decoder = new TextDecoder();
    let pending = '';
    try {
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        pending += decoder.decode(chunk, { stream: true });
        let boundary = pending.indexOf('\n\n');
        while (boundary !== -1) {
          const block = pending.slice(0, boundary);
          pending = pending.slice(boundary + 2);
          const data = block
            .split('\n')
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).trimStart())
            .join('\n');
          if (data) {
            const parsed = workerEventSchema.safeParse(JSON.parse(data));
            if (parsed.success) onEvent(parsed.data);
          }
          boundary = pending.indexOf('\n\n');
        }
      }
    } catch (error) {
      if (!signal.aborted)
        throw new WorkerUnavailableError('the worker event stream broke', { cause: error });
    }
  }

  #sessionPath(sessionId: string): string {
    return `/sessions/${encodeURIComponent(sessionId)}`;
  }

  async #fetch(method: string, path: string, body: unknown, signal: AbortSignal): Promise<Response> {
    try {
      return await fetch(`${this.#baseUrl}${path}`, {
        method,
        signal,
        headers: {
          authorization: `Bearer ${this.#token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      throw new WorkerUnavailableError(
        timedOut
          ? `the stream worker did not answer ${method} ${path} in time`
          : 'the stream worker is not reachable',
        { cause: error },
      );
    }
  }

  async #refusal(response: Response): Promise<never> {
    const parsed = errorResponseSchema.safeParse(await response.json().catch(() => null));
    const message = parsed.success
      ? parsed.data.error.message
      : `the stream worker answered HTTP ${response.status}`;
    throw new WorkerRefusedError(
      response.status,
      parsed.success ? parsed.data.error.code : 'internal',
      message,
      parsed.success ? parsed.data.error.failure : undefined,
    );
  }

  async #call<S extends z.ZodType>(
    method: string,
    path: string,
    body: unknown,
    schema: S,
    timeoutMs = this.#timeoutMs,
  ): Promise<z.output<S>> {
    const response = await this.#fetch(method, path, body, AbortSignal.timeout(timeoutMs));
    if (!response.ok) await this.#refusal(response);
    const parsed = schema.safeParse(await response.json().catch(() => null));
    if (!parsed.success)
      throw new WorkerUnavailableError(`the stream worker sent an invalid answer to ${method} ${path}`);
    return parsed.data;
  }
}
