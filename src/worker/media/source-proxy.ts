// A loopback proxy between ffmpeg and Jellyfin. ffmpeg's `-headers` would put the Jellyfin key on
// argv, where `ps` shows it to every user, so ffmpeg reads an unguessable 127.0.0.1 URL instead and
// this proxy rewrites the request head: upstream path, Host, and the Authorization header (only for
// the configured Jellyfin origin). Range and the rest pass through. The response is relayed as raw
// bytes after its status line has been read (parsing every body chunk cost measurable CPU), and
// that status, or the network error, is remembered so a failure can name its cause.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';

export interface SourceProxyOptions {
  /** Requests to this origin get `authorization`; any other origin gets no credentials. */
  jellyfinOrigin: string | null;
  authorization: string | null;
}

export interface ProxiedSource {
  /** The URL to give ffmpeg/ffprobe. */
  readonly url: string;
  /** Why the last upstream request failed (HTTP status or network error), or null. */
  lastFailure(): string | null;
  release(): void;
}

interface Route {
  upstream: URL;
  failure: string | null;
}

/** Request headers ffmpeg sends that the upstream should see. */
const FORWARDED_REQUEST_HEADERS = new Set(['range', 'if-range', 'user-agent', 'accept', 'icy-metadata']);
const MAX_HEAD_BYTES = 16 * 1024;
const HEAD_END = '\r\n\r\n';

function describeNetworkError(upstream: URL, error: NodeJS.ErrnoException): string {
  const where = upstream.host;
  switch (error.code) {
    case 'ECONNREFUSED':
      return `${where} refused the connection (is the media server running?)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${where} is not a known host name`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${where} is unreachable`;
    default:
      return `${where} failed: ${error.code ?? error.message}`;
  }
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

  register(upstreamUrl: string): ProxiedSource {
    const id = randomBytes(18).toString('base64url');
    const route: Route = { upstream: new URL(upstreamUrl), failure: null };
    this.#routes.set(id, route);
    const { port } = this.#server.address() as net.AddressInfo;
    return {
      url: `http://127.0.0.1:${port}/${id}`,
      lastFailure: () => route.failure,
      release: () => this.#routes.delete(id),
    };
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
    const head = [`${method} ${upstream.pathname}${upstream.search} HTTP/1.1`, `Host: ${upstream.host}`];
    for (const line of headerLines) {
      const name = line.slice(0, line.indexOf(':')).trim().toLowerCase();
      if (FORWARDED_REQUEST_HEADERS.has(name)) head.push(line);
    }
    if (this.#options.authorization && upstream.origin === this.#options.jellyfinOrigin) {
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
      route.failure = describeNetworkError(upstream, error);
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
    route.failure = code >= 400 ? `${upstream.host} answered HTTP ${code} ${status?.[2] ?? ''}`.trim() : null;
    relaying = true;
    client.write(`${statusLine.head}\r\n`);
    client.write(statusLine.rest);
    server.pipe(client);
  }
}
