// A user account's main-gateway connection, just enough to stand behind @discordjs/voice: HELLO,
// IDENTIFY with a user token, heartbeats, READY's session id, dispatches out and opcodes in. It speaks
// to the simulated Discord over a real websocket, as the streaming account does in production.
import { WebSocket } from 'ws';

export type DispatchListener = (event: string, data: Record<string, unknown>) => void;

interface GatewayMessage {
  op: number;
  d: unknown;
  s?: number | null;
  t?: string | null;
}

export class UserGateway {
  userId = '';
  sessionId = '';
  readonly #ws: WebSocket;
  readonly #listeners = new Set<DispatchListener>();
  #heartbeat: NodeJS.Timeout | undefined;
  #seq: number | null = null;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
  }

  /** Connects and identifies; resolves at READY. */
  static async connect(url: string, token: string, timeoutMs = 10_000): Promise<UserGateway> {
    const ws = new WebSocket(`${url}/?v=9&encoding=json`);
    const gateway = new UserGateway(ws);
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no READY within ${timeoutMs} ms`)), timeoutMs);
      ws.on('error', reject);
      ws.on('close', (code) => reject(new Error(`main gateway closed with ${code} before READY`)));
      ws.on('message', (raw) => {
        const message = JSON.parse(raw.toString()) as GatewayMessage;
        if (message.op === 10) gateway.#identify(token, message.d as { heartbeat_interval: number });
        if (message.op === 0 && message.t === 'READY') {
          const data = message.d as { session_id: string; user: { id: string } };
          gateway.sessionId = data.session_id;
          gateway.userId = data.user.id;
          clearTimeout(timer);
          resolve();
        }
        gateway.#onMessage(message);
      });
    });
    await ready;
    return gateway;
  }

  send(op: number, d: unknown): void {
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.send(JSON.stringify({ op, d }));
  }

  onDispatch(listener: DispatchListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves with the first dispatch `event` (from now on) whose data satisfies `matches`. */
  next(
    event: string,
    matches: (data: Record<string, unknown>) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`no ${event} on the main gateway within ${timeoutMs} ms`));
      }, timeoutMs);
      const stop = this.onDispatch((name, data) => {
        if (name !== event || !matches(data)) return;
        clearTimeout(timer);
        stop();
        resolve(data);
      });
    });
  }

  close(): void {
    clearInterval(this.#heartbeat);
    this.#listeners.clear();
    this.#ws.close(1000);
  }

  #identify(token: string, hello: { heartbeat_interval: number }): void {
    // No `intents`: that is how a user account identifies (a bot must send them).
    this.send(2, { token, capabilities: 0, properties: { os: 'linux', browser: 'conformance', device: '' } });
    this.#heartbeat = setInterval(() => this.send(1, this.#seq), hello.heartbeat_interval).unref();
  }

  #onMessage(message: GatewayMessage): void {
    if (message.s != null) this.#seq = message.s;
    if (message.op !== 0 || !message.t) return;
    for (const listener of [...this.#listeners]) listener(message.t, message.d as Record<string, unknown>);
  }
}
