// The transport's side of loss recovery, piece by piece: reading RTCP feedback (compound, padded,
// malformed), answering NACKs with RTX built from the history, and the limits that keep a NACK storm
// from becoming a retransmission storm.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { firPacket, nackPacket, pliPacket, sealRtcp } from '../../../sim/discord/voice/rtcp-feedback.ts';
import {
  LossRecovery,
  MAX_RETRANSMITS_PER_PACKET,
  newLossRecoveryCounters,
} from '../../../src/worker/golive/loss-recovery.ts';
import { RETRANSMIT_BURST_BYTES } from '../../../src/worker/golive/retransmit-budget.ts';
import { HISTORY_SLOTS } from '../../../src/worker/golive/retransmit-history.ts';
import { FeedbackOpener, parseFeedback } from '../../../src/worker/golive/rtcp-feedback.ts';
import type { RtpPacket } from '../../../src/worker/golive/rtp.ts';

const VIDEO_SSRC = 0x1111;
const RTX_SSRC = 0x2222;
const RTX_PT = 102;

function videoPacket(sequence: number, payload: Buffer, marker = false): RtpPacket {
  const header = Buffer.alloc(16);
  header[0] = 0x90;
  header[1] = (marker ? 0x80 : 0) | 101;
  header.writeUInt16BE(sequence, 2);
  header.writeUInt32BE(90_000, 4);
  header.writeUInt32BE(VIDEO_SSRC, 8);
  header.writeUInt32BE(0xbede0001, 12);
  return { header, body: Buffer.concat([Buffer.from([0x52, 0, 0, 0]), payload]), marker };
}

function recovery(retransmit = true) {
  const key = randomBytes(32);
  const sent: RtpPacket[] = [];
  const counts = newLossRecoveryCounters();
  const subject = new LossRecovery({
    videoSsrc: VIDEO_SSRC,
    rtxSsrc: RTX_SSRC,
    rtxPayloadType: RTX_PT,
    secretKey: key,
    retransmit,
    counters: counts,
    send: (packets) => sent.push(...packets),
  });
  let nonce = 0;
  const feedback = (...packets: Buffer[]): Buffer => sealRtcp(Buffer.concat(packets), key, ++nonce);
  return { subject, sent, counts, feedback, key };
}

describe('RTCP feedback parsing', () => {
  test('a compound packet yields its NACKed sequence numbers, PLI and FIR, skipping other types', () => {
    const receiverReport = Buffer.from([0x80, 201, 0, 1, 0, 0, 0, 1]);
    const compound = Buffer.concat([
      receiverReport,
      nackPacket(1, VIDEO_SSRC, [10, 11, 13, 40]),
      pliPacket(1, VIDEO_SSRC),
      firPacket(1, VIDEO_SSRC, 7),
    ]);
    assert.deepEqual(parseFeedback(compound), [
      { kind: 'nack', mediaSsrc: VIDEO_SSRC, sequences: [10, 11, 13, 40] },
      { kind: 'keyframe', request: 'pli', mediaSsrc: VIDEO_SSRC },
      { kind: 'keyframe', request: 'fir', mediaSsrc: VIDEO_SSRC },
    ]);
  });

  test('NACK bitmasks wrap around the 16-bit sequence space', () => {
    const fci = Buffer.from([0xff, 0xff, 0x00, 0x03]);
    const nack = Buffer.concat([Buffer.from([0x81, 205, 0, 3, 0, 0, 0, 1, 0, 0, 0x11, 0x11]), fci]);
    assert.deepEqual(parseFeedback(nack), [
      { kind: 'nack', mediaSsrc: VIDEO_SSRC, sequences: [65535, 0, 1] },
    ]);
  });

  test('a padded packet is read without its padding', () => {
    const pli = pliPacket(1, VIDEO_SSRC);
    const padded = Buffer.concat([pli, Buffer.from([0, 0, 0, 4])]);
    padded[0]! |= 0x20;
    padded.writeUInt16BE(padded.length / 4 - 1, 2);
    assert.deepEqual(parseFeedback(padded), [{ kind: 'keyframe', request: 'pli', mediaSsrc: VIDEO_SSRC }]);
  });

  test('lengths that do not add up are errors that say where', () => {
    const nack = nackPacket(1, VIDEO_SSRC, [5]);
    assert.throws(() => parseFeedback(nack.subarray(0, 14)), /claims 16 bytes, 14 remain/);
    assert.throws(() => parseFeedback(Buffer.concat([nack, Buffer.from([0x80])])), /stray bytes/);
    const shortNack = Buffer.from([0x81, 205, 0, 2, 0, 0, 0, 1, 0, 0, 0x11, 0x11]);
    assert.throws(() => parseFeedback(shortNack), /generic NACK with 0 bytes of FCI/);
    assert.throws(() => parseFeedback(Buffer.from([0x40, 205, 0, 0])), /RTCP version 1/);
  });

  test('the opener refuses a datagram sealed with another key', () => {
    const sealed = sealRtcp(pliPacket(1, VIDEO_SSRC), randomBytes(32), 1);
    assert.throws(() => new FeedbackOpener(randomBytes(32)).open(sealed), /does not verify/);
  });
});

