// Copy or transcode: what ffprobe finds in generated clips decides whether the source's H.264 may
// pass through untouched.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { resolveFfprobe } from '../../src/media/ffmpeg-binary.ts';
import { probeSource, UnsupportedSourceError } from '../../src/worker/media/probe.ts';
import { streamEncoding } from '../../src/worker/media/stream-encoding.ts';
import { makeClip, makeTempDir } from './support/media-fixtures.ts';

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let copyable: string;
let bframes: string;

before(async () => {
  temp = await makeTempDir();
  [copyable, bframes] = await Promise.all([
    makeClip(temp.dir, 'copyable.mp4', { seconds: 3, kind: 'copyable' }),
    makeClip(temp.dir, 'bframes.mp4', { seconds: 3, kind: 'bframes' }),
  ]);
});

after(() => temp.remove());

describe('the source probe', () => {
  test('lets baseline H.264 without B-frames pass through, and reports what it found', async () => {
    const info = await probeSource(resolveFfprobe(), copyable, streamEncoding('720p30'));
    assert.equal(info.copyBlocker, null);
    assert.deepEqual(info.video, { codec: 'h264', width: 320, height: 240, fps: 30 });
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

  test('refuses a file that is not media with a readable reason', async () => {
    await assert.rejects(
      probeSource(resolveFfprobe(), new URL(import.meta.url).pathname, streamEncoding('720p30')),
      (error: unknown) =>
        error instanceof UnsupportedSourceError && /cannot read the media/.test(error.message),
    );
  });
});
