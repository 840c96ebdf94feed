// The UDP side of a voice connection: IP discovery, and the paced send queue that spreads a
// keyframe over a few milliseconds, keeps order, and drops the oldest media when it cannot keep up.
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { ipDiscoveryAnswer } from '../../../sim/discord/voice/voice-server.ts';
import { waitFor } from '../../../sim/wait-for.ts';
import {
  type Datagram,
  ipDiscoveryRequest,
  MAX_QUEUED_BYTES,
  MediaUdp,
  parseIpDiscoveryResponse,
} from '../../../src/worker/golive/media-udp.ts';
import { sendPaths } from './send-paths.ts';

/** A UDP server that answers IP discovery the way the voice server does and records the rest. */
let server: Socket;
let port: number;
const received: Buffer[] = [];

before(async () => {
  server = createSocket('udp4');
  server.on('message', (message, remote) => {
    if (message.length === 74 && message.readUInt16BE(0) === 1) {
      const answer = ipDiscoveryAnswer(message.readUInt32BE(4), remote.address, remote.port);
      server.send(answer, remote.port, remote.address);
      return;
    }
    received.push(message);
  });
  server.bind(0, '127.0.0.1');
  await once(server, 'listening');
  port = server.address().port;
});

after(() => server.close());

/** Sent in two parts, as sealed packets are: the receiver must see them joined, in order. */
function datagram(index: number, size = 1200): Datagram {
  const bytes = Buffer.alloc(size);
  bytes.writeUInt32BE(index, 0);
  return [bytes.subarray(0, 2), bytes.subarray(2)];
}

for (const path of sendPaths) {
  describe(`MediaUdp, ${path.name}`, { skip: path.skip }, () => {
    test('IP discovery reports the address and port the server saw', async () => {
      const udp = new MediaUdp('127.0.0.1', port, path.native);
      try {
        const found = await udp.discover(0x1234, new AbortController().signal);
        assert.equal(found.address, '127.0.0.1');
        assert.ok(found.port > 0);
      } finally {
        udp.close();
      }
    });

    test('a discovery answer of the wrong size or type is not taken for one', () => {
      assert.equal(parseIpDiscoveryResponse(Buffer.alloc(73)), null);
      assert.equal(parseIpDiscoveryResponse(ipDiscoveryRequest(1)), null, 'a request is not an answer');
    });

    test('a keyframe-sized burst leaves paced, complete and in order, and is counted', async () => {
      received.length = 0;
      const udp = new MediaUdp('127.0.0.1', port, path.native);
      try {
        await udp.discover(1, new AbortController().signal);
        const burst = Array.from({ length: 200 }, (_, index) => datagram(index));
        udp.enqueue(burst);
        assert.ok(udp.queued > 0, 'more than the bucket holds waits for the pacer');
        await waitFor('every datagram to arrive', () => received.length === 200);
        assert.deepEqual(
          received.map((message) => message.readUInt32BE(0)),
          burst.map((_, index) => index),
        );
        assert.equal(udp.counters.packetsSent, 200);
        assert.equal(udp.counters.bytesSent, 200 * 1200);
        assert.equal(udp.counters.packetsDropped, 0);
        assert.ok(udp.counters.lastSendAt > 0);
      } finally {
        udp.close();
      }
    });

    test('when the queue cannot keep up, the oldest media is dropped and counted, the newest still goes', async () => {
      received.length = 0;
      const udp = new MediaUdp('127.0.0.1', port, path.native);
      try {
        await udp.discover(2, new AbortController().signal);
        // 4.8 MB at once: more than MAX_QUEUED_BYTES (4 MiB) may wait.
        const count = 4_000;
        udp.enqueue(Array.from({ length: count }, (_, index) => datagram(index)));
        assert.ok(udp.queued * 1200 <= MAX_QUEUED_BYTES, 'the queue holds at most its byte bound');
        await waitFor('the queue to drain', () => udp.queued === 0, 15_000);
        assert.equal(udp.counters.packetsDropped + udp.counters.packetsSent, count);
        assert.ok(udp.counters.packetsDropped >= count - MAX_QUEUED_BYTES / 1200, 'the excess was dropped');
        await waitFor('the last datagram to arrive', () => received.at(-1)?.readUInt32BE(0) === count - 1);
      } finally {
        udp.close();
      }
    });

    test('datagrams the far end refuses (port unreachable) are counted as errors, not as leaving', async () => {
      const far = createSocket('udp4');
      far.bind(0, '127.0.0.1');
      await once(far, 'listening');
      const udp = new MediaUdp('127.0.0.1', far.address().port, path.native);
      const sending = setInterval(() => udp.enqueue([datagram(0)]), 20);
      try {
        await waitFor('a first datagram to leave', () => udp.counters.lastSendAt > 0);
        far.close();
        await waitFor('a refusal to be reported', () => udp.counters.sendErrors > 0);
        const lastLeft = udp.counters.lastSendAt;
        const sent = udp.counters.packetsSent;
        await waitFor(
          'more refusals',
          () => udp.counters.sendErrors >= 5 && udp.counters.packetsSent > sent + 5,
        );
        assert.equal(udp.counters.lastSendAt, lastLeft, 'refused datagrams do not count as leaving');
      } finally {
        clearInterval(sending);
        udp.close();
      }
    });

    test('nothing leaves after close', async () => {
      received.length = 0;
      const udp = new MediaUdp('127.0.0.1', port, path.native);
      await udp.discover(3, new AbortController().signal);
      udp.close();
      udp.enqueue([datagram(1)]);
      assert.equal(udp.counters.packetsSent, 0);
      assert.equal(udp.queued, 0);
    });
  });
}
