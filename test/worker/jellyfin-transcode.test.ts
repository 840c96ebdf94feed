// Jellyfin as the transcoder (TRANSCODE_SOURCE), through the Jellyfin simulator and a real worker
// session: the bot's own playback details, the worker's real ffmpeg and ffprobe, and the frames a
// viewer would be sent. What is checked is what Jellyfin was asked for (the simulator's transcodes),
// what makes the picture (the worker's stats: `copy` means its ffmpeg encoded nothing), and where
// the picture starts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defaultTitles } from '../../sim/jellyfin/library.ts';
import { type JellyfinSim, startJellyfinSim } from '../../sim/jellyfin/server.ts';
import { waitFor } from '../../sim/wait-for.ts';
import { JellyfinClient } from '../../src/jellyfin/client.ts';
import { JellyfinMediaLibrary } from '../../src/jellyfin/media-library.ts';
import type { TranscodeSource } from '../../src/jellyfin/transcoding-request.ts';
import { createLogger } from '../../src/logger.ts';
import type { CaptureSink } from '../../src/worker/capture-sink.ts';
import type { SourceProxy } from '../../src/worker/media/source-proxy.ts';
import { streamEncoding } from '../../src/worker/media/stream-encoding.ts';
import type { WorkerSession } from '../../src/worker/worker-session.ts';
import { jellyfinPlayRequestSchema, type WorkerEvent } from '../../src/worker-contract/http.ts';
import { openCaptureSession, startSourceProxy, targetPlayRequest } from './support/media-fixtures.ts';

/** The worker's log lines, as JSON. */
const logged: Record<string, unknown>[] = [];
const logger = createLogger({
  level: 'info',
  pretty: false,
  destination: { write: (line: string) => logged.push(JSON.parse(line) as Record<string, unknown>) },
});

function loggedSince(from: number, message: string): Record<string, unknown>[] {
  return logged.slice(from).filter((line) => line.msg === message);
}
const encoding = streamEncoding('720p30');
const limits = {
  width: encoding.width,
  height: encoding.height,
  fps: encoding.fps,
  bitrateKbps: encoding.bitrateKbps,
};

let sim: JellyfinSim;
let proxy: SourceProxy;

before(async () => {
  sim = await startJellyfinSim();
  proxy = await startSourceProxy(sim);
});

after(async () => {
  await proxy.close();
  await sim.stop();
});

function library(source: TranscodeSource): JellyfinMediaLibrary {
  return new JellyfinMediaLibrary(new JellyfinClient({ baseUrl: sim.url, apiKey: sim.apiKey }), {
    transcode: { source, limits },
  });
}

interface Playing {
  session: WorkerSession;
  /** What a viewer is sent. */
  sink: CaptureSink;
  events: WorkerEvent[];
  /** Where the first picture is, in film seconds (the status once frames flow). */
  firstPositionSeconds: number;
}

/**
 * Plays `title` as the bot would with TRANSCODE_SOURCE=`source`, until its first frame is out.
 * `alter` changes the transcode address, as a server answering differently would.
 */
async function play(
  source: TranscodeSource,
  title: string,
  startSeconds = 0,
  alter: (url: URL) => void = () => {},
): Promise<Playing> {
  const details = await library(source).playbackDetails(sim.library.byName(title).id);
  if (details.target.transcode) {
    const url = new URL(details.target.transcode.url);
    alter(url);
    details.target.transcode.url = url.toString();
  }
  const { session, sink } = await openCaptureSession({ proxy, encoding, playbackRate: 2 }, logger);
  const events: WorkerEvent[] = [];
  session.subscribe((event) => events.push(event));
  session.play(targetPlayRequest(details.target, startSeconds));
  await waitFor('the first frame', () => session.status().playbackState === 'playing', 30_000);
  return { session, sink, events, firstPositionSeconds: session.status().positionSeconds };
}

async function playedToTheEnd(playing: Playing): Promise<void> {
  const ended = await waitFor(
    'the film to end',
    () => playing.events.find((event) => event.type === 'ended'),
    60_000,
  );
  await playing.session.close('test over');
  assert.equal(ended.type === 'ended' && ended.reason, 'finished');
}

