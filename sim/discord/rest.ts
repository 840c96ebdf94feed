// The simulator's REST side: a method + `:param` pattern router, request decoding (JSON or multipart
// with `payload_json`), and a recorder every call goes through so tests can wait on what the bot
// did, and fail on what it should not have done (a 404 means the bot called a route Discord does
// not have, or one the simulator does not know yet).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';

export type AuthKind = 'bot' | 'user' | 'none';

export interface RestRequest {
  readonly method: string;
  /** Decoded path after `/api/vN` (`%40original` arrives encoded: pitfall 4). */
  readonly path: string;
  readonly apiVersion: number | null;
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  /** Who sent it: the Authorization header checked against the known tokens. */
  readonly auth: AuthKind;
  readonly authUserId: string | null;
  readonly body: unknown;
  readonly files: readonly { field: string; name: string; size: number }[];
}

export interface RestResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Sent as is instead of a JSON body (the OAuth2 pages a browser shows). */
  raw?: string;
}

export interface RestCall extends RestRequest {
  readonly seq: number;
  /** The matched pattern, e.g. `POST /interactions/:id/:token/callback`; null when nothing matched. */
  readonly route: string | null;
  readonly status: number;
  readonly response: unknown;
  /** performance.now() when the request had been read. */
  readonly at: number;
}

export type RestHandler = (request: RestRequest) => RestResponse | Promise<RestResponse>;

interface Route {
  readonly method: string;
  readonly pattern: string;
  readonly regex: RegExp;
  readonly names: readonly string[];
  readonly handler: RestHandler;
}

/** Who the Authorization header stands for on this call (`GET /users/@me`): an OAuth2 token opens only what its scopes allow. */
export type Authenticate = (
  header: string | undefined,
  call: string,
) => { auth: AuthKind; userId: string | null };

export function discordError(status: number, code: number, message: string, errors?: unknown): RestResponse {
  return { status, body: { message, code, ...(errors === undefined ? {} : { errors }) } };
}

export class RestRouter {
  readonly calls: RestCall[] = [];
  readonly #routes: Route[] = [];
  readonly #waiters = new Set<(call: RestCall) => void>();
  readonly #authenticate: Authenticate;
  #seq = 0;

  constructor(authenticate: Authenticate) {
    this.#authenticate = authenticate;
  }

  /**
   * Adds a route. Routes added later win over earlier ones, so the voice side (or a test) can
   * override a default, e.g. to inject a 500.
   */
  route(method: string, pattern: string, handler: RestHandler): void {
    const names: string[] = [];
    const source = pattern
      .split('/')
      .map((segment) => {
        if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(segment.slice(1));
        return '([^/]+)';
      })
      .join('/');
    this.#routes.unshift({ method, pattern, regex: new RegExp(`^${source}$`), names, handler });
  }

  /** The sequence number of the last call so far: pass it as `after` to wait only for newer calls. */
  mark(): number {
    return this.#seq;
  }

