// Loss recovery end to end (protocol.md §4.8): the real Go Live transport streams through the
// simulator's network model, whose SFU NACKs gaps and asks for keyframes the way libwebrtc receivers
// do, and the viewer counts the frames a watcher would see intact. The same seeded loss is played
// with retransmission on and off, so the difference is the transport's doing.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { NetworkConditions } from '../../../sim/discord/voice/index.ts';
import { waitFor } from '../../../sim/wait-for.ts';
import { createLogger } from '../../../src/logger.ts';
import type { GoLiveStats } from '../../../src/worker/golive/index.ts';
import { type ClipSpec, loadClip, playClip } from './clip.ts';
import { endGoLive, openGoLive } from './harness.ts';

const spec: ClipSpec = { seconds: 4, width: 640, height: 360, fps: 30, videoKbps: 1500 };
const video = { width: spec.width, height: spec.height, fps: spec.fps, maxBitrateKbps: 2000 };
/** Some 25 lost video packets in 4 s: each would break the picture until the next keyframe (1 s). */
const lossyUplink: NetworkConditions = { lossPercent: 3, delayMs: 10, jitterMs: 2, seed: 15 };
const downlink: NetworkConditions = { delayMs: 10 };

interface Outcome {
  stats: GoLiveStats;
  framesIntact: number;
  framesCorrupted: number;
  framesIncomplete: number;
  keyframeWaits: number;
  divergences: string[];
}

async function streamThroughLoss(name: string, retransmit: boolean): Promise<Outcome> {
  const run = await openGoLive({
    sim: {},
    ids: {
      userId: '800000000000000021',
      guildId: '700000000000000021',
      voiceChannelId: '700000000000000022',
    },
    logger: createLogger({ level: 'warn', pretty: false }),
    video,
    retransmit,
  });
  run.voice.faults.network({ uplink: lossyUplink, downlink }, 'stream');
  await playClip(run.sink, loadClip(spec));
  const [session] = run.voice.sessions('stream');
  assert.ok(session, `${name}: the stream connection is up`);
  const feedback = session.receiver.videoFeedback;
  // Whatever is still being asked for settles within the playout deadline.
  await waitFor(`${name}: recovery settles`, () => feedback.counters.nacksSent > 0, 5_000);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const stats = run.sink.stats();
  const viewer = run.voice.viewer;
  const outcome: Outcome = {
    stats,
    framesIntact: viewer.videoFramesIntact,
    framesCorrupted: viewer.videoFramesCorrupted,
    framesIncomplete: viewer.videoFramesIncomplete,
    keyframeWaits: feedback.keyframes.latenciesMs.length,
    divergences: [...run.voice.divergences],
  };
  await endGoLive({ voice: run.voice, sink: run.sink, stopPlaying: async () => {} }, `${name} done`);
  return outcome;
}

describe('loss recovery over UDP', () => {
  test('under 3% loss the viewer sees (nearly) every frame intact: NACKs are answered with RTX', async () => {
    const outcome = await streamThroughLoss('recovery on', true);
    const { stats } = outcome;
    assert.deepEqual(outcome.divergences, []);
    assert.ok(stats.nacksReceived > 0, 'the SFU asked for lost packets');
    assert.ok(stats.packetsRetransmitted > 0, 'and got them again');
    // A loss in the last packets of the clip has no later packet to reveal it: one frame of slack.
    assert.ok(
      outcome.framesIntact >= stats.videoFramesSent - 1,
      `${outcome.framesIntact} of ${stats.videoFramesSent} frames intact (${outcome.framesCorrupted} corrupted, ${outcome.framesIncomplete} incomplete)`,
    );
  });

  test('without retransmission the same loss corrupts frames until a keyframe the SFU asked for', async () => {
    const outcome = await streamThroughLoss('recovery off', false);
    const { stats } = outcome;
    assert.deepEqual(outcome.divergences, []);
    assert.ok(stats.nacksReceived > 0);
    assert.equal(stats.packetsRetransmitted, 0);
    assert.ok(outcome.framesIncomplete > 0, 'lost packets leave frames incomplete');
    assert.ok(outcome.framesCorrupted > 0, 'frames after a loss decode corrupted');
    assert.ok(
      outcome.framesIntact < 0.9 * stats.videoFramesSent,
      `${outcome.framesIntact} of ${stats.videoFramesSent} frames intact`,
    );
    assert.ok(stats.keyframeRequests > 0, 'the SFU asked for keyframes');
    assert.ok(outcome.keyframeWaits > 0, 'and each broken picture was repaired by a keyframe');
  });
});
