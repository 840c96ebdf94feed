// The simulator's loss machinery on its own: the seeded network model, the SFU's NACK schedule and
// keyframe requests, its checks of RTX, and the viewer's decode chain.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DecodeChain } from '../../../../sim/discord/voice/decode-chain.ts';
import { DivergenceLog } from '../../../../sim/discord/voice/divergences.ts';
import { KeyframeRequests, PLI_REPEAT_MS } from '../../../../sim/discord/voice/keyframe-requests.ts';
import {
  NACK_MAX_MISSING,
  NACK_MAX_RETRIES,
  NackTracker,
} from '../../../../sim/discord/voice/nack-tracker.ts';
import { type NetworkConditions, NetworkPath } from '../../../../sim/discord/voice/network-model.ts';
import type { RtpPacket } from '../../../../sim/discord/voice/rtp-packet.ts';
import { PLAYOUT_DEADLINE_MS, VideoFeedback } from '../../../../sim/discord/voice/video-feedback.ts';

const datagram = Buffer.alloc(100);

/** Which of `count` datagrams the path loses (indexes), reported synchronously. */
function lostIndexes(conditions: NetworkConditions, count: number): number[] {
  const path = new NetworkPath(conditions);
  const lost: number[] = [];
  for (let index = 0; index < count; index += 1)
    path.send(
      datagram,
      () => {},
      () => lost.push(index),
    );
  path.close();
  return lost;
}

describe('network model', () => {
  test('without impairments a datagram arrives at once, in order', () => {
    const path = new NetworkPath();
    const arrived: number[] = [];
    for (let index = 0; index < 5; index += 1) path.send(datagram, () => arrived.push(index));
    assert.deepEqual(arrived, [0, 1, 2, 3, 4]);
    assert.equal(path.impaired, false);
  });

  test('the same seed loses the same datagrams; random loss comes close to its share', () => {
    const first = lostIndexes({ lossPercent: 2, seed: 7 }, 50_000);
    assert.deepEqual(lostIndexes({ lossPercent: 2, seed: 7 }, 50_000), first);
    assert.notDeepEqual(lostIndexes({ lossPercent: 2, seed: 8 }, 50_000), first);
    assert.ok(Math.abs(first.length / 50_000 - 0.02) < 0.003, `${first.length} lost of 50 000`);
  });

  test('burst loss drops runs of exactly the burst length, at the asked share', () => {
    const lost = lostIndexes({ lossPercent: 1, burstLength: 5, seed: 3 }, 100_000);
    const runs: number[] = [];
    lost.forEach((index, at) => {
      if (at > 0 && lost[at - 1] === index - 1) runs[runs.length - 1]! += 1;
      else runs.push(1);
    });
    assert.ok(
      runs.every((run) => run % 5 === 0),
      'back-to-back bursts may join, but never split',
    );
    assert.ok(Math.abs(lost.length / 100_000 - 0.01) < 0.002, `${lost.length} lost of 100 000`);
  });

  test('reordering lets later datagrams overtake; duplication delivers twice', async () => {
    const path = new NetworkPath({ reorderPercent: 30, reorderDelayMs: 5, duplicatePercent: 10, seed: 5 });
    const arrived: number[] = [];
    for (let index = 0; index < 200; index += 1) path.send(datagram, () => arrived.push(index));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(arrived.length, 200 + path.counters.duplicated);
    assert.ok(path.counters.duplicated > 0 && path.counters.reordered > 0);
    assert.notDeepEqual(
      arrived.filter((index, at) => arrived.indexOf(index) === at),
      Array.from({ length: 200 }, (_, index) => index),
    );
  });

  test('bad conditions are refused with the field named', () => {
    assert.throws(() => new NetworkPath({ lossPercent: 120 }), /lossPercent must be a percentage/);
    assert.throws(() => new NetworkPath({ burstLength: 0 }), /burstLength must be a whole number/);
    assert.throws(() => new NetworkPath({ jitterMs: -1 }), /jitterMs must be a duration/);
    assert.throws(() => new NetworkPath({ seed: 1.5 }), /seed must be an integer/);
  });
});

