// The UDP side of one voice connection (protocol.md §3): IP discovery, the 5 s keepalive, and a paced
// send queue so a 200-packet keyframe does not hit the socket (and the SFU) in one burst.
import { createSocket, type Socket } from 'node:dgram';
import { constants } from 'node:os';
import { type NativeMediaSend, nativeMediaSend } from './native-media-send.ts';

const DISCOVERY_BYTES = 74;
const DISCOVERY_RETRY_MS = 1_000;
const DISCOVERY_TIMEOUT_MS = 5_000;
const KEEPALIVE_INTERVAL_MS = 5_000;
/**
 * Pacing (protocol.md §4.5 item 6): a token bucket at 25 Mbit/s, several times a Go Live bitrate, so a
 * keyframe leaves over a few milliseconds instead of as one burst that overflows receive buffers.
 * The bucket holds a typical 1080p delta frame (30–60 KB at 8 Mbit/s), so only keyframes and other
 * outsized frames need the pacer to wake again: on the VMs we measured, every wake-up costs about
 * 0.1 ms of CPU, as much as sealing and sending 30 packets.
 */
const PACING_BYTES_PER_MS = 3_125;
const PACING_BUCKET_BYTES = 64 * 1024;
/**
 * A drain that has to wait sleeps until this much more than the next datagram can go: a couple of
 * dozen packets per wake-up instead of one, still well inside the bucket's burst.
 */
const PACING_WAKE_BATCH_BYTES = 24 * 1024;
/** A send the kernel could not take for want of socket buffer is tried again this soon. */
const SOCKET_FULL_RETRY_MS = 1;
/**
 * Sends refused this recently (ICMP unreachable, reported as socket errors on a connected socket)
 * mean datagrams are not getting through. Only some refusals surface (one pending error per socket,
 * and the next send may consume it silently), so a refusal counts for a while, not for one drain.
 */
const REFUSAL_MEMORY_MS = 1_000;
/**
 * A queue this big (several seconds of a Go Live stream) means the socket cannot keep up; older
 * media is worthless by then, so the oldest goes. The native sealer's arena is sized from it.
 */
export const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

/**
 * One datagram as the parts it is sent from, in order; the kernel gathers them into one packet
 * (sendmsg), so a sealed packet is never copied into a joined buffer.
 */
export type Datagram = readonly Buffer[];

function datagramBytes(datagram: Datagram): number {
  let bytes = 0;
  for (const part of datagram) bytes += part.length;
  return bytes;
}

export interface DiscoveredAddress {
  address: string;
  port: number;
}

export function ipDiscoveryRequest(ssrc: number): Buffer {
  const packet = Buffer.alloc(DISCOVERY_BYTES);
  packet.writeUInt16BE(1, 0);
  packet.writeUInt16BE(70, 2);
  packet.writeUInt32BE(ssrc, 4);
  return packet;
}

export function parseIpDiscoveryResponse(packet: Buffer): DiscoveredAddress | null {
  if (packet.length !== DISCOVERY_BYTES || packet.readUInt16BE(0) !== 2) return null;
  const field = packet.subarray(8, 72);
  const nul = field.indexOf(0);
  const address = field.subarray(0, nul < 0 ? field.length : nul).toString('ascii');
  return { address, port: packet.readUInt16BE(72) };
}

export interface UdpCounters {
  packetsSent: number;
  bytesSent: number;
  packetsDropped: number;
  sendErrors: number;
  /**
   * performance.now() of the last drain that handed media datagrams to the kernel while the far
   * end was not refusing them (no ICMP unreachable reported within the last second).
   */
  lastSendAt: number;
}

