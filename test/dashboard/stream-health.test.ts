// Stream health from a worker's running totals: rates over the interval between two samples, and no
// rate across a worker restart (its totals start again from zero) or while nothing streams.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StreamHealthSampler, type StreamStats } from '../../src/dashboard/stream-health.ts';

function source(frames: number[], bytes: number[]) {
  let call = 0;
  return async (): Promise<StreamStats[]> => {
    const index = call++;
    const sent = frames[index];
    if (sent === undefined) return [{ sessionId: '7', stats: { encoder: null, stream: null } }];
    const stream = {
      videoFramesSent: sent,
      bytesSent: bytes[index]!,
      daveEpoch: 1,
      viewers: 3,
      reconnects: 1,
    };
    return [
      { sessionId: '6', stats: null },
      { sessionId: '7', stats: { encoder: 'x264', stream } },
    ];
  };
}

test('frames per second and bitrate come from two samples of the same worker', async () => {
  const sampler = new StreamHealthSampler(
    source([100, 160, 10, 40], [0, 500_000, 0, 250_000]),
    7,
    async () => 2,
  );
  assert.equal(await sampler.sample(1_000), null, 'one sample has no rate yet');
  assert.deepEqual(await sampler.sample(3_000), {
    framesPerSecond: 30,
    bitrateKbps: 2000,
    daveEpoch: 1,
    viewers: 3,
    reconnects: 1,
    workerRestarts: 2,
    encoder: 'x264',
  });
  assert.equal(await sampler.sample(5_000), null, 'a restarted worker counts from zero: no rate across it');
  assert.equal((await sampler.sample(6_000))?.framesPerSecond, 30);
  assert.equal(await sampler.sample(7_000), null, 'no stream, no health');
});