describe('the SFU NACK schedule', () => {
  test('a gap is asked for after the reorder wait, again after a round trip, up to the retry limit', () => {
    const nacks = new NackTracker();
    nacks.onPacket(10, 0, false);
    nacks.onPacket(13, 0, false);
    assert.deepEqual(nacks.due(1), [], 'still within the reorder wait');
    assert.deepEqual(nacks.due(10), [11, 12]);
    assert.deepEqual(nacks.due(20), [], 'a round trip has not passed');
    nacks.onPacket(11, 30, true);
    assert.deepEqual(nacks.due(150), [12]);
    let asks = 2;
    for (let now = 300; asks < NACK_MAX_RETRIES; now += 200) asks += nacks.due(now).length;
    assert.deepEqual(nacks.due(10_000), [], 'out of retries');
    assert.equal(nacks.missing, 0);
  });

  test('a gap wider than the NACK list is given up at once', () => {
    const nacks = new NackTracker();
    nacks.onPacket(0, 0, false);
    assert.equal(nacks.onPacket(NACK_MAX_MISSING + 5, 0, false), false);
    assert.equal(nacks.missing, 0);
  });

  test('a broken picture asks for a keyframe at once and again until one arrives whole', () => {
    let plis = 0;
    const requests = new KeyframeRequests(() => plis++);
    requests.onFrame(true, true, 0);
    assert.equal(plis, 0);
    requests.onFrame(false, false, 100);
    assert.equal(plis, 1);
    requests.tick(100 + PLI_REPEAT_MS - 1);
    assert.equal(plis, 1);
    requests.tick(100 + PLI_REPEAT_MS);
    assert.equal(plis, 2);
    requests.onFrame(false, true, 400); // an incomplete keyframe does not repair it
    requests.onFrame(true, true, 650);
    assert.deepEqual(requests.latenciesMs, [550]);
    assert.equal(requests.waiting, false);
  });
});

describe('the decode chain', () => {
  test('after a lost frame every frame is corrupted until the next whole keyframe', () => {
    const chain = new DecodeChain();
    const seen = [
      chain.onFrame(1, true, false), // before any keyframe
      chain.onFrame(1, true, true),
      chain.onFrame(1, true, false),
      chain.onFrame(1, false, false),
      chain.onFrame(1, true, false),
      chain.onFrame(1, true, true),
      chain.onFrame(1, true, false),
    ];
    assert.deepEqual(seen, ['corrupted', 'intact', 'intact', 'corrupted', 'corrupted', 'intact', 'intact']);
  });
});

describe('the SFU receive side of a video stream', () => {
  const VIDEO = 1000;
  const RTX = 2000;
  function videoPacket(sequence: number, payload: string, ssrc = VIDEO): RtpPacket {
    return {
      marker: false,
      payloadType: ssrc === VIDEO ? 101 : 102,
      sequence,
      timestamp: 90_000,
      ssrc,
      nonce: sequence,
      extension: null,
      extensionProfile: null,
      payload: Buffer.from(payload),
    };
  }
  function rtxFor(rtxSequence: number, osn: number, payload: string): RtpPacket {
    const osnBytes = Buffer.alloc(2);
    osnBytes.writeUInt16BE(osn, 0);
    return { ...videoPacket(rtxSequence, '', RTX), payload: Buffer.concat([osnBytes, Buffer.from(payload)]) };
  }
  function receiveSide() {
    const log = new DivergenceLog();
    const delivered: string[] = [];
    const sentToClient: Buffer[] = [];
    const feedback = new VideoFeedback(
      {
        ssrcs: { video: VIDEO, rtx: RTX },
        secretKey: Buffer.alloc(32, 1),
        networkImpaired: true,
        sendToClient: (datagram) => sentToClient.push(datagram),
      },
      log,
      'stream',
      (packet) => delivered.push(`${packet.sequence}:${packet.payload}`),
    );
    return { log, delivered, sentToClient, feedback };
  }

  test('a gap is NACKed, and the RTX that fills it plays in order as the packet it repeats', async () => {
    const { log, delivered, sentToClient, feedback } = receiveSide();
    feedback.onVideo(videoPacket(1, 'a'));
    feedback.onLost(videoPacket(2, 'b'));
    feedback.onVideo(videoPacket(3, 'c'));
    assert.deepEqual(delivered, ['1:a'], 'held behind the gap');
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.ok(sentToClient.length > 0, 'a NACK went to the client');
    feedback.onRtx(rtxFor(50, 2, 'b'));
    assert.deepEqual(delivered, ['1:a', '2:b', '3:c']);
    assert.deepEqual(log.list, []);
    feedback.close();
  });

  test('a gap still open at its playout deadline is given up: the packets behind it play without it', async () => {
    const { delivered, feedback } = receiveSide();
    feedback.onVideo(videoPacket(1, 'a'));
    feedback.onVideo(videoPacket(3, 'c'));
    feedback.onVideo(videoPacket(5, 'e'));
    await new Promise((resolve) => setTimeout(resolve, PLAYOUT_DEADLINE_MS + 50));
    assert.deepEqual(delivered, ['1:a', '3:c', '5:e']);
    assert.equal(feedback.counters.packetsGivenUp, 2);
    feedback.close();
  });

  test('RTX that differs from the packet sent, or that nobody asked for, is a divergence', async () => {
    const { log, feedback } = receiveSide();
    feedback.onVideo(videoPacket(1, 'a'));
    feedback.onLost(videoPacket(2, 'b'));
    feedback.onVideo(videoPacket(3, 'c'));
    await new Promise((resolve) => setTimeout(resolve, 30));
    feedback.onRtx(rtxFor(50, 2, 'not b'));
    feedback.onRtx(rtxFor(51, 40, 'x'));
    assert.equal(log.list.length, 1, 'one kind, counted twice');
    assert.deepEqual(log.counts(), { 'stream:rtx': 2 });
    feedback.close();
  });
});
