// What a receiver lip-syncs by: an RTCP sender report pairs the wall clock now with the RTP time of
// the stream's clock now (protocol.md §4.7). Audio may leave before its time, riding along with a
// video frame; the report sent with such a packet must say where the clock is, not where that
// packet is, or every receiver plays the audio that much off. This used to be caught only by a
// timing figure; here it is exact, whatever the machine's load.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { waitFor } from '../../../sim/wait-for.ts';
import { createLogger } from '../../../src/logger.ts';
import { type Clip, type ClipSpec, loadClip } from './clip.ts';
import { endGoLive, type OpenGoLive, openGoLive } from './harness.ts';

const spec: ClipSpec = { seconds: 6, width: 320, height: 180, fps: 30, videoKbps: 400 };
const video = { width: spec.width, height: spec.height, fps: spec.fps, maxBitrateKbps: 800 };
const ids = {
  userId: '800000000000000031',
  guildId: '700000000000000031',
  voiceChannelId: '700000000000000032',
};
const log = createLogger({ level: process.env.GOLIVE_TEST_LOG ?? 'silent', pretty: false });
/** Not a whole number of 20 ms packets, so the clock now and a packet's own time cannot coincide. */
const AHEAD_MS = 30;
const AUDIO_TICKS_PER_MS = 48;

let clip: Clip;
let run: OpenGoLive;

before(async () => {
  clip = loadClip(spec);
  run = await openGoLive({ sim: {}, ids, logger: log, video });
});

after(async () => {
  await endGoLive({ ...run, stopPlaying: async () => {} }, 'done');
});

describe('RTCP sender reports', () => {
  test('an audio report sent with an early packet pairs the wall clock with the clock now', async () => {
    const { voice, sink, fatal } = run;
    await waitFor('the DAVE group to be ready', () => sink.stats().daveReady, 15_000);
    // 2.5 s of audio, every packet handed over AHEAD_MS before its time, in real time.
    for (let packet = 0; packet < 125; packet += 1) {
      const { data } = clip.audio[packet % clip.audio.length]!;
      sink.sendAudio({ data, ptsMs: packet * 20, aheadMs: AHEAD_MS });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const audioSsrc = (): number | undefined => voice.viewer.audioFrames[0]?.ssrc;
    const reports = await waitFor('two audio sender reports', () => {
      const own = voice.senderReports().filter((report) => report.ssrc === audioSsrc());
      return own.length >= 2 ? own : undefined;
    });
    const packetTimes = new Set(
      voice.viewer.audioFrames
        .filter((frame) => frame.ssrc === audioSsrc())
        .map((frame) => frame.rtpTimestamp),
    );
    for (const report of reports) {
      assert.ok(
        packetTimes.has((report.rtpTimestamp + AHEAD_MS * AUDIO_TICKS_PER_MS) >>> 0),
        `report at RTP ${report.rtpTimestamp} is ${AHEAD_MS} ms before a packet's time`,
      );
      assert.ok(!packetTimes.has(report.rtpTimestamp), 'and not at the early packet’s own time');
    }
    assert.deepEqual(fatal, []);
    assert.deepEqual(voice.divergences, []);
  });
});
