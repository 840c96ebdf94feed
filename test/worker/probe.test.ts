// Copy or transcode: what ffprobe finds in generated clips decides whether the source's H.264 may
// pass through untouched. Clips are read as in production: over HTTP through the worker's proxy
// (ffprobe accepts nothing but HTTP there).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { resolveFfprobe } from '../../src/media/ffmpeg-binary.ts';
import { nearestKeyframeSeconds, probeSource, UnsupportedSourceError } from '../../src/worker/media/probe.ts';
import type { SourceProxy } from '../../src/worker/media/source-proxy.ts';
import { streamEncoding } from '../../src/worker/media/stream-encoding.ts';
import {
  type MediaServer,
  makeClip,
  makeTempDir,
  startMediaServer,
  startSourceProxy,
} from './support/media-fixtures.ts';

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let server: MediaServer;
let proxy: SourceProxy;
let copyable: string;
let bframes: string;
let notMedia: string;

before(async () => {
  temp = await makeTempDir();
  server = await startMediaServer();
  proxy = await startSourceProxy(server);
  const items = {
    copyable: await makeClip(temp.dir, 'copyable.mp4', { seconds: 3, kind: 'copyable' }),
    bframes: await makeClip(temp.dir, 'bframes.mp4', { seconds: 3, kind: 'bframes' }),
    'not-media': new URL(import.meta.url).pathname,
  };
  for (const [itemId, file] of Object.entries(items)) server.serve(itemId, file);
  [copyable, bframes, notMedia] = ['copyable', 'bframes', 'not-media'].map(
    (itemId) => proxy.register(server.streamUrl(itemId)).url,
  ) as [string, string, string];
});

after(async () => {
  await proxy.close();
  await server.close();
  await temp.remove();
});

describe('the source probe', () => {
  test('lets baseline H.264 without B-frames pass through, and reports what it found', async () => {
    const info = await probeSource(resolveFfprobe(), copyable, streamEncoding('720p30'));
    assert.equal(info.copyBlocker, null);
    assert.deepEqual(info.video, {
      codec: 'h264',
      width: 320,
      height: 240,
      pixelAspect: 1,
      frameRate: { rate: { num: 30, den: 1 }, variable: false },
      fieldOrder: 'progressive',
      hdr: null,
    });
    assert.equal(info.videoStreamIndex, 0);
    assert.equal(info.audioStreamIndex, 1);
    assert.ok(Math.abs((info.durationSeconds ?? 0) - 3) < 0.1);
  });

  test('sends B-frames to the transcoder', async () => {
    const info = await probeSource(resolveFfprobe(), bframes, streamEncoding('720p30'));
    assert.equal(info.copyBlocker, 'B-frames');
  });

  test('transcodes a source above the bitrate cap', async () => {
    const info = await probeSource(resolveFfprobe(), copyable, streamEncoding('720p30', 200));
    assert.match(info.copyBlocker ?? '', /^bitrate \d+ kbit\/s$/);
  });

  test('finds the keyframe nearest a start point, after it as well as before it', async () => {
    // The clip has a keyframe every half second (GOP 15 at 30 fps).
    assert.equal(await nearestKeyframeSeconds(resolveFfprobe(), copyable, 1.4), 1.5);
    assert.equal(await nearestKeyframeSeconds(resolveFfprobe(), copyable, 1.1), 1);
    assert.equal(await nearestKeyframeSeconds(resolveFfprobe(), notMedia, 1), null);
  });

  test('refuses a file that is not media with a readable reason', async () => {
    await assert.rejects(
      probeSource(resolveFfprobe(), notMedia, streamEncoding('720p30')),
      (error: unknown) =>
        error instanceof UnsupportedSourceError && /cannot read the media/.test(error.message),
    );
  });
});
