import assert from 'node:assert/strict';
import { createDecipheriv } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  openRtp,
  orbTransportExtensionProblem,
  playoutDelayMs,
} from '../../../sim/discord/voice/rtp-packet.ts';
import type { Datagram } from '../../../src/worker/golive/media-udp.ts';
import {
  H264Packetizer,
  MAX_PAYLOAD_BYTES,
  OpusPacketizer,
  PayloadType,
  type RtpPacket,
  rtpTimestamp,
  senderReport,
} from '../../../src/worker/golive/rtp.ts';
import {
  NONCE_SUFFIX_BYTES,
  TAG_BYTES,
  TransportCipher,
} from '../../../src/worker/golive/transport-crypto.ts';
import { joinAnnexB, NalType, nalType } from '../../../src/worker/media/h264-nal.ts';
import { sendPaths } from './send-paths.ts';

function nal(type: number, length: number, fill = 0x11): Buffer {
  const out = Buffer.alloc(length, fill);
  out[0] = 0x60 | type;
  return out;
}

/** Every packet of a frame, each body copied out before the packetizer reuses its buffer. */
function packetsOf(packetizer: H264Packetizer, accessUnit: Buffer, ptsMs: number): RtpPacket[] {
  const packets: RtpPacket[] = [];
  packetizer.packetize(accessUnit, ptsMs, (packet) =>
    packets.push({ ...packet, body: Buffer.from(packet.body) }),
  );
  return packets;
}

/** A receiver's reassembly (RFC 6184): payloads back into NAL units. */
function depacketize(payloads: readonly Buffer[]): Buffer[] {
  const nals: Buffer[] = [];
  let fragments: Buffer[] = [];
  for (const payload of payloads) {
    const type = payload[0]! & 0x1f;
    if (type === NalType.stapA) {
      for (let offset = 1; offset < payload.length; ) {
        const size = payload.readUInt16BE(offset);
        nals.push(payload.subarray(offset + 2, offset + 2 + size));
        offset += 2 + size;
      }
    } else if (type === NalType.fuA) {
      const header = payload[1]!;
      if (header & 0x80) fragments = [Buffer.from([(payload[0]! & 0xe0) | (header & 0x1f)])];
      fragments.push(payload.subarray(2));
      if (header & 0x40) nals.push(Buffer.concat(fragments));
    } else nals.push(payload);
  }
  return nals;
}

/** The rtpsize receive rule: header = 12 + 4·CC (+4 with X); the rest is ciphertext, tag, nonce. */
function open(key: Buffer, parts: Datagram): { header: Buffer; plaintext: Buffer; nonce: number } {
  const datagram = Buffer.concat(parts);
  const cc = datagram[0]! & 0x0f;
  const headerBytes = 12 + 4 * cc + (datagram[0]! & 0x10 ? 4 : 0);
  const nonceAt = datagram.length - NONCE_SUFFIX_BYTES;
  const nonce = Buffer.alloc(12);
  datagram.copy(nonce, 0, nonceAt);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(datagram.subarray(0, headerBytes));
  decipher.setAuthTag(datagram.subarray(nonceAt - TAG_BYTES, nonceAt));
  const plaintext = Buffer.concat([
    decipher.update(datagram.subarray(headerBytes, nonceAt - TAG_BYTES)),
    decipher.final(),
  ]);
  return { header: datagram.subarray(0, headerBytes), plaintext, nonce: datagram.readUInt32BE(nonceAt) };
}

