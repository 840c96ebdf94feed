// Film night sources through the real worker (session, probe, ffmpeg, pacer, Go Live transport) into
// the simulator's viewer: what a watcher receives from a 23.976 fps film and from an interlaced
// anamorphic DVD, measured on the frames and RTP timestamps the viewer got.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { VoiceSession } from '../../../sim/discord/voice/index.ts';
import { waitFor } from '../../../sim/wait-for.ts';
import { createLogger } from '../../../src/logger.ts';
import { resolveFfmpeg, resolveFfprobe } from '../../../src/media/ffmpeg-binary.ts';
import type { SourceProxy } from '../../../src/worker/media/source-proxy.ts';
import { streamEncoding } from '../../../src/worker/media/stream-encoding.ts';
import { WorkerSession } from '../../../src/worker/worker-session.ts';
import type { WorkerEvent } from '../../../src/worker-contract/http.ts';
import { type FilmSource, interlacedShare, makeFilmSource } from '../support/film-sources.ts';
import {
  type MediaServer,
  makeTempDir,
  playRequest,
  startMediaServer,
  startSourceProxy,
} from '../support/media-fixtures.ts';
import { endGoLive, goLiveSink } from './harness.ts';

const run = promisify(execFile);
const ids = {
  userId: '800000000000000001',
  guildId: '700000000000000001',
  voiceChannelId: '700000000000000002',
};
const logger = createLogger({ level: process.env.GOLIVE_TEST_LOG ?? 'silent', pretty: false });
const RTP_VIDEO_CLOCK = 90_000;

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let server: MediaServer;
let proxy: SourceProxy;

before(async () => {
  temp = await makeTempDir();
  server = await startMediaServer();
  proxy = await startSourceProxy(server);
  await Promise.all(
    (['film', 'dvd'] as const).map(async (name) => {
      server.serve(name, await makeFilmSource(temp.dir, name, 6));
    }),
  );
});

after(async () => {
  await proxy.close();
  await server.close();
  await temp.remove();
});

interface Watched {
  /** RTP timestamps of the video frames the viewer decrypted, in arrival order. */
  rtpTimestamps: number[];
  /** What the stream connection's op 12 declared last. */
  declared: { framerate: number | null; size: VoiceSession['declaredSize'] };
  /** The viewer's video as an Annex B file. */
  videoFile: string;
  divergences: string[];
  endedReason: string;
}

/** Plays item `name` through a worker session into a fresh simulator and returns what was watched. */
async function watch(name: FilmSource): Promise<Watched> {
  const { voice, sink } = await goLiveSink({
    sim: { outputDir: join(temp.dir, `viewer-${name}`) },
    ids,
    logger,
  });
  const session = new WorkerSession(
    { sessionId: '7', guildId: ids.guildId, voiceChannelId: ids.voiceChannelId, textChannelId: '30' },
    sink,
    { ffmpegPath: resolveFfmpeg(), ffprobePath: resolveFfprobe(), proxy, encoding: streamEncoding('720p30') },
    logger,
  );
  const events: WorkerEvent[] = [];
  session.subscribe((event) => events.push(event));
  await session.open();
  // Frames offered before the DAVE group is ready are (rightly) dropped.
  await waitFor('the DAVE group to be ready', () => sink.stats().daveReady);
  session.play(playRequest(server.streamUrl(name)));
  const ended = await waitFor(
    'the item to end',
    () => events.find((event): event is Extract<WorkerEvent, { type: 'ended' }> => event.type === 'ended'),
    30_000,
  );
  const stream = voice.sessions('stream').at(-1)!;
  const declared = { framerate: stream.declaredFramerate, size: stream.declaredSize };
  await endGoLive({ voice, sink, stopPlaying: () => session.close('finished') }, 'finished');
  return {
    rtpTimestamps: voice.viewer.videoFrames
      .filter((frame) => frame.daveDecrypted)
      .map((frame) => frame.rtpTimestamp),
    declared,
    videoFile: voice.viewer.files!.video,
    divergences: [...voice.divergences],
    endedReason: ended.reason,
  };
}

/** Frames per second on the sender's RTP clock, over everything the viewer received. */
function rtpFrameRate(timestamps: number[]): number {
  const span = (timestamps.at(-1)! - timestamps[0]!) >>> 0;
  return ((timestamps.length - 1) * RTP_VIDEO_CLOCK) / span;
}

async function decodedSize(file: string): Promise<{ width: number; height: number }> {
  const { stdout } = await run(resolveFfprobe(), [
    ...['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'json', file],
  ]);
  const [stream] = (JSON.parse(stdout) as { streams: { width: number; height: number }[] }).streams;
  return { width: stream!.width, height: stream!.height };
}

describe('film night through the worker into the viewer', { timeout: 120_000 }, () => {
  test('a 23.976 fps film reaches the viewer at 23.976 fps, announced as 24', async (t) => {
    const watched = await watch('film');
    assert.equal(watched.endedReason, 'finished');
    assert.ok(watched.rtpTimestamps.length >= 100, `video frames: ${watched.rtpTimestamps.length}`);
    const fps = rtpFrameRate(watched.rtpTimestamps);
    t.diagnostic(`viewer fps ${fps.toFixed(4)} over ${watched.rtpTimestamps.length} frames`);
    assert.ok(Math.abs(fps - 24_000 / 1001) <= 0.01, `the viewer got ${fps} fps`);
    assert.equal(watched.declared.framerate, 24);
    assert.deepEqual(watched.declared.size, { width: 640, height: 360 });
    assert.deepEqual(watched.divergences, [], 'the simulator saw nothing its profile forbids');
  });

  test('an interlaced anamorphic DVD reaches the viewer without combing, at the size op 12 declared', async (t) => {
    const watched = await watch('dvd');
    assert.equal(watched.endedReason, 'finished');
    const interlaced = await interlacedShare(watched.videoFile);
    t.diagnostic(`idet: ${(interlaced * 100).toFixed(1)} % of the viewer's frames interlaced`);
    assert.ok(interlaced < 0.05);
    assert.deepEqual(watched.declared.size, { width: 854, height: 480 });
    assert.deepEqual(await decodedSize(watched.videoFile), { width: 854, height: 480 });
    const fps = rtpFrameRate(watched.rtpTimestamps);
    t.diagnostic(`viewer fps ${fps.toFixed(4)} over ${watched.rtpTimestamps.length} frames`);
    assert.ok(Math.abs(fps - 30_000 / 1001) <= 0.01, `the viewer got ${fps} fps`);
    assert.equal(watched.declared.framerate, 30);
    assert.deepEqual(watched.divergences, [], 'the simulator saw nothing its profile forbids');
  });
});
