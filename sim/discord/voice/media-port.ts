// A UDP media port whose datagrams are read and stamped with their arrival time on a thread of
// its own (media-port-thread.ts), then handed to `onDatagram` on this thread. Frame timings built
// on those stamps are what a receiver on the network sees, whatever else this thread is busy with.
import type { RemoteInfo } from 'node:dgram';
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

export class MediaPort {
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

  /** Opens the port on `port` (0: any free one); answers the port number. */
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

  /** Closes the socket (the thread stays, so the port can open again). */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#await('closed', () => resolve());
      this.#command({ type: 'close' });
    });
  }

  /** Closes the socket and ends the thread. */
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