/** The transcodes Jellyfin was asked for, of one film, from the first index on. */
function transcodesOf(title: string, from = 0) {
  const itemId = sim.library.byName(title).id;
  return sim.transcoding.started.slice(from).filter((started) => started.itemId === itemId);
}

describe('Jellyfin as the transcoder', () => {
  test('an HEVC film with TRANSCODE_SOURCE=jellyfin plays from Jellyfin, passed through untouched', async () => {
    const from = sim.transcoding.started.length;
    const logFrom = logged.length;
    const playing = await play('jellyfin', defaultTitles.hevc);
    assert.equal(playing.session.stats().encoder, 'copy', "the worker's ffmpeg encodes nothing");
    const [probed] = loggedSince(logFrom, 'source probed');
    assert.deepEqual(
      [probed?.reading, probed?.mode, probed?.copyBlocker, probed?.fileCopyBlocker],
      ['jellyfin-transcode', 'copy', null, 'codec hevc'],
    );
    await playedToTheEnd(playing);
    // 6 s at 24 frames a second, the source's size, opening with a keyframe.
    const video = playing.sink.frames.filter((frame) => frame.kind === 'video');
    assert.ok(video.length >= 141, `${video.length} video frames of 144`);
    assert.equal(video[0]?.keyframe, true);
    const { width, height } = playing.sink.items[0]!.video;
    assert.deepEqual([width, height], [320, 240]);
    const asked = transcodesOf(defaultTitles.hevc, from);
    assert.ok(asked.length >= 1, 'Jellyfin was asked to transcode');
    const playSessionId = asked[0]!.playSessionId;
    await waitFor('Jellyfin to be told the transcode is over', () =>
      sim.transcoding.stopped.includes(playSessionId ?? ''),
    );
    for (const { request } of asked) {
      assert.equal(request.videoCodec, 'h264');
      assert.equal(request.profile, 'constrained baseline', 'no B-frames');
      assert.deepEqual(
        [request.maxWidth, request.maxHeight, request.maxFramerate, request.videoBitrate],
        [1280, 720, 30, 2_500_000],
        "the stream profile's limits",
      );
    }
  });

  test('a seek asks Jellyfin for a new transcode from the new position', async () => {
    const playing = await play('jellyfin', defaultTitles.hevc);
    const from = sim.transcoding.started.length;
    playing.session.control({ action: 'seek', positionSeconds: 4 });
    const restarted = await waitFor('a transcode from 4 s', () =>
      transcodesOf(defaultTitles.hevc, from).find((started) => started.request.startSeconds === 4),
    );
    assert.ok(restarted);
    await waitFor('frames from 4 s', () => playing.session.status().positionSeconds >= 4);
    assert.equal(playing.session.stats().encoder, 'copy');
    await playedToTheEnd(playing);
  });

  test('when Jellyfin fails, the worker transcodes the file itself from the same position', async () => {
    const removeFault = sim.faults.set({ path: /\/stream\.ts$/i, status: 500 });
    try {
      const from = sim.requests.length;
      const playing = await play('auto', defaultTitles.hevc, 3);
      assert.equal(playing.session.stats().encoder, 'x264');
      assert.ok(
        playing.firstPositionSeconds >= 3 && playing.firstPositionSeconds < 3.5,
        `the picture starts at ${playing.firstPositionSeconds} s`,
      );
      const asked = sim.requests.slice(from).filter((request) => request.path.endsWith('/stream.ts'));
      assert.equal(asked[0]?.query.StartTimeTicks, '30000000', 'Jellyfin was asked from 3 s first');
      await playedToTheEnd(playing);
    } finally {
      removeFault();
    }
  });

  test('when Jellyfin fails at a seek, the worker continues from the seek position itself', async () => {
    const playing = await play('auto', defaultTitles.hevc);
    assert.equal(playing.session.stats().encoder, 'copy');
    const removeFault = sim.faults.set({ path: /\/stream\.ts$/i, status: 503 });
    try {
      playing.session.control({ action: 'seek', positionSeconds: 4 });
      await waitFor('the worker to transcode', () => playing.session.stats().encoder === 'x264');
      await waitFor('frames from 4 s', () => playing.session.status().positionSeconds >= 4);
      await playedToTheEnd(playing);
    } finally {
      removeFault();
    }
  });

  test('a transcode that has B-frames after all is not passed through: the worker transcodes the file', async () => {
    const from = sim.transcoding.started.length;
    const logFrom = logged.length;
    // Without a profile Jellyfin's x264 uses its own default, High with B-frames.
    const playing = await play('jellyfin', defaultTitles.hevc, 0, (url) =>
      url.searchParams.delete('h264-profile'),
    );
    assert.ok(transcodesOf(defaultTitles.hevc, from).length >= 1, 'Jellyfin was asked');
    assert.equal(playing.session.stats().encoder, 'x264');
    const [refused] = loggedSince(
      logFrom,
      "Jellyfin's transcode cannot be passed through; the worker reads the file itself",
    );
    assert.equal(refused?.copyBlocker, 'B-frames');
    await playedToTheEnd(playing);
  });

  test('auto asks Jellyfin only for a film the worker cannot pass through', async () => {
    const from = sim.transcoding.started.length;
    const copyable = await play('auto', defaultTitles.basic);
    assert.equal(copyable.session.stats().encoder, 'copy');
    await copyable.session.close('test over');
    assert.deepEqual(transcodesOf(defaultTitles.basic, from), [], 'the file itself is read');

    const hevc = await play('auto', defaultTitles.hevc);
    assert.equal(hevc.session.stats().encoder, 'copy');
    await hevc.session.close('test over');
    assert.ok(transcodesOf(defaultTitles.hevc, from).length >= 1, 'Jellyfin transcodes the HEVC film');
  });

  test('worker keeps Jellyfin out: the worker transcodes an HEVC film itself', async () => {
    const details = await library('worker').playbackDetails(sim.library.byName(defaultTitles.hevc).id);
    assert.equal(details.target.transcode, undefined);
    const from = sim.transcoding.started.length;
    const playing = await play('worker', defaultTitles.hevc);
    assert.equal(playing.session.stats().encoder, 'x264');
    await playing.session.close('test over');
    assert.deepEqual(transcodesOf(defaultTitles.hevc, from), []);
  });

  test('a Jellyfin that refuses the transcoding PlaybackInfo still gives the film, without a transcode', async () => {
    const removeFault = sim.faults.set({ path: /\/PlaybackInfo$/i, method: 'POST', status: 500 });
    try {
      const details = await library('auto').playbackDetails(sim.library.byName(defaultTitles.hevc).id);
      assert.equal(details.target.transcode, null);
      assert.match(details.target.streamUrl, /static=true/);
    } finally {
      removeFault();
    }
  });

  test('a play request whose transcode is not a Jellyfin transcode route is refused, naming the field', async () => {
    const details = await library('auto').playbackDetails(sim.library.byName(defaultTitles.hevc).id);
    const request = (url: string) =>
      targetPlayRequest({ ...details.target, transcode: { url, use: 'needed' as const } });
    const schema = jellyfinPlayRequestSchema(sim.url);
    assert.equal(schema.safeParse(request(details.target.transcode!.url)).success, true);
    for (const url of [
      details.target.transcode!.url.replace(sim.url, 'http://10.0.0.9:8096'),
      `${sim.url}/Items/${details.target.itemId}/PlaybackInfo`,
    ]) {
      const parsed = schema.safeParse(request(url));
      assert.equal(parsed.success, false);
      const issue = parsed.error!.issues[0]!;
      assert.deepEqual(issue.path, ['playback', 'transcode', 'url']);
      assert.ok(!issue.message.includes('10.0.0.9') && !issue.message.includes(sim.url));
    }
  });

  test('the transcode address the worker gets carries no key', async () => {
    const details = await library('auto').playbackDetails(sim.library.byName(defaultTitles.hevc).id);
    const url = details.target.transcode?.url ?? '';
    assert.match(url, /\/Videos\/[0-9a-f]+\/stream\.ts\?/);
    assert.ok(!url.includes(sim.apiKey), 'no API key');
    assert.ok(!/api_?key=/i.test(url));
  });
});