export class MediaUdp {
  readonly #socket: Socket;
  /** With the native module: the socket's descriptor, for batched sends (sendmmsg). */
  readonly #native: { module: NativeMediaSend; fd: number } | null;
  #queue: Datagram[] = [];
  /** Each queued datagram's size, by the same index: measured once, when it is queued. */
  #sizes: number[] = [];
  #head = 0;
  #queuedBytes = 0;
  #draining = false;
  #tokens = PACING_BUCKET_BYTES;
  #refilledAt = performance.now();
  #keepalive: NodeJS.Timeout | null = null;
  #keepaliveCounter = 0;
  #closed = false;
  /** When a send was last refused (the socket is connected, so ICMP unreachable comes back). */
  #refusedAt = Number.NEGATIVE_INFINITY;
  readonly #connected: Promise<void>;
  readonly counters: UdpCounters = {
    packetsSent: 0,
    bytesSent: 0,
    packetsDropped: 0,
    sendErrors: 0,
    lastSendAt: 0,
  };

  /** `native` is the native send module, or null for dgram's sends (the default is whichever loaded). */
  constructor(ip: string, port: number, native: NativeMediaSend | null = nativeMediaSend) {
    this.#socket = createSocket('udp4');
    this.#socket.on('error', () => this.#refused());
    // Connected: sends skip the per-datagram address handling, and only the server can answer.
    const connect = (resolve: () => void): void => this.#socket.connect(port, ip, resolve);
    if (native) {
      // The native module opens the descriptor and dgram adopts it: dgram receives (IP discovery)
      // and owns its lifetime; media goes out through sendmmsg on the same socket.
      const fd = native.openUdp4();
      this.#native = { module: native, fd };
      this.#connected = new Promise((resolve) => this.#socket.bind({ fd }, () => connect(resolve)));
    } else {
      this.#native = null;
      this.#connected = new Promise(connect);
    }
  }

  /** Asks the voice server which address and port it sees us on (§3.1). */
  async discover(ssrc: number, signal: AbortSignal): Promise<DiscoveredAddress> {
    await this.#connected;
    return new Promise((resolve, reject) => {
      const request = ipDiscoveryRequest(ssrc);
      const send = (): void => void this.#write([request]);
      const retry = setInterval(send, DISCOVERY_RETRY_MS);
      const timeout = setTimeout(
        () => finish(new Error('UDP IP discovery got no answer within 5 s')),
        DISCOVERY_TIMEOUT_MS,
      );
      const onMessage = (message: Buffer): void => {
        const found = parseIpDiscoveryResponse(message);
        if (found) finish(null, found);
      };
      const onAbort = (): void => finish(new Error('IP discovery aborted'));
      const finish = (error: Error | null, found?: DiscoveredAddress): void => {
        clearInterval(retry);
        clearTimeout(timeout);
        this.#socket.off('message', onMessage);
        signal.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(found!);
      };
      this.#socket.on('message', onMessage);
      signal.addEventListener('abort', onAbort, { once: true });
      send();
    });
  }

  /** Everything the server sends us (RTCP feedback above all); IP discovery has its own listener. */
  onDatagram(listener: (datagram: Buffer) => void): void {
    this.#socket.on('message', listener);
  }

  /** 8 bytes every 5 s keep the NAT binding open on a connection that sends nothing else (§3.2). */
  startKeepalive(): void {
    if (this.#keepalive) return;
    this.#keepalive = setInterval(() => {
      const packet = Buffer.alloc(8);
      packet.writeUInt32LE(this.#keepaliveCounter, 0);
      this.#keepaliveCounter = (this.#keepaliveCounter + 1) >>> 0;
      this.#write([packet]);
    }, KEEPALIVE_INTERVAL_MS);
    this.#keepalive.unref();
  }

