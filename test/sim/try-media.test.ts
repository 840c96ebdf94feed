// `npm run try-media` as an operator runs it on their own files: one JSON line about what the viewer
// got. A 23.976 fps film with an English default and a Japanese second track, played with
// `--audio jpn --out DIR`: the picture keeps its rate, the Japanese track is the one heard in the
// viewer's recording, and there is a PNG per second. A file cut short: most of what it holds
// arrives, and the ending says so in words.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { resolveFfmpeg } from '../../src/media/ffmpeg-binary.ts';
import { energyAt, monoSamples } from '../support/tones.ts';

const run = promisify(execFile);
const ffmpeg = resolveFfmpeg();
const FILM_SECONDS = 6;
const [ENGLISH_HZ, JAPANESE_HZ] = [440, 1000];

async function tryMedia(args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, ['sim/try-media.ts', ...args, '--json'], {
    timeout: 180_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Record<string, unknown>;
}

describe('npm run try-media', { timeout: 400_000 }, () => {
  const folder = mkdtempSync(join(tmpdir(), 'orb-try-media-test-'));
  const film = join(folder, 'two-tongues.mkv');
  const cutShort = join(folder, 'cut-short.mp4');

  before(async () => {
    const tone = (hz: number) => [
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=${hz}:sample_rate=48000:duration=${FILM_SECONDS}`,
    ];
    const picture = ['-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=24000/1001:duration=${FILM_SECONDS}`];
    await run(ffmpeg, [
      ...['-hide_banner', '-loglevel', 'error', '-y', ...picture, ...tone(ENGLISH_HZ), ...tone(JAPANESE_HZ)],
      ...[
        '-map',
        '0:v',
        '-map',
        '1:a',
        '-map',
        '2:a',
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-c:a',
        'aac',
      ],
      ...['-metadata:s:a:0', 'language=eng', '-metadata:s:a:1', 'language=jpn'],
      ...['-disposition:a:0', 'default', '-disposition:a:1', '0', film],
    ]);
    const whole = join(folder, 'whole.mp4');
    await run(ffmpeg, [
      ...['-hide_banner', '-loglevel', 'error', '-y', ...picture, ...tone(ENGLISH_HZ)],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-bf', '0', '-g', '24', '-c:a', 'aac', whole],
    ]);
    // The index first (faststart), so a cut file still opens and promises every second it lost.
    await run(ffmpeg, [
      ...['-hide_banner', '-loglevel', 'error', '-y', '-i', whole, '-c', 'copy'],
      ...['-movflags', '+faststart', cutShort],
    ]);
    truncateSync(cutShort, Math.floor(statSync(cutShort).size * 0.6));
  });
  after(() => rmSync(folder, { recursive: true, force: true }));

  test('a 23.976 fps film with --audio jpn: its own rate, the Japanese track heard, a PNG per second', async () => {
    const out = join(folder, 'out');
    const result = await tryMedia([film, '--audio', 'jpn', '--out', out]);
    assert.equal(result.width, 640);
    assert.equal(result.height, 360);
    assert.ok(Math.abs(Number(result.fps) - 24_000 / 1001) <= 0.01, `fps ${result.fps}`);
    assert.match(String(result.audioTrack), /japanese|jpn/i);
    assert.equal(result.endedReason, 'played to the end');
    assert.ok(Number(result.videoFrames) >= FILM_SECONDS * 23, `${result.videoFrames} frames`);
    assert.ok(Number(result.audioSeconds) >= FILM_SECONDS - 0.5, `${result.audioSeconds} s of sound`);
    assert.ok(Number(result.firstFrameMs) > 0);

    const pngs = readdirSync(out).filter((name) => name.endsWith('.png'));
    assert.ok(Math.abs(pngs.length - FILM_SECONDS) <= 1, `${pngs.length} PNGs`);
    const samples = await monoSamples(join(out, 'viewer.mp4'));
    assert.ok(
      energyAt(samples, JAPANESE_HZ) > 10 * energyAt(samples, ENGLISH_HZ),
      'the viewer hears the Japanese track',
    );
  });

  test('a file cut short: what it holds arrives, and the ending says so in words', async () => {
    const result = await tryMedia([cutShort]);
    const heldSeconds = FILM_SECONDS * 0.6;
    assert.ok(
      Number(result.videoFrames) >= 0.95 * heldSeconds * 23.976 * 0.9,
      `${result.videoFrames} frames of about ${Math.round(heldSeconds * 23.976)} held`,
    );
    assert.match(String(result.endedReason), /ended early/i);
    assert.doesNotMatch(String(result.endedReason), /127\.0\.0\.1|https?:|ffmpeg/i);
  });

  test('a missing file is refused with the usage line', async () => {
    await assert.rejects(
      run(process.execPath, ['sim/try-media.ts', join(folder, 'nope.mkv')]),
      (error: unknown) => {
        const { code, stderr } = error as { code: number; stderr: string };
        assert.equal(code, 2);
        assert.match(stderr, /is not a file/);
        assert.match(stderr, /usage: npm run try-media/);
        return true;
      },
    );
  });
});
