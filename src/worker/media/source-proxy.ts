// A loopback proxy between ffmpeg and Jellyfin. ffmpeg's `-headers` would put the Jellyfin key on
// argv, where `ps` shows it to every user, so ffmpeg reads an unguessable 127.0.0.1 URL instead and
// this proxy rewrites the request head: upstream path, Host, and the Authorization header. Range and
// the rest pass through. The response is relayed as raw bytes after its status line has been read
// (parsing every body chunk cost measurable CPU), and that status, or the network error, is
// remembered so a failure can name its cause.
//
// It is also the worker's only way out to media: it connects to nothing but the configured Jellyfin
// server, for nothing but the routes the worker reads (jellyfin-media-url.ts), and relays no
// redirect, so neither ffmpeg nor the poster fetch can be sent elsewhere. Failures name Jellyfin,
// never an address, and an address that is refused is refused before any connection is tried: no
// answer says whether some other host or port is open.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import type { WorkerFailureKind } from '../../worker-contract/failure-kinds.ts';
import { type JellyfinMediaRoute, jellyfinMediaRoute } from '../../worker-contract/jellyfin-media-url.ts';

export interface SourceProxyOptions {
  /** The Jellyfin server (JELLYFIN_URL) whose media routes may be read; null refuses everything. */
  jellyfinUrl: string | null;
  /** Sent with every request (they all go to that server); null sends none. */
  authorization: string | null;
}

/**
 * ffmpeg/ffprobe input options for a proxied source: its URL is plain HTTP on loopback, so every other
 * protocol (file, ftp, gopher, data, concat, …), including ones a demuxer might open on its own, is
 * refused.
 */
export const PROXIED_SOURCE_INPUT_OPTIONS = ['-protocol_whitelist', 'http,tcp'] as const;

export interface ProxiedSource {
  /** The URL to give ffmpeg/ffprobe. */
  readonly url: string;
  /** Why the last upstream request failed (HTTP status or network error), or null. */
  lastFailure(): string | null;
  /** The same failure as a kind the bot can put in plain words (the worker contract's), or null. */
  lastFailureKind(): WorkerFailureKind | null;
  release(): void;
}

interface Route {
  /** Null when the address is not one the worker may read: every request is refused unsent. */
  upstream: URL | null;
  failure: string | null;
  failureKind: WorkerFailureKind | null;
}

/** Request headers ffmpeg sends that the upstream should see. */
const FORWARDED_REQUEST_HEADERS = new Set(['range', 'if-range', 'user-agent', 'accept', 'icy-metadata']);
const MAX_HEAD_BYTES = 16 * 1024;
const HEAD_END = '\r\n\r\n';

/** How long telling Jellyfin to end a transcode may take before the worker gives up on it. */
const STOP_TRANSCODE_TIMEOUT_MS = 5_000;

const NOT_JELLYFIN_MEDIA = "the address is not one of the worker's Jellyfin media routes (JELLYFIN_URL)";

function describeNetworkError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'Jellyfin refused the connection (is it running?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return "Jellyfin's host name is not known (JELLYFIN_URL)";
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'Jellyfin is unreachable';
    default:
      return `the connection to Jellyfin failed (${error.code ?? 'network error'})`;
  }
}

function describeStatus(code: number, text: string): string | null {
  if (code >= 300 && code < 400)
    return `Jellyfin answered with a redirect (HTTP ${code}), which is not followed`;
  return code >= 400 ? `Jellyfin answered HTTP ${code} ${text}`.trim() : null;
}

/** What an HTTP error from Jellyfin means for the people waiting for the item. */
function failureKindOfStatus(code: number): WorkerFailureKind {
  if (code === 401 || code === 403) return 'media_refused';
  if (code === 404 || code === 410) return 'media_missing';
  return code >= 500 || code < 400 ? 'media_unreachable' : 'media_unreadable';
}

function reject(client: net.Socket, status: string): void {
  client.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
}

/** Reads bytes until `terminator`; hands over the text before it and any bytes after it. */
function readUntil(
  socket: net.Socket,
  terminator: string,
  limit: number,
): Promise<{ head: string; rest: Buffer }> {
  return new Promise((resolve, rejectRead) => {
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf(terminator);
      if (end !== -1) {
        // Paused, so no later chunk is emitted to nobody before the caller pipes the socket on.
        socket.pause();
        cleanup();
        resolve({
          head: received.subarray(0, end).toString('latin1'),
          rest: received.subarray(end + terminator.length),
        });
      } else if (received.length > limit) {
        cleanup();
        rejectRead(new Error('head too large'));
      }
    };
    const onEnd = () => {
      cleanup();
      rejectRead(new Error('connection closed before the head ended'));
    };
    const cleanup = () => {
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onEnd);
    };
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', onEnd);
  });
}

export class SourceProxy {
  readonly #server: net.Server;
  readonly #options: SourceProxyOptions;
  readonly #routes = new Map<string, Route>();
  readonly #sockets = new Set<net.Socket>();

