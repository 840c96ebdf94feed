// Film night sources through the worker's own probe and ffmpeg arguments (over HTTP through the
// credential-adding proxy, as in production), and what comes out: a 23.976 film keeps its rate with
// no frame shown twice, 59.94 halves to 29.97, an interlaced anamorphic DVD is deinterlaced into the
// square-pixel size op 12 announces, HDR becomes BT.709, a 5.1 mix keeps dialogue in front, and
// loudness levelling lifts a quiet film.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { resolveFfmpeg, resolveFfprobe } from '../../src/media/ffmpeg-binary.ts';
import { segmentArgs } from '../../src/worker/media/ffmpeg-args.ts';
import { announcedVideo } from '../../src/worker/media/output-picture.ts';
import { probeSource, type SourceInfo } from '../../src/worker/media/probe.ts';
import type { SourceProxy } from '../../src/worker/media/source-proxy.ts';
import { type StreamEncoding, streamEncoding } from '../../src/worker/media/stream-encoding.ts';
import { type FilmSource, interlacedShare, makeFilmSource } from './support/film-sources.ts';
import {
  type MediaServer,
  makeTempDir,
  startMediaServer,
  startSourceProxy,
} from './support/media-fixtures.ts';

const run = promisify(execFile);
const ffmpeg = resolveFfmpeg();
const ffprobe = resolveFfprobe();
const profile = streamEncoding('720p30');

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let server: MediaServer;
let proxy: SourceProxy;
/** Each source's file, also served as the Jellyfin item of that name. */
const files = new Map<FilmSource, string>();

before(async () => {
  temp = await makeTempDir();
  server = await startMediaServer();
  proxy = await startSourceProxy(server);
  const names: FilmSource[] = ['film', 'tv5994', 'vfr', 'dvd', 'hdr', 'centre', 'rear', 'front', 'quiet'];
  await Promise.all(
    names.map(async (name) => {
      const file = await makeFilmSource(temp.dir, name, name === 'dvd' ? 5 : 2);
      files.set(name, file);
      server.serve(name, file);
    }),
  );
});

after(async () => {
  await proxy.close();
  await server.close();
  await temp.remove();
});

interface Transcoded {
  source: SourceInfo;
  /** The worker's output for the whole source, as a Matroska file. */
  file: string;
}

/** Probes item `name` and runs the worker's transcode of it into a file. */
async function transcode(name: FilmSource, encoding: StreamEncoding = profile): Promise<Transcoded> {
  const proxied = proxy.register(server.streamUrl(name));
  const source = await probeSource(ffprobe, proxied.url, encoding);
  const args = segmentArgs({ url: proxied.url, source, encoding, mode: 'transcode', startSeconds: 0 });
  assert.equal(args.at(-1), 'pipe:1');
  const file = join(temp.dir, `${name}-${encoding.normalizeAudio ? 'levelled' : 'out'}.mkv`);
  await run(ffmpeg, [...args.slice(0, -1), '-y', file]);
  proxied.release();
  return { source, file };
}

async function probeJson(file: string, entries: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(ffprobe, ['-v', 'error', ...entries, '-of', 'json', file]);
  return JSON.parse(stdout) as Record<string, unknown>;
}

/** Presentation times of a file's video frames, in seconds, in order. */
async function videoTimes(file: string): Promise<number[]> {
  const { packets } = (await probeJson(file, [
    '-select_streams',
    'v:0',
    '-show_entries',
    'packet=pts_time',
  ])) as {
    packets: { pts_time: string }[];
  };
  return packets.map((packet) => Number(packet.pts_time)).sort((a, b) => a - b);
}

/** Video frames in a file, and their rate from the first and last timestamps. */
async function frameTiming(file: string): Promise<{ fps: number; frames: number }> {
  const times = await videoTimes(file);
  return { fps: (times.length - 1) / (times.at(-1)! - times[0]!), frames: times.length };
}

/** Intervals between consecutive video frames, in milliseconds. */
async function frameGapsMs(file: string): Promise<number[]> {
  const times = await videoTimes(file);
  return times.slice(1).map((time, index) => (time - times[index]!) * 1000);
}

async function videoStream(file: string): Promise<Record<string, string | number>> {
  const { streams } = (await probeJson(file, [
    ...['-select_streams', 'v:0', '-show_entries'],
    'stream=width,height,sample_aspect_ratio,pix_fmt,color_transfer,color_primaries,color_space',
  ])) as { streams: Record<string, string | number>[] };
  return streams[0]!;
}