  /**
   * Queues already-encrypted datagrams; they leave in order, a burst per event-loop turn: the drain
   * runs once the caller's turn is done, so a video frame and the audio riding along with it go in
   * one batch (one sendmmsg).
   */
  enqueue(datagrams: readonly Datagram[]): void {
    if (this.#closed) return;
    for (const datagram of datagrams) {
      const bytes = datagramBytes(datagram);
      this.#queue.push(datagram);
      this.#sizes.push(bytes);
      this.#queuedBytes += bytes;
    }
    while (this.#queuedBytes > MAX_QUEUED_BYTES) {
      this.#queuedBytes -= this.#sizes[this.#head]!;
      this.#head += 1;
      this.counters.packetsDropped += 1;
    }
    if (!this.#draining) {
      this.#draining = true;
      queueMicrotask(() => this.#drain());
    }
  }

  get queued(): number {
    return this.#queue.length - this.#head;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#keepalive) clearInterval(this.#keepalive);
    this.#queue = [];
    this.#sizes = [];
    this.#head = 0;
    this.#queuedBytes = 0;
    try {
      // Closes the descriptor too: nothing may send on it after this (#closed guards every send).
      this.#socket.close();
    } catch {
      // Already closed.
    }
  }

  #refused(): void {
    this.counters.sendErrors += 1;
    this.#refusedAt = performance.now();
  }

  #drain(): void {
    if (this.#closed) return;
    const now = performance.now();
    this.#tokens = Math.min(
      PACING_BUCKET_BYTES,
      this.#tokens + (now - this.#refilledAt) * PACING_BYTES_PER_MS,
    );
    this.#refilledAt = now;
    const sentBefore = this.counters.packetsSent;
    // What the bucket allows now: [head, end).
    let end = this.#head;
    let allowed = this.#tokens;
    while (end < this.#queue.length) {
      const bytes = this.#sizes[end]!;
      if (bytes > allowed) break;
      allowed -= bytes;
      end += 1;
    }
    const socketFull = this.#native ? this.#sendBatched(end) : this.#sendEach(end);
    // Datagrams the far end keeps refusing are not leaving: the watchdog's stall clock must run.
    if (this.counters.packetsSent !== sentBefore && now - this.#refusedAt > REFUSAL_MEMORY_MS)
      this.counters.lastSendAt = now;
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#sizes = this.#sizes.slice(this.#head);
      this.#head = 0;
    }
    const next = this.#sizes[this.#head];
    if (next !== undefined && !this.#closed) {
      // Sleep until the bucket holds the next few datagrams, not a fixed tick: fewer wake-ups.
      const wanted = Math.min(PACING_BUCKET_BYTES, next + PACING_WAKE_BATCH_BYTES);
      const waitMs = socketFull ? SOCKET_FULL_RETRY_MS : (wanted - this.#tokens) / PACING_BYTES_PER_MS;
      setTimeout(() => this.#drain(), Math.max(1, waitMs));
    } else this.#draining = false;
  }

  /** Takes the head datagram off the queue, charging it to the bucket; returns its size. */
  #shift(): number {
    const bytes = this.#sizes[this.#head]!;
    this.#head += 1;
    this.#queuedBytes -= bytes;
    this.#tokens -= bytes;
    return bytes;
  }

  #countSent(bytes: number): void {
    this.counters.packetsSent += 1;
    this.counters.bytesSent += bytes;
  }

  /** dgram: one send per datagram (the kernel gathers its parts). Never reports a full socket: libuv queues. */
  #sendEach(end: number): boolean {
    while (this.#head < end && !this.#closed) {
      const datagram = this.#queue[this.#head]!;
      const bytes = this.#shift();
      if (this.#write(datagram)) this.#countSent(bytes);
    }
    return false;
  }

  /** sendmmsg through the native module; true when the socket buffer was full (the rest waits). */
  #sendBatched(end: number): boolean {
    const { module, fd } = this.#native!;
    while (this.#head < end && !this.#closed) {
      const result = module.sendBatch(fd, this.#queue, this.#head, end);
      if (result === -constants.errno.EAGAIN || result === 0) return true;
      if (result < 0) {
        // Refused (ICMP unreachable) or otherwise failed: the head datagram is lost, as with dgram.
        this.#shift();
        this.#refused();
        continue;
      }
      for (let sent = 0; sent < result; sent += 1) this.#countSent(this.#shift());
    }
    return false;
  }

  /** True when the kernel took it. */
  #write(datagram: Datagram): boolean {
    if (this.#closed) return false;
    try {
      this.#socket.send(datagram);
      return true;
    } catch {
      // Not sent: counting it would hide a dead socket from the watchdog's frames-stall check.
      this.counters.sendErrors += 1;
      return false;
    }
  }
}
