// The native send path (native/media-send.c) against the Node crypto and dgram path it replaces:
// the same bytes on the wire, an arena that never overwrites a datagram that may still be queued,
// batched sends, and the switch that turns it off.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { constants } from 'node:os';
import { describe, test } from 'node:test';
import { MAX_QUEUED_BYTES } from '../../../src/worker/golive/media-udp.ts';
import {
  describeMediaSendPath,
  mediaSendPath,
  nativeMediaSend,
} from '../../../src/worker/golive/native-media-send.ts';
import {
  H264Packetizer,
  OpusPacketizer,
  type RtpPacket,
  senderReport,
} from '../../../src/worker/golive/rtp.ts';
import { TransportCipher } from '../../../src/worker/golive/transport-crypto.ts';
import { MEDIA_SEND_ENV } from '../../../src/worker-contract/environment.ts';

const key = Buffer.alloc(32, 0x5a);

/** A connection's worth of packets: video frames, Opus packets and sender reports, interleaved. */
function packets(count: number): RtpPacket[] {
  const video = new H264Packetizer(11);
  const audio = new OpusPacketizer(12);
  const out: RtpPacket[] = [];
  for (let frame = 0; out.length < count; frame += 1) {
    const slice = Buffer.alloc(5000, frame & 0xff);
    slice.writeUInt32BE(0x00000001, 0);
    slice[4] = 0x41;
    video.packetize(slice, frame * 33, (packet) => out.push({ ...packet, body: Buffer.from(packet.body) }));
    out.push(audio.packetize(Buffer.alloc(120, frame & 0x7f), frame * 20));
    if (frame % 30 === 0)
      out.push(senderReport(11, 1_700_000_000_000 + frame, frame * 3000, frame, frame * 4));
  }
  return out.slice(0, count);
}

describe('native send path', { skip: nativeMediaSend ? false : describeMediaSendPath() }, () => {
  test('seals every packet to the same bytes as Node crypto does', () => {
    const native = new TransportCipher(key, nativeMediaSend);
    const node = new TransportCipher(key, null);
    for (const packet of packets(400)) {
      assert.deepEqual(Buffer.concat(native.seal(packet)), Buffer.concat(node.seal(packet)));
    }
  });

  test('a datagram within the send queue’s byte bound is never overwritten by later ones', () => {
    const all = packets(6_000); // about 6 MB sealed: the arena wraps around
    const native = new TransportCipher(key, nativeMediaSend);
    const node = new TransportCipher(key, null);
    const sealed = all.map((packet) => native.seal(packet));
    const expected = all.map((packet) => Buffer.concat(node.seal(packet)));
    // Walk back from the newest while the datagrams still fit the queue's bound: all must be intact.
    let bytes = 0;
    let index = sealed.length - 1;
    for (; index >= 0; index -= 1) {
      bytes += expected[index]!.length;
      if (bytes > MAX_QUEUED_BYTES) break;
      assert.deepEqual(Buffer.concat(sealed[index]!), expected[index], `datagram ${index}`);
    }
    assert.ok(index > 0, 'the test sealed more than the bound');
    assert.notDeepEqual(
      Buffer.concat(sealed[0]!),
      expected[0],
      'the arena wrapped, so the check above meant something',
    );
  });

  test('sendBatch gathers each datagram’s parts, sends at most 64 per call (runs of equal sizes segmented by the kernel), and reports a refusal', async () => {
    const receiver = createSocket('udp4');
    receiver.bind(0, '127.0.0.1');
    await once(receiver, 'listening');
    const received: Buffer[] = [];
    receiver.on('message', (message) => received.push(message));
    const sender = createSocket('udp4');
    const fd = nativeMediaSend!.openUdp4();
    // dgram adopts the descriptor and reports 'listening' at once, so the callback form.
    await new Promise<void>((resolve) => sender.bind({ fd }, resolve));
    sender.connect(receiver.address().port, '127.0.0.1');
    await once(sender, 'connect');
    try {
      // The shapes a video frame makes: runs of equal FU-A fragments, each closed by a shorter one,
      // a bigger datagram after a run, single small ones (audio, sender reports), and a run longer
      // than one call takes.
      const sizes = [
        ...Array<number>(40).fill(1_200),
        700,
        ...Array<number>(5).fill(1_100),
        1_300,
        60,
        60,
        28,
        ...Array<number>(70).fill(1_000),
        999,
      ];
      const datagrams = sizes.map((size, index) => [
        Buffer.from([index & 0xff]),
        Buffer.alloc(size - 1, index),
      ]);
      let sent = 0;
      while (sent < datagrams.length) {
        const took = nativeMediaSend!.sendBatch(fd, datagrams, sent, datagrams.length);
        assert.ok(took > 0 && took <= 64, `sendBatch took ${took}`);
        sent += took;
        // One call at a time, so the burst stays within the receiver's default socket buffer.
        while (received.length < sent) await once(receiver, 'message');
      }
      assert.deepEqual(
        received.map((message) => message.toString('hex')),
        datagrams.map((parts) => Buffer.concat(parts).toString('hex')),
        'every datagram arrives whole, alone and in order',
      );
      receiver.close();
      // The closed port answers with ICMP unreachable. Whichever looks first takes the pending
      // error: the next sendBatch (as -ECONNREFUSED) or dgram's receive side (an 'error' event).
      const refusals: string[] = [];
      sender.on('error', (error: NodeJS.ErrnoException) => refusals.push(String(error.code)));
      for (let attempt = 0; attempt < 50 && refusals.length === 0; attempt += 1) {
        const result = nativeMediaSend!.sendBatch(fd, datagrams, 0, 1);
        if (result < 0)
          refusals.push(result === -constants.errno.ECONNREFUSED ? 'ECONNREFUSED' : `errno ${-result}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.equal(refusals[0], 'ECONNREFUSED');
    } finally {
      sender.close();
    }
  });
});

test(`${MEDIA_SEND_ENV}=js turns the native path off`, () => {
  const described = execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      "const m = await import('./src/worker/golive/native-media-send.ts'); console.log(m.describeMediaSendPath())",
    ],
    { env: { ...process.env, [MEDIA_SEND_ENV]: 'js' }, encoding: 'utf8' },
  );
  assert.equal(described.trim(), `Node crypto and dgram: ${MEDIA_SEND_ENV}=js`);
});

test('the native send path is built where it is required (ORB_REQUIRE_NATIVE=1, as CI sets)', {
  skip: process.env.ORB_REQUIRE_NATIVE === '1' ? false : 'ORB_REQUIRE_NATIVE is not 1',
}, () => {
  assert.equal(mediaSendPath.kind, 'native', describeMediaSendPath());
});