  /** Resolves with the first call (after `after`) matching the predicate. */
  waitFor(predicate: (call: RestCall) => boolean, timeoutMs = 5_000, after = 0): Promise<RestCall> {
    const existing = this.calls.find((call) => call.seq > after && predicate(call));
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const onCall = (call: RestCall) => {
        if (call.seq <= after || !predicate(call)) return;
        clearTimeout(timer);
        this.#waiters.delete(onCall);
        resolve(call);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(onCall);
        reject(new Error(`no REST call matched within ${timeoutMs} ms; last calls: ${this.#describeTail()}`));
      }, timeoutMs);
      this.#waiters.add(onCall);
    });
  }

  /** Calls no route matched: the bot asked for something Discord (or the simulator) lacks. */
  unmatched(): RestCall[] {
    return this.calls.filter((call) => call.route === null);
  }

  /** Calls Discord refused (4xx/5xx), e.g. a payload over Discord's limits. */
  failed(): RestCall[] {
    return this.calls.filter((call) => call.status >= 400);
  }

  async handle(req: IncomingMessage, res: ServerResponse, base: string): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    // Absolute-form in proxy mode (the selfbot's ProxyAgent, pitfall 3), origin-form otherwise.
    const url = new URL(req.url ?? '/', base);
    const versioned = /^\/api\/v(\d+)(\/.*)$/.exec(url.pathname);
    const apiVersion = versioned ? Number(versioned[1]) : null;
    const path = safeDecode(versioned ? (versioned[2] ?? '/') : url.pathname);
    const method = req.method ?? 'GET';
    const { auth, userId } = this.#authenticate(req.headers.authorization, `${method} ${path}`);
    let decoded: { body: unknown; files: RestRequest['files'] };
    try {
      decoded = await decodeBody(raw, req.headers['content-type'] ?? '');
    } catch {
      decoded = { body: undefined, files: [] };
      this.#finish(
        res,
        { method, path, apiVersion, params: {}, query: {}, auth, authUserId: userId, ...decoded },
        null,
        discordError(400, 50109, 'The request body contains invalid JSON.'),
      );
      return;
    }
    const query = Object.fromEntries(url.searchParams);
    for (const route of this.#routes) {
      if (route.method !== method) continue;
      const match = route.regex.exec(path);
      if (!match) continue;
      const params = Object.fromEntries(route.names.map((name, index) => [name, match[index + 1] ?? '']));
      const request: RestRequest = {
        method,
        path,
        apiVersion,
        params,
        query,
        auth,
        authUserId: userId,
        ...decoded,
      };
      let response: RestResponse;
      try {
        response = await route.handler(request);
      } catch (error) {
        response = discordError(500, 0, `simulator route failed: ${(error as Error).message}`);
      }
      this.#finish(res, request, `${method} ${route.pattern}`, response);
      return;
    }
    const request: RestRequest = {
      method,
      path,
      apiVersion,
      params: {},
      query,
      auth,
      authUserId: userId,
      ...decoded,
    };
    this.#finish(res, request, null, discordError(404, 0, '404: Not Found'));
  }

  #finish(res: ServerResponse, request: RestRequest, route: string | null, response: RestResponse): void {
    const call: RestCall = {
      ...request,
      seq: ++this.#seq,
      route,
      status: response.status,
      response: response.body,
      at: performance.now(),
    };
    this.calls.push(call);
    for (const waiter of [...this.#waiters]) waiter(call);
    if (response.raw !== undefined) {
      res.writeHead(response.status, response.headers ?? {}).end(response.raw);
      return;
    }
    if (response.body === undefined) {
      res.writeHead(response.status, response.headers ?? {}).end();
      return;
    }
    res
      .writeHead(response.status, { 'content-type': 'application/json', ...response.headers })
      .end(JSON.stringify(response.body));
  }

  #describeTail(): string {
    return (
      this.calls
        .slice(-5)
        .map((call) => `${call.method} ${call.path} → ${call.status}`)
        .join('; ') || 'none'
    );
  }
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

async function decodeBody(
  raw: Buffer,
  contentType: string,
): Promise<{ body: unknown; files: RestRequest['files'] }> {
  if (raw.length === 0) return { body: undefined, files: [] };
  if (contentType.startsWith('multipart/form-data')) {
    const form = await new Response(new Uint8Array(raw), {
      headers: { 'content-type': contentType },
    }).formData();
    let body: unknown;
    const files: { field: string; name: string; size: number }[] = [];
    for (const [field, value] of form) {
      if (field === 'payload_json' && typeof value === 'string') body = JSON.parse(value);
      else if (typeof value !== 'string') files.push({ field, name: value.name, size: value.size });
    }
    return { body, files };
  }
  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    return { body: Object.fromEntries(new URLSearchParams(raw.toString('utf8'))), files: [] };
  }
  return { body: JSON.parse(raw.toString('utf8')), files: [] };
}