describe('answering NACKs', () => {
  test('a NACKed packet comes back as RTX: RTX PT and SSRC, own sequence, OSN first, the same bytes', () => {
    const { subject, sent, counts, feedback } = recovery();
    const payloads = [randomBytes(900), randomBytes(1200), randomBytes(300)];
    payloads.forEach((payload, index) => {
      subject.remember(videoPacket(500 + index, payload, index === 2));
    });
    subject.receive(feedback(nackPacket(1, VIDEO_SSRC, [501, 502])));
    assert.equal(sent.length, 2);
    const [first, second] = sent as [RtpPacket, RtpPacket];
    for (const [rtx, original] of [
      [first, 501],
      [second, 502],
    ] as const) {
      assert.equal(rtx.header[1]! & 0x7f, RTX_PT);
      assert.equal(rtx.header.readUInt32BE(8), RTX_SSRC);
      assert.equal(rtx.header.readUInt32BE(4), 90_000, 'the original timestamp');
      assert.deepEqual(rtx.header.subarray(12), Buffer.from([0xbe, 0xde, 0, 1]), 'the extension preamble');
      assert.deepEqual(rtx.body.subarray(0, 4), Buffer.from([0x52, 0, 0, 0]), 'the extension data first');
      assert.equal(rtx.body.readUInt16BE(4), original, 'then the original sequence number');
      assert.deepEqual(rtx.body.subarray(6), payloads[original - 500], 'then the original payload');
    }
    assert.equal(second.header[1]! & 0x80, 0x80, 'the marker bit of the original');
    assert.equal(second.header.readUInt16BE(2), (first.header.readUInt16BE(2) + 1) & 0xffff);
    assert.equal(counts.nacksReceived, 2);
    assert.equal(counts.packetsRetransmitted, 2);
    assert.equal(counts.retransmittedBytes, 2 * (16 + 4 + 2 + 20) + 1200 + 300);
  });

  test('with retransmission off, NACKs and keyframe requests are counted and never answered', () => {
    const { subject, sent, counts, feedback } = recovery(false);
    subject.remember(videoPacket(1, randomBytes(100)));
    subject.receive(feedback(nackPacket(1, VIDEO_SSRC, [1]), pliPacket(1, VIDEO_SSRC)));
    assert.equal(sent.length, 0);
    assert.equal(counts.nacksReceived, 1);
    assert.equal(counts.keyframeRequests, 1);
  });

  test('packets no longer in the history, or never sent, are refused', () => {
    const { subject, sent, counts, feedback } = recovery();
    for (let sequence = 0; sequence < HISTORY_SLOTS + 10; sequence += 1)
      subject.remember(videoPacket(sequence, randomBytes(50)));
    subject.receive(feedback(nackPacket(1, VIDEO_SSRC, [3, HISTORY_SLOTS + 20])));
    assert.equal(sent.length, 0);
    assert.equal(counts.retransmitsRefused, 2);
  });

  test('a NACK storm is capped: each packet a few times at most, all of them within the budget', async () => {
    const { subject, sent, counts, feedback } = recovery();
    const packets = 400;
    for (let sequence = 0; sequence < packets; sequence += 1)
      subject.remember(videoPacket(sequence, randomBytes(1200)));
    const everything = Array.from({ length: packets }, (_, sequence) => sequence);
    for (let round = 0; round < 10; round += 1) {
      subject.receive(feedback(nackPacket(1, VIDEO_SSRC, everything)));
      // Past the interval that merges repeated asks, so each round is a fresh request.
      await new Promise((resolve) => setTimeout(resolve, 12));
    }
    assert.equal(counts.nacksReceived, 10 * packets);
    assert.ok(
      counts.retransmittedBytes <= RETRANSMIT_BURST_BYTES,
      `${counts.retransmittedBytes} retransmitted bytes exceed the ${RETRANSMIT_BURST_BYTES}-byte bucket`,
    );
    assert.ok(counts.packetsRetransmitted < packets, 'the storm was cut short by the budget');
    assert.equal(counts.packetsRetransmitted + counts.retransmitsRefused, counts.nacksReceived);
    const perPacket = new Map<number, number>();
    for (const rtx of sent) {
      const osn = rtx.body.readUInt16BE(4);
      perPacket.set(osn, (perPacket.get(osn) ?? 0) + 1);
    }
    assert.ok(Math.max(...perPacket.values()) <= MAX_RETRANSMITS_PER_PACKET);
  });

  test('PLI and FIR for our video count as keyframe requests; for another SSRC they do not', () => {
    const { subject, counts, feedback } = recovery();
    subject.receive(feedback(pliPacket(1, VIDEO_SSRC), firPacket(1, VIDEO_SSRC, 1), pliPacket(1, 999)));
    assert.equal(counts.keyframeRequests, 2);
  });

  test('malformed, truncated or forged feedback is counted and ignored, never thrown', () => {
    const { subject, sent, counts, feedback } = recovery();
    subject.remember(videoPacket(1, randomBytes(100)));
    const good = feedback(nackPacket(1, VIDEO_SSRC, [1]));
    const forged = sealRtcp(nackPacket(1, VIDEO_SSRC, [1]), randomBytes(32), 9);
    const lying = feedback(Buffer.from([0x81, 205, 0, 9, 0, 0, 0, 1, 0, 0, 0x11, 0x11, 0, 1, 0, 0]));
    for (const datagram of [good.subarray(0, 20), good.subarray(0, good.length - 3), forged, lying])
      assert.doesNotThrow(() => subject.receive(datagram));
    assert.equal(counts.feedbackRejected, 4);
    assert.equal(sent.length, 0);
    subject.receive(Buffer.alloc(74));
    assert.equal(counts.feedbackRejected, 4, 'a datagram that is not RTCP at all is not feedback');
  });
});