describe('H264Packetizer', () => {
  test('a keyframe becomes STAP-A + FU-A packets that reassemble to the same NAL units', () => {
    const nals = [
      nal(NalType.sps, 20),
      nal(NalType.pps, 6),
      nal(NalType.sei, 40),
      nal(NalType.idr, 5000, 0x22),
    ];
    const packets = packetsOf(new H264Packetizer(0x1234), joinAnnexB(nals), 40);
    const payloads = packets.map((p) => p.body.subarray(4));
    assert.equal(payloads[0]![0]! & 0x1f, NalType.stapA, 'small NALs share one STAP-A packet');
    assert.ok(payloads.slice(1).every((p) => (p[0]! & 0x1f) === NalType.fuA));
    assert.ok(payloads.every((p) => p.length <= MAX_PAYLOAD_BYTES + 2));
    assert.deepEqual(depacketize(payloads), nals);
  });

  test('marker only on the last packet, one timestamp per frame, consecutive sequence numbers', () => {
    const packetizer = new H264Packetizer(7);
    const packets = packetsOf(packetizer, joinAnnexB([nal(NalType.idr, 3000)]), 1000);
    assert.deepEqual(
      packets.map((p) => p.header[1]! >> 7),
      [0, 0, 1],
    );
    const timestamps = new Set(packets.map((p) => p.header.readUInt32BE(4)));
    assert.deepEqual([...timestamps], [rtpTimestamp(packetizer.timestampBase, 1000, 90_000)]);
    const sequences = packets.map((p) => p.header.readUInt16BE(2));
    for (let i = 1; i < sequences.length; i += 1)
      assert.equal(sequences[i], (sequences[i - 1]! + 1) & 0xffff);
    for (const packet of packets) {
      assert.equal(packet.header[0], 0x90, 'V=2 with the extension bit');
      assert.equal(packet.header[1]! & 0x7f, PayloadType.h264);
      assert.equal(packet.header.readUInt32BE(8), 7);
      assert.equal(packet.header.subarray(12).toString('hex'), 'bede0001');
      assert.equal(packet.body.subarray(0, 4).toString('hex'), '5200000a', 'playout-delay 0-100 ms, id 5');
    }
  });

  test('a NAL just over the limit is still two fragments; fragments are even and never both start and end', () => {
    for (const length of [MAX_PAYLOAD_BYTES + 1, MAX_PAYLOAD_BYTES + 2, 2 * MAX_PAYLOAD_BYTES + 1, 5000]) {
      const big = nal(NalType.idr, length, 0x5a);
      const packets = packetsOf(new H264Packetizer(4), joinAnnexB([big]), 0);
      const payloads = packets.map((p) => p.body.subarray(4));
      const fuHeaders = payloads.map((p) => p[1]!);
      assert.ok(payloads.length >= 2, `${length} bytes: ${payloads.length} fragment(s)`);
      assert.ok(
        fuHeaders.every((h) => (h & 0xc0) !== 0xc0),
        `${length} bytes: no fragment has both S and E`,
      );
      assert.deepEqual(
        fuHeaders.map((h) => h & 0xc0),
        fuHeaders.map((_, i) => (i === 0 ? 0x80 : i === fuHeaders.length - 1 ? 0x40 : 0)),
      );
      assert.deepEqual(
        packets.map((p) => p.marker),
        packets.map((_, i) => i === packets.length - 1),
      );
      const sizes = payloads.map((p) => p.length);
      assert.ok(Math.max(...sizes) <= MAX_PAYLOAD_BYTES + 2 && Math.max(...sizes) - Math.min(...sizes) <= 1);
      assert.deepEqual(depacketize(payloads), [big]);
    }
  });

  test('a single small NAL goes out as it is', () => {
    const slice = nal(1, 300);
    const [packet] = packetsOf(new H264Packetizer(1), joinAnnexB([slice]), 0);
    assert.deepEqual(packet!.body.subarray(4), slice);
  });

  test('timestamps follow the presentation time at 90 kHz and 48 kHz and wrap modulo 2^32', () => {
    assert.equal(rtpTimestamp(0, 1000, 90_000), 90_000);
    assert.equal(rtpTimestamp(0, 20, 48_000), 960);
    assert.equal(rtpTimestamp(2 ** 32 - 10, 1, 90_000), 80);
  });
});

describe('OpusPacketizer', () => {
  test('one Opus packet per RTP packet, PT 120, behind the playout-delay extension', () => {
    const packetizer = new OpusPacketizer(99);
    const opus = Buffer.from([0xf8, 0xff, 0xfe]);
    const packet = packetizer.packetize(opus, 20);
    assert.equal(packet.header[0], 0x90, 'V=2 with the extension bit');
    assert.equal(packet.header[1], PayloadType.opus);
    assert.equal(packet.header.readUInt32BE(4), rtpTimestamp(packetizer.timestampBase, 20, 48_000));
    assert.equal(packet.header.subarray(12).toString('hex'), 'bede0001');
    assert.equal(
      packet.body.toString('hex'),
      '52000001f8fffe',
      'playout-delay 0-10 ms, then the Opus packet',
    );
  });
});