/** Mean volume (dBFS) of the first audio stream. */
async function meanVolume(file: string): Promise<number> {
  const { stderr } = await run(ffmpeg, [
    '-hide_banner',
    '-i',
    file,
    '-map',
    '0:a',
    '-af',
    'volumedetect',
    '-f',
    'null',
    '-',
  ]);
  const match = /mean_volume: (-?[\d.]+) dB/.exec(stderr);
  assert.ok(match, 'volumedetect printed the mean volume');
  return Number(match[1]);
}

describe('the transcoded picture', () => {
  // A conversion by repeated frames would show up as more frames than the source has (a lossy
  // encoder refines each repeat, so they are not byte-identical): the counts must match.
  test('a 23.976 fps film is sent at 23.976 fps, every frame once', async () => {
    const { source, file } = await transcode('film');
    assert.deepEqual(source.video.frameRate, { rate: { num: 24_000, den: 1001 }, variable: false });
    const timing = await frameTiming(file);
    assert.ok(Math.abs(timing.fps - 24_000 / 1001) < 0.01, `output fps ${timing.fps}`);
    assert.equal(timing.frames, (await frameTiming(files.get('film')!)).frames);
  });

  test('59.94 fps is halved to 29.97 fps: every other frame, none twice', async () => {
    const { file } = await transcode('tv5994');
    const timing = await frameTiming(file);
    assert.ok(Math.abs(timing.fps - 30_000 / 1001) < 0.01, `output fps ${timing.fps}`);
    const sourceFrames = (await frameTiming(files.get('tv5994')!)).frames;
    assert.ok(Math.abs(timing.frames - sourceFrames / 2) <= 1, `${timing.frames} of ${sourceFrames}`);
  });

  test('a variable frame rate becomes a constant rate at its average, without adding frames', async () => {
    const { source, file } = await transcode('vfr');
    assert.equal(source.video.frameRate?.variable, true);
    const { fps: averageFps, frames: sourceFrames } = await frameTiming(files.get('vfr')!);
    const timing = await frameTiming(file);
    assert.ok(
      Math.abs(timing.fps - averageFps) < 0.05,
      `output fps ${timing.fps}, source average ${averageFps}`,
    );
    assert.ok(Math.abs(timing.frames - sourceFrames) <= 2, `${timing.frames} frames from ${sourceFrames}`);
    const gaps = await frameGapsMs(file);
    assert.ok(
      Math.max(...gaps) - Math.min(...gaps) <= 2,
      `frame intervals ${Math.min(...gaps)}-${Math.max(...gaps)} ms`,
    );
  });

  test('an interlaced anamorphic DVD comes out without combing, in square pixels at the announced size', async () => {
    const { source, file } = await transcode('dvd');
    assert.equal(source.video.fieldOrder, 'top-first');
    assert.ok(Math.abs(source.video.pixelAspect - 32 / 27) < 0.001);
    assert.ok((await interlacedShare(files.get('dvd')!)) > 0.5);
    assert.ok((await interlacedShare(file)) < 0.05);
    const stream = await videoStream(file);
    const announced = announcedVideo(source.video, 'transcode', profile);
    assert.deepEqual([stream.width, stream.height], [announced.width, announced.height]);
    assert.deepEqual([announced.width, announced.height], [854, 480]);
    assert.ok(['1:1', undefined].includes(stream.sample_aspect_ratio as string | undefined));
  });

  test('HDR10 is tone-mapped to 8-bit BT.709', async () => {
    const { source, file } = await transcode('hdr');
    assert.equal(source.video.hdr, 'smpte2084');
    const stream = await videoStream(file);
    assert.equal(stream.pix_fmt, 'yuv420p');
    assert.equal(stream.color_transfer, 'bt709');
    assert.equal(stream.color_primaries, 'bt709');
  });
});

describe('the transcoded sound', () => {
  test('a 5.1 mix keeps the centre (dialogue) well above the surrounds and above the fronts', async (t) => {
    const [centre, rear, front] = await Promise.all(
      (['centre', 'rear', 'front'] as const).map(async (name) => meanVolume((await transcode(name)).file)),
    );
    t.diagnostic(`mean volume: centre ${centre} dB, front ${front} dB, rear ${rear} dB`);
    assert.ok(centre! - rear! >= 6, `centre ${centre} dB, rear ${rear} dB`);
    assert.ok(centre! - front! >= 2, `centre ${centre} dB, front ${front} dB`);
  });

  test('AUDIO_NORMALIZE lifts a quiet soundtrack; without it the level is left as it is', async (t) => {
    const plain = await meanVolume((await transcode('quiet')).file);
    const levelled = await meanVolume(
      (await transcode('quiet', streamEncoding('720p30', undefined, { normalizeAudio: true }))).file,
    );
    t.diagnostic(`mean volume: plain ${plain} dB, levelled ${levelled} dB`);
    assert.ok(levelled - plain >= 10, `plain ${plain} dB, levelled ${levelled} dB`);
  });
});
