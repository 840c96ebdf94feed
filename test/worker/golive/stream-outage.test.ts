// A stream outage through the real worker (session, ffmpeg, pacer, Go Live transport) into the
// simulator's viewer: when the stream connection is lost and reconnected, the worker reports
// `reconnecting`, holds the film meanwhile, and reports `playing` from the same point once the viewer
// gets frames again.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { waitFor } from '../../../sim/wait-for.ts';
import { createLogger } from '../../../src/logger.ts';
import { resolveFfmpeg, resolveFfprobe } from '../../../src/media/ffmpeg-binary.ts';
import type { WatchdogTimings } from '../../../src/worker/golive/index.ts';
import type { SourceProxy } from '../../../src/worker/media/source-proxy.ts';
import { streamEncoding } from '../../../src/worker/media/stream-encoding.ts';
import { WorkerSession } from '../../../src/worker/worker-session.ts';
import type { SessionStatusResponse } from '../../../src/worker-contract/http.ts';
import {
  type MediaServer,
  type makeTempDir,
  playRequest,
  serveClip,
  startSourceProxy,
} from '../support/media-fixtures.ts';
import { endGoLive, goLiveSink } from './harness.ts';

const ids = {
  userId: '800000000000000021',
  guildId: '700000000000000021',
  voiceChannelId: '700000000000000022',
};
const logger = createLogger({ level: 'silent', pretty: false });
const CLIP_SECONDS = 30;
/** A stall is noticed within the test (protocol.md §8.2 item 10), as in recovery.test.ts. */
const fastWatchdog: WatchdogTimings = { intervalMs: 200, stallMs: 2_500, daveStallMs: 2_000 };

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let server: MediaServer;
let proxy: SourceProxy;

before(async () => {
  ({ temp, server } = await serveClip(CLIP_SECONDS));
  proxy = await startSourceProxy(server);
});

after(async () => {
  await proxy?.close();
  await server?.close();
  await temp?.remove();
});

describe('a stream outage through the worker into the viewer', { timeout: 90_000 }, () => {
  test('reconnecting while the stream is lost, the film held, then playing from that point', async () => {
    const { voice, sink, fatal } = await goLiveSink({
      sim: { outputDir: join(temp.dir, 'viewer') },
      ids,
      logger,
      watchdog: fastWatchdog,
    });
    const session = new WorkerSession(
      { sessionId: '7', guildId: ids.guildId, voiceChannelId: ids.voiceChannelId, textChannelId: '30' },
      sink,
      {
        ffmpegPath: resolveFfmpeg(),
        ffprobePath: resolveFfprobe(),
        proxy,
        encoding: streamEncoding('720p30'),
      },
      logger,
    );
    const states: SessionStatusResponse[] = [];
    session.subscribe((event) => {
      if (event.type === 'state') states.push(event.status);
    });
    const received = () => voice.viewer.videoFramesReceived;
    try {
      await session.open();
      await waitFor('the DAVE group to be ready', () => sink.stats().daveReady);
      session.play(playRequest(server.streamUrl('clip'), { durationSeconds: CLIP_SECONDS }));
      await waitFor('the viewer to get a second of video', () => received() >= 30, 20_000);

      // The stream server stops taking datagrams: the watchdog notices and reconnects the stream.
      voice.faults.refuseUdp(fastWatchdog.stallMs + 1_500, 'stream');
      const reconnecting = await waitFor(
        'the worker to report reconnecting',
        () => states.find((status) => status.playbackState === 'reconnecting'),
        20_000,
      );
      const framesAtDrop = received();
      const playing = await waitFor(
        'the worker to report playing again',
        () => states.slice(states.indexOf(reconnecting)).find((status) => status.playbackState === 'playing'),
        20_000,
      );
      assert.equal(playing.positionSeconds, reconnecting.positionSeconds, 'the film was held meanwhile');
      await waitFor('the viewer to get video again', () => received() >= framesAtDrop + 30, 20_000);
      assert.equal(sink.stats().recoveries, 1);
      assert.equal(session.status().playbackState, 'playing');
      assert.deepEqual(fatal, []);
      assert.deepEqual(voice.divergences, [], 'the simulator saw nothing its profile forbids');
    } finally {
      await endGoLive({ voice, sink, stopPlaying: () => session.close('test over') }, 'test over');
    }
  });
});