for (const path of sendPaths) {
  describe(`TransportCipher (aead_aes256_gcm_rtpsize), ${path.name}`, { skip: path.skip }, () => {
    const key = Buffer.alloc(32, 7);

    test('video: header and extension preamble in clear, extension data and payload encrypted', () => {
      const cipher = new TransportCipher([...key], path.native);
      const packet = packetsOf(new H264Packetizer(5), joinAnnexB([nal(1, 100)]), 0)[0]!;
      const datagram = cipher.seal(packet);
      assert.equal(Buffer.concat(datagram).length, 16 + packet.body.length + 16 + 4);
      assert.deepEqual(Buffer.concat(datagram).subarray(0, 16), packet.header);
      const opened = open(key, datagram);
      assert.deepEqual(opened.plaintext, packet.body);
      assert.equal(opened.nonce, 1);
    });

    test('one counter for every packet of the connection, audio, video and RTCP alike', () => {
      const cipher = new TransportCipher(key, path.native);
      const audio = new OpusPacketizer(1);
      const nonces = [
        open(key, cipher.seal(audio.packetize(Buffer.from([1, 2, 3]), 0))).nonce,
        open(key, cipher.seal(packetsOf(new H264Packetizer(2), joinAnnexB([nal(1, 10)]), 0)[0]!)).nonce,
      ];
      const report = Buffer.concat(cipher.seal(senderReport(1, Date.now(), 1234, 1, 3)));
      assert.equal(report.length, 8 + 20 + 16 + 4);
      assert.equal(report.readUInt32BE(report.length - 4), 3);
      assert.deepEqual(nonces, [1, 2]);
    });

    test('a tampered header fails authentication', () => {
      const datagram = Buffer.concat(
        new TransportCipher(key, path.native).seal(new OpusPacketizer(1).packetize(Buffer.from([9, 9]), 0)),
      );
      datagram[2] = (datagram[2] ?? 0) ^ 1;
      assert.throws(() => open(key, [datagram]));
    });

    test('a frame sealed packet by packet as it is packetized decrypts and reassembles whole', () => {
      const nals = [
        nal(NalType.sps, 20),
        nal(NalType.pps, 6),
        nal(NalType.idr, 4000, 0x33),
        nal(1, 900, 0x44),
      ];
      const cipher = new TransportCipher(key, path.native);
      const datagrams: Datagram[] = [];
      new H264Packetizer(9).packetize(joinAnnexB(nals), 0, (packet) => datagrams.push(cipher.seal(packet)));
      const opened = datagrams.map((datagram) => open(key, datagram));
      assert.deepEqual(
        opened.map((o) => o.nonce),
        opened.map((_, index) => index + 1),
      );
      assert.deepEqual(depacketize(opened.map((o) => o.plaintext.subarray(4))), nals);
    });

    test("a receiver reads Discord-video-stream 6's playout delays: video 0-100 ms, audio 0-10 ms", () => {
      const cipher = new TransportCipher(key, path.native);
      const received = (packet: RtpPacket) => openRtp(Buffer.concat(cipher.seal(packet)), key);
      const video = received(packetsOf(new H264Packetizer(2), joinAnnexB([nal(NalType.idr, 3000)]), 0)[0]!);
      const audio = received(new OpusPacketizer(1).packetize(Buffer.from([1, 2, 3]), 0));
      assert.deepEqual(playoutDelayMs(video), { min: 0, max: 100 });
      assert.deepEqual(playoutDelayMs(audio), { min: 0, max: 10 });
      assert.deepEqual(audio.payload, Buffer.from([1, 2, 3]), 'the Opus packet follows the extension');
      assert.equal(orbTransportExtensionProblem(video, 'video'), null);
      assert.equal(orbTransportExtensionProblem(audio, 'audio'), null);
    });

    test('refuses a key that is not 32 bytes', () => {
      assert.throws(() => new TransportCipher([1, 2, 3], path.native), /32 bytes/);
    });
  });
}

describe('senderReport', () => {
  test('carries NTP time, the RTP time and the counts', () => {
    const at = Date.UTC(2026, 0, 1, 0, 0, 0, 500);
    const report = senderReport(0xabcd, at, 4242, 10, 2000);
    assert.equal(report.header.toString('hex'), '80c80006' + '0000abcd');
    assert.equal(report.body.readUInt32BE(0), at / 1000 - 0.5 + 2_208_988_800);
    assert.equal(report.body.readUInt32BE(4), 2 ** 31);
    assert.equal(report.body.readUInt32BE(8), 4242);
    assert.equal(report.body.readUInt32BE(12), 10);
    assert.equal(report.body.readUInt32BE(16), 2000);
  });
});

test('NAL types of a keyframe survive packetization in order', () => {
  const nals = [nal(NalType.sps, 10), nal(NalType.pps, 4), nal(NalType.idr, 2500)];
  const payloads = packetsOf(new H264Packetizer(3), joinAnnexB(nals), 0).map((p) => p.body.subarray(4));
  assert.deepEqual(depacketize(payloads).map(nalType), [NalType.sps, NalType.pps, NalType.idr]);
});