  private constructor(options: SourceProxyOptions) {
    this.#options = options;
    this.#server = net.createServer((client) => {
      this.#track(client);
      client.on('error', () => client.destroy());
      void this.#relay(client);
    });
  }

  static async start(options: SourceProxyOptions): Promise<SourceProxy> {
    const proxy = new SourceProxy(options);
    await new Promise<void>((resolve, rejectListen) => {
      proxy.#server.once('error', rejectListen);
      proxy.#server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  /** A loopback URL for `upstreamUrl`, which is read only if it is a Jellyfin `route` of this server. */
  register(upstreamUrl: string, route: JellyfinMediaRoute = 'media'): ProxiedSource {
    const id = randomBytes(18).toString('base64url');
    const allowed = jellyfinMediaRoute(this.#options.jellyfinUrl, upstreamUrl) === route;
    const entry: Route = allowed
      ? { upstream: new URL(upstreamUrl), failure: null, failureKind: null }
      : { upstream: null, failure: NOT_JELLYFIN_MEDIA, failureKind: 'media_unreachable' };
    this.#routes.set(id, entry);
    const { port } = this.#server.address() as net.AddressInfo;
    return {
      url: `http://127.0.0.1:${port}/${id}`,
      lastFailure: () => entry.failure,
      lastFailureKind: () => entry.failureKind,
      release: () => this.#routes.delete(id),
    };
  }

  /**
   * Tells Jellyfin to end the transcodes of `transcodeUrl`'s play session (DELETE
   * /Videos/ActiveEncodings). A progressive transcode also ends with its connection; this frees the
   * server at once. Best effort: false when Jellyfin could not be told.
   */
  async stopTranscode(transcodeUrl: string): Promise<boolean> {
    const base = this.#options.jellyfinUrl;
    if (base === null || jellyfinMediaRoute(base, transcodeUrl) !== 'transcode') return false;
    const job = new URLSearchParams();
    for (const [name, value] of new URL(transcodeUrl).searchParams) {
      const known = ['DeviceId', 'PlaySessionId'].find((key) => key.toLowerCase() === name.toLowerCase());
      if (known) job.set(known, value);
    }
    try {
      const response = await fetch(`${base.replace(/\/+$/, '')}/Videos/ActiveEncodings?${job}`, {
        method: 'DELETE',
        headers: this.#options.authorization ? { Authorization: this.#options.authorization } : {},
        redirect: 'manual',
        signal: AbortSignal.timeout(STOP_TRANSCODE_TIMEOUT_MS),
      });
      await response.body?.cancel();
      return response.ok;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.#routes.clear();
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #track(socket: net.Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
  }

  async #relay(client: net.Socket): Promise<void> {
    let request: { head: string };
    try {
      request = await readUntil(client, HEAD_END, MAX_HEAD_BYTES);
    } catch {
      client.destroy();
      return;
    }
    const [requestLine = '', ...headerLines] = request.head.split('\r\n');
    const [method, path] = requestLine.split(' ');
    const route = this.#routes.get((path ?? '').slice(1));
    if (!route || (method !== 'GET' && method !== 'HEAD')) {
      reject(client, '404 Not Found');
      return;
    }
    const { upstream } = route;
    if (!upstream) {
      reject(client, '403 Forbidden');
      return;
    }
    const head = [`${method} ${upstream.pathname}${upstream.search} HTTP/1.1`, `Host: ${upstream.host}`];
    for (const line of headerLines) {
      const name = line.slice(0, line.indexOf(':')).trim().toLowerCase();
      if (FORWARDED_REQUEST_HEADERS.has(name)) head.push(line);
    }
    if (this.#options.authorization) {
      head.push(`Authorization: ${this.#options.authorization}`);
    }
    head.push('Connection: close');

    const secure = upstream.protocol === 'https:';
    const host = upstream.hostname.replace(/^\[|\]$/g, '');
    const port = Number(upstream.port) || (secure ? 443 : 80);
    const server = secure ? tls.connect({ host, port, servername: host }) : net.connect({ host, port });
    this.#track(server);
    let relaying = false;
    server.on('error', (error: NodeJS.ErrnoException) => {
      route.failure = describeNetworkError(error);
      route.failureKind = 'media_unreachable';
      if (relaying) client.destroy();
      else reject(client, '502 Bad Gateway');
    });
    // ffmpeg closed its end (seek, stop, a reconnect): drop the upstream too.
    client.once('close', () => server.destroy());
    server.write(`${head.join('\r\n')}${HEAD_END}`);
    let statusLine: { head: string; rest: Buffer };
    try {
      statusLine = await readUntil(server, '\r\n', MAX_HEAD_BYTES);
    } catch {
      if (!client.destroyed && !route.failure) reject(client, '502 Bad Gateway');
      return;
    }
    const status = /^HTTP\/\d(?:\.\d)? (\d{3}) ?(.*)$/.exec(statusLine.head);
    const code = Number(status?.[1] ?? 502);
    route.failure = describeStatus(code, status?.[2] ?? '');
    route.failureKind = route.failure === null ? null : failureKindOfStatus(code);
    if (code >= 300 && code < 400) {
      server.destroy();
      reject(client, '502 Bad Gateway');
      return;
    }
    relaying = true;
    client.write(`${statusLine.head}\r\n`);
    client.write(statusLine.rest);
    server.pipe(client);
  }
}
