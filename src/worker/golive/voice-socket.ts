// One voice gateway websocket (protocol.md §2.1, §2.4): JSON and binary framing, the last sequence number
// seen for seq_ack, heartbeats with a missed-ack count, and a close that says whether we asked for
// it. It decides nothing: the connection's state machine does.
import { EventEmitter } from 'node:events';
import WebSocket from 'ws';

/** Heartbeats sent without an ack before we call the socket dead (zombie) and resume. */
export const MAX_MISSED_HEARTBEAT_ACKS = 3;

export const VoiceOp = {
  identify: 0,
  selectProtocol: 1,
  ready: 2,
  heartbeat: 3,
  sessionDescription: 4,
  speaking: 5,
  heartbeatAck: 6,
  resume: 7,
  hello: 8,
  resumed: 9,
  clientsConnect: 11,
  video: 12,
  clientDisconnect: 13,
} as const;

export interface VoicePacket {
  op: number;
  d: unknown;
}

interface VoiceSocketEvents {
  open: [];
  packet: [VoicePacket];
  binary: [op: number, payload: Buffer];
  close: [code: number, reason: string, closedByUs: boolean];
}

export class VoiceSocket extends EventEmitter<VoiceSocketEvents> {
  readonly #ws: WebSocket;
  #lastSeq = -1;
  #heartbeat: NodeJS.Timeout | null = null;
  #firstHeartbeat: NodeJS.Timeout | null = null;
  #missedAcks = 0;
  #closedByUs = false;
  #closed = false;

  constructor(url: string) {
    super();
    this.#ws = new WebSocket(url, { handshakeTimeout: 10_000 });
    this.#ws.binaryType = 'nodebuffer';
    this.#ws.on('open', () => this.emit('open'));
    this.#ws.on('message', (data: Buffer, isBinary: boolean) => this.#onMessage(data, isBinary));
    this.#ws.on('error', () => {
      // 'close' follows every error; the close code carries the decision.
    });
    this.#ws.on('close', (code: number, reason: Buffer) => {
      this.#closed = true;
      this.#stopHeartbeat();
      this.emit('close', code, reason.toString('utf8'), this.#closedByUs);
    });
  }

  /** The last sequence number seen on this or a previous socket of the same session. */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  set lastSeq(value: number) {
    this.#lastSeq = value;
  }

  get isOpen(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }

  /** Sends a JSON packet; a socket that is not open drops it (the state machine will resume). */
  send(op: number, d: unknown): boolean {
    return this.#sendText(op, d, () => {});
  }

  /** Sends and resolves once the message has been handed to the network (or could not be). */
  sendFlushed(op: number, d: unknown): Promise<void> {
    return new Promise((resolve) => {
      if (!this.#sendText(op, d, () => resolve())) resolve();
    });
  }

  #sendText(op: number, d: unknown, written: () => void): boolean {
    if (!this.isOpen) return false;
    try {
      this.#ws.send(JSON.stringify({ op, d }), written);
      return true;
    } catch {
      return false;
    }
  }

  sendBinary(op: number, payload: Buffer): boolean {
    if (!this.isOpen) return false;
    try {
      const frame = Buffer.allocUnsafe(1 + payload.length);
      frame[0] = op;
      payload.copy(frame, 1);
      this.#ws.send(frame);
      return true;
    } catch {
      return false;
    }
  }

  /** Starts heartbeating at HELLO's interval; the first beat is jittered, our own choice (protocol.md §2.4). */
  startHeartbeat(intervalMs: number): void {
    this.#stopHeartbeat();
    const interval = Math.max(1_000, intervalMs);
    this.#firstHeartbeat = setTimeout(
      () => {
        this.#beat();
        this.#heartbeat = setInterval(() => this.#beat(), interval);
        this.#heartbeat.unref();
      },
      Math.floor(Math.random() * interval),
    );
    this.#firstHeartbeat.unref();
  }

  /** Closes on purpose: the close event then reports closedByUs, so nobody resumes it. */
  close(code = 1000, reason = 'closing'): void {
    this.#closedByUs = true;
    this.#stopHeartbeat();
    if (this.#closed) return;
    if (this.#ws.readyState === WebSocket.CONNECTING) {
      this.#ws.terminate();
      return;
    }
    this.#ws.close(code, reason);
    // A server that never answers the close frame must not keep the socket (and the process) alive.
    setTimeout(() => this.#ws.terminate(), 2_000).unref();
  }

  #beat(): void {
    try {
      if (this.#missedAcks >= MAX_MISSED_HEARTBEAT_ACKS) {
        this.#stopHeartbeat();
        // Not closedByUs: a zombie socket ends as 1006 and is resumed like a network drop.
        this.#ws.terminate();
        return;
      }
      this.#missedAcks += 1;
      this.send(VoiceOp.heartbeat, { t: Date.now(), seq_ack: this.#lastSeq });
    } catch {
      // A heartbeat must never take the worker down (protocol.md §2.4, Discord-RE c8f8efc).
    }
  }

  #stopHeartbeat(): void {
    if (this.#firstHeartbeat) clearTimeout(this.#firstHeartbeat);
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#firstHeartbeat = null;
    this.#heartbeat = null;
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    if (isBinary) {
      if (data.length < 3) return;
      this.#lastSeq = data.readUInt16BE(0);
      this.emit('binary', data[2] ?? 0, data.subarray(3));
      return;
    }
    let packet: { op?: unknown; d?: unknown; seq?: unknown };
    try {
      packet = JSON.parse(data.toString('utf8')) as typeof packet;
    } catch {
      return;
    }
    if (typeof packet.seq === 'number') this.#lastSeq = packet.seq;
    if (typeof packet.op !== 'number') return;
    if (packet.op === VoiceOp.heartbeatAck) this.#missedAcks = 0;
    this.emit('packet', { op: packet.op, d: packet.d });
  }
}
