// The voice server's UDP media port, run on a thread of its own (media-port.ts): it stamps each
// datagram with its arrival time the moment it is read and hands it on, so that what the simulator
// does with it afterwards (transport decryption, DAVE/MLS in JavaScript, the viewer's checks, the
// other simulators sharing that thread) can be late without moving the time a frame arrived.
import { createSocket, type Socket } from 'node:dgram';
import { parentPort } from 'node:worker_threads';
import { type PortCommand, type PortEvent, preciseNowMs, type StampedDatagram } from './media-port.ts';

const port = parentPort;
if (!port) throw new Error('media-port-thread.ts runs as a worker thread of media-port.ts');

let socket: Socket | null = null;
let batch: StampedDatagram[] = [];

function post(event: PortEvent): void {
  port!.postMessage(event);
}

/** One message per turn of this thread's loop, however many datagrams it read in that turn. */
function flush(): void {
  const datagrams = batch;
  batch = [];
  post({ type: 'datagrams', datagrams });
}

function bind(requested: number): void {
  const opened = createSocket('udp4');
  opened.on('message', (data, remote) => {
    if (batch.length === 0) setImmediate(flush);
    batch.push({
      data,
      address: remote.address,
      port: remote.port,
      arrivedAtMs: preciseNowMs(),
    });
  });
  let bound = false;
  opened.on('error', (error) => {
    if (bound) return post({ type: 'error', message: error.message });
    opened.close();
    post({ type: 'bound', port: null, error: error.message });
  });
  opened.bind(requested, '127.0.0.1', () => {
    bound = true;
    socket = opened;
    post({ type: 'bound', port: opened.address().port });
  });
}

port.on('message', (command: PortCommand) => {
  switch (command.type) {
    case 'bind':
      bind(command.port);
      return;
    case 'send':
      socket?.send(command.data, command.port, command.address);
      return;
    case 'close': {
      const closing = socket;
      socket = null;
      if (closing) closing.close(() => post({ type: 'closed' }));
      else post({ type: 'closed' });
      return;
    }
  }
});
