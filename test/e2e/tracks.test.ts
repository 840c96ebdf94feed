// Tracks through the whole stack, judged by what the DAVE viewer in the voice channel received: the
// simulator's dual-audio film (English default at 440 Hz, Japanese at 660 Hz; a subtitle cue one
// second on, one second off over a black band) queued with `audio: jpn` and `subtitles: eng`, then
// switched to English mid-film. The viewer hears Japanese, then English, about as much sound as the
// film holds (so the switch went on where the party was), and sees the subtitles come and go.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { defaultTitles } from '../../sim/jellyfin/library.ts';
import { SUBTITLE_BAND_HEIGHT } from '../../sim/jellyfin/media.ts';
import { type Stack, startStack } from '../../sim/stack/index.ts';
import { waitForPanel } from '../../sim/stack/panel.ts';
import { probeViewerOutput } from '../../sim/stack/viewer-output.ts';
import { waitFor } from '../../sim/wait-for.ts';
import { resolveFfmpeg } from '../../src/media/ffmpeg-binary.ts';
import { energyAt, monoSamples } from '../support/tones.ts';

const run = promisify(execFile);
const WAIT_MS = 45_000;
const FILM_SECONDS = 8;

/** Lengths of the runs of frames with and without a subtitle in the band, in order. */
function subtitleRuns(lit: boolean[]): { lit: boolean; frames: number }[] {
  const runs: { lit: boolean; frames: number }[] = [];
  for (const frame of lit) {
    const last = runs.at(-1);
    if (last?.lit === frame) last.frames += 1;
    else runs.push({ lit: frame, frames: 1 });
  }
  return runs;
}

describe('tracks through the whole stack, as the viewer receives them', { timeout: 180_000 }, () => {
  let stack: Stack;
  const viewerDir = mkdtempSync(join(tmpdir(), 'orb-e2e-tracks-'));

  before(async () => {
    stack = await startStack({ viewerDir });
  });
  after(async () => {
    await stack?.stop();
    rmSync(viewerDir, { recursive: true, force: true });
  });

  test('`audio: jpn` plays Japanese, English after a switch mid-film, subtitles only in their cues', async () => {
    const { discord, people, jellyfin, voice } = stack;
    await discord.interactions
      .command({ user: people.alice }, 'watchparty', 'create', { title: 'Tracks night' })
      .reply(WAIT_MS);
    const film = jellyfin.library.byName(defaultTitles.dualAudio);
    const queued = await discord.interactions
      .command({ user: people.alice }, 'watchparty', 'queue', {
        media: film.id,
        audio: 'jpn',
        subtitles: 'eng',
      })
      .reply(WAIT_MS);
    assert.equal(queued.content, `Starting **${defaultTitles.dualAudio}** now.`);

    // Three seconds of sound in, switch to English: the film goes on from there.
    await waitFor('3 s of sound at the viewer', () => voice.viewer.audioFramesReceived >= 150, WAIT_MS, 20);
    const switched = await discord.interactions
      .command({ user: people.alice }, 'watchparty', 'audio', { track: 'eng' })
      .reply(WAIT_MS);
    assert.match(switched.content, /^Audio: English · English · AAC stereo · default\. Playing on/);
    await waitForPanel(
      discord,
      null,
      'the film to end',
      (panel) => panel.title === 'Nothing playing',
      WAIT_MS,
    );
    await stack.stop(); // the viewer's files are complete once the voice simulator stops

    const files = voice.viewer.files!;
    const probe = await probeViewerOutput(files);
    // Opus frames of 20 ms: what the viewer heard, gaps not counted (a restart from 0:00 would add 3 s).
    const soundSeconds = voice.viewer.audioFramesReceived * 0.02;
    assert.ok(
      soundSeconds > FILM_SECONDS - 1 && soundSeconds < FILM_SECONDS + 1,
      `${soundSeconds} s of sound for an ${FILM_SECONDS} s film: the switch went on where it was`,
    );
    const samples = await monoSamples(files.audio);
    const firstTwo = samples.subarray(0, 2 * 48_000);
    const lastTwo = samples.subarray(samples.length - 2 * 48_000);
    assert.ok(energyAt(firstTwo, 660) > energyAt(firstTwo, 440) * 20, 'Japanese at first');
    assert.ok(energyAt(lastTwo, 440) > energyAt(lastTwo, 660) * 20, 'English after the switch');

    const { width, height } = probe;
    const { stdout: video } = await run(
      resolveFfmpeg(),
      ['-v', 'error', '-f', 'h264', '-i', files.video, '-f', 'rawvideo', '-pix_fmt', 'gray', '-'],
      { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 },
    );
    const frameBytes = width * height;
    const bandTop = height - Math.round((SUBTITLE_BAND_HEIGHT * height) / 240) + 4;
    const lit: boolean[] = [];
    for (let frame = 0; frame < Math.floor(video.length / frameBytes); frame += 1) {
      const band = video.subarray(frame * frameBytes + bandTop * width, (frame + 1) * frameBytes - 2 * width);
      lit.push(band.filter((pixel) => pixel > 150).length > 40);
    }
    const runs = subtitleRuns(lit);
    const fps = lit.length / soundSeconds;
    const cues = runs.filter((run) => run.lit);
    assert.ok(cues.length >= 3, `subtitles came and went: ${JSON.stringify(runs)}`);
    for (const cue of cues.slice(0, -1)) {
      assert.ok(
        cue.frames > fps * 0.6 && cue.frames < fps * 1.4,
        `a one-second cue shows for about a second: ${cue.frames} frames at ${fps.toFixed(1)} fps`,
      );
    }
  });
});
