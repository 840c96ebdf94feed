// The figures a worker gives the bot's /metrics (GET /sessions/{id}/stats) from the real Go Live
// transport: a clip streamed with DAVE through the simulator's lossy network, where the SFU asks for
// lost packets again, must show up as frames and bytes sent, the DAVE group's epoch and transitions,
// and the NACKs answered with retransmissions, in the contract's own schema.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { waitFor } from '../../../sim/wait-for.ts';
import { createLogger } from '../../../src/logger.ts';
import { streamFiguresSchema } from '../../../src/worker-contract/http.ts';
import { type ClipSpec, loadClip, playClip } from './clip.ts';
import { endGoLive, openGoLive } from './harness.ts';

const spec: ClipSpec = { seconds: 3, width: 640, height: 360, fps: 30, videoKbps: 1500 };

describe('stream figures for the metrics', () => {
  test('count what the Go Live sent, its DAVE group, and the loss it recovered', async () => {
    const run = await openGoLive({
      sim: {},
      ids: {
        userId: '800000000000000031',
        guildId: '700000000000000031',
        voiceChannelId: '700000000000000032',
      },
      logger: createLogger({ level: 'warn', pretty: false }),
      video: { width: spec.width, height: spec.height, fps: spec.fps, maxBitrateKbps: 2000 },
    });
    try {
      await waitFor('the DAVE group to be ready', () => run.sink.stats().daveReady);
      run.voice.faults.network(
        { uplink: { lossPercent: 3, delayMs: 10, jitterMs: 2, seed: 15 }, downlink: { delayMs: 10 } },
        'stream',
      );
      await playClip(run.sink, loadClip(spec));
      await waitFor('a retransmission', () => (run.sink.figures()?.packetsRetransmitted ?? 0) > 0, 5_000);

      const figures = streamFiguresSchema.parse(run.sink.figures());
      const stats = run.sink.stats();
      assert.equal(figures.videoFramesSent, stats.videoFramesSent);
      assert.ok(figures.videoFramesSent >= spec.seconds * spec.fps - 1, `${figures.videoFramesSent} frames`);
      assert.ok(figures.audioFramesSent > 0);
      assert.ok(figures.bytesSent > figures.packetsSent * 100, 'bytes are counted with the packets');
      assert.ok(figures.daveEpoch !== null && figures.daveEpoch >= 1, `DAVE epoch ${figures.daveEpoch}`);
      assert.ok(figures.daveTransitions >= 1, 'the group was formed through a transition');
      assert.ok(figures.nacksReceived > 0);
      assert.ok(figures.packetsRetransmitted > 0);
      assert.ok(['native', 'js'].includes(figures.sendPath));
    } finally {
      await endGoLive({ voice: run.voice, sink: run.sink, stopPlaying: async () => {} }, 'figures read');
    }
  });
});
