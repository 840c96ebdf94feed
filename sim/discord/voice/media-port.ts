// The voice server's UDP media port: every datagram is handed to `onDatagram` on this thread with
// the time it arrived. Two kinds, one interface:
// - `loop` reads on this thread's event loop, so a datagram's stamp is when this thread got round
//   to it. Order with the voice gateway's websocket is the order the loop reads them in, which the
//   tests' ordering checks (video before op 12, audio before op 5) rely on.
// - `thread` reads and stamps on a thread of its own (media-port-thread.ts), so the stamps are what
//   a receiver on the network sees, however late this thread runs with the simulators' work: the
//   capacity bench's timing. Datagrams then reach this thread as messages, which can overtake a
//   websocket message sent before them, so the ordering checks may misfire: not for the tests.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { Worker } from 'node:worker_threads';

export interface StampedDatagram {
  data: Uint8Array;
  address: string;
  port: number;
  /** Wall-clock ms (fractional) when the port's thread read it. */
  arrivedAtMs: number;
}

export type PortCommand =
  | { type: 'bind'; port: number }
  | { type: 'send'; data: Buffer; address: string; port: number }
  | { type: 'close' };

export type PortEvent =
  | { type: 'bound'; port: number }
  | { type: 'bound'; port: null; error: string }
  | { type: 'closed' }
  | { type: 'datagrams'; datagrams: StampedDatagram[] }
  | { type: 'error'; message: string };

export type DatagramHandler = (
  datagram: Buffer,
  remote: Pick<RemoteInfo, 'address' | 'port'>,
  arrivedAtMs: number,
) => void;

export type MediaPortKind = 'loop' | 'thread';

export interface MediaPort {
  /** Opens the port on `port` (0: any free one); answers the port number. */
  bind(port: number): Promise<number>;
  send(data: Buffer, port: number, address: string): void;
  /** Closes the socket; the port can be bound again. */
  close(): Promise<void>;
  /** Closes the socket for good. */
  stop(): Promise<void>;
}

export function openMediaPort(
  kind: MediaPortKind,
  onDatagram: DatagramHandler,
  onError: (message: string) => void,
): MediaPort {
  return kind === 'thread'
    ? new ThreadMediaPort(onDatagram, onError)
    : new LoopMediaPort(onDatagram, onError);
}

/** Wall-clock ms to a fraction of a millisecond (Date.now() has whole ones). */
export function preciseNowMs(): number {
  return performance.timeOrigin + performance.now();
}

class LoopMediaPort implements MediaPort {
  readonly #onDatagram: DatagramHandler;
  readonly #onError: (message: string) => void;
  #socket: Socket | null = null;

  constructor(onDatagram: DatagramHandler, onError: (message: string) => void) {
    this.#onDatagram = onDatagram;
    this.#onError = onError;
  }

  bind(port: number): Promise<number> {
    const socket = createSocket('udp4');
    socket.on('message', (datagram, remote) => this.#onDatagram(datagram, remote, preciseNowMs()));
    return new Promise((resolve, reject) => {
      const refused = (error: Error) => {
        socket.close();
        reject(new Error(`media port ${port} did not open: ${error.message}`));
      };
      socket.once('error', refused);
      socket.bind(port, '127.0.0.1', () => {
        socket.off('error', refused).on('error', (error) => this.#onError(error.message));
        this.#socket = socket;
        resolve(socket.address().port);
      });
    });
  }

  send(data: Buffer, port: number, address: string): void {
    this.#socket?.send(data, port, address);
  }

  close(): Promise<void> {
    const socket = this.#socket;
    this.#socket = null;
    return new Promise((resolve) => (socket ? socket.close(() => resolve()) : resolve()));
  }

  stop(): Promise<void> {
    return this.close();
  }
}

class ThreadMediaPort implements MediaPort {
  readonly #thread: Worker;
  readonly #waiting: { type: 'bound' | 'closed'; settle: (event: PortEvent) => void }[] = [];

  constructor(onDatagram: DatagramHandler, onError: (message: string) => void) {
    this.#thread = new Worker(new URL('./media-port-thread.ts', import.meta.url));
    this.#thread.on('message', (event: PortEvent) => {
      if (event.type === 'datagrams') {
        for (const { data, address, port, arrivedAtMs } of event.datagrams) {
          onDatagram(
            Buffer.from(data.buffer, data.byteOffset, data.byteLength),
            { address, port },
            arrivedAtMs,
          );
        }
      } else if (event.type === 'error') onError(event.message);
      else this.#waiting.find((waiter) => waiter.type === event.type)?.settle(event);
    });
  }

  bind(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#await('bound', (event) => {
        if (event.type !== 'bound') return;
        if (event.port === null) reject(new Error(`media port ${port} did not open: ${event.error}`));
        else resolve(event.port);
      });
      this.#command({ type: 'bind', port });
    });
  }

  send(data: Buffer, port: number, address: string): void {
    this.#command({ type: 'send', data, address, port });
  }

  /** The thread stays, so the port can open again. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#await('closed', () => resolve());
      this.#command({ type: 'close' });
    });
  }

  /** Ends the thread too. */
  async stop(): Promise<void> {
    await this.close();
    await this.#thread.terminate();
  }

  #await(type: 'bound' | 'closed', settle: (event: PortEvent) => void): void {
    const waiter = {
      type,
      settle: (event: PortEvent) => {
        this.#waiting.splice(this.#waiting.indexOf(waiter), 1);
        settle(event);
      },
    };
    this.#waiting.push(waiter);
  }

  #command(command: PortCommand): void {
    this.#thread.postMessage(command);
  }
}
