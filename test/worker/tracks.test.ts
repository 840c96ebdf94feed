// Tracks as a viewer would get them: the simulator's dual-audio film (an English default track
// beeping at 440 Hz, a Japanese one at 660 Hz; cues one second on, one second off over a black band
// at the bottom) played by a real worker from the bot's own playback details, and what it sent
// decoded again. The audio's pitch says which track plays; the band's pixels, at each frame's media
// time, say whether a subtitle was burned in during its cue and left out between cues.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { OggOpusWriter } from '../../sim/discord/voice/ogg-opus-writer.ts';
import { defaultTitles } from '../../sim/jellyfin/library.ts';
import { SUBTITLE_BAND_HEIGHT } from '../../sim/jellyfin/media.ts';
import { type JellyfinSim, startJellyfinSim } from '../../sim/jellyfin/server.ts';
import { waitFor } from '../../sim/wait-for.ts';
import { JellyfinClient } from '../../src/jellyfin/client.ts';
import { JellyfinMediaLibrary } from '../../src/jellyfin/media-library.ts';
import { createLogger } from '../../src/logger.ts';
import { resolveFfmpeg } from '../../src/media/ffmpeg-binary.ts';
import type { PlaybackDetails } from '../../src/watchparty/media-library.ts';
import {
  noTrackDefaults,
  parseTrackRequest,
  resolveTracks,
  type TrackChoice,
  trackSelection,
} from '../../src/watchparty/tracks.ts';
import type { CapturedFrame } from '../../src/worker/capture-sink.ts';
import type { SourceProxy } from '../../src/worker/media/source-proxy.ts';
import { streamEncoding } from '../../src/worker/media/stream-encoding.ts';
import type { WorkerEvent } from '../../src/worker-contract/http.ts';
import { energyAt, monoSamples } from '../support/tones.ts';
import {
  makeTempDir,
  openCaptureSession,
  startSourceProxy,
  targetPlayRequest,
} from './support/media-fixtures.ts';

const run = promisify(execFile);
const logger = createLogger({ level: 'silent', pretty: false });
const ENGLISH_HZ = 440;
const JAPANESE_HZ = 660;

let sim: JellyfinSim;
let proxy: SourceProxy;
let details: PlaybackDetails;
let temp: Awaited<ReturnType<typeof makeTempDir>>;

before(async () => {
  temp = await makeTempDir();
  sim = await startJellyfinSim();
  const library = new JellyfinMediaLibrary(new JellyfinClient({ baseUrl: sim.url, apiKey: sim.apiKey }));
  details = await library.playbackDetails(sim.library.byName(defaultTitles.dualAudio).id);
  proxy = await startSourceProxy(sim);
});

after(async () => {
  await proxy.close();
  await sim.stop();
  await temp.remove();
});

interface Received {
  /** Per video frame: its media time and how many band pixels are lit (and how many yellow). */
  frames: { ms: number; lit: number; yellow: number }[];
  /** Energy at each beep frequency in the decoded audio. */
  energy: { english: number; japanese: number };
}

/** Plays the film with `choice` from `startSeconds`, and decodes what the worker sent. */
async function play(name: string, choice: TrackChoice, startSeconds = 0): Promise<Received> {
  const { session, sink } = await openCaptureSession(
    { proxy, encoding: streamEncoding('720p30'), playbackRate: 3 },
    logger,
    { keepData: true },
  );
  const events: WorkerEvent[] = [];
  session.subscribe((event) => events.push(event));
  session.play(
    targetPlayRequest(
      details.target,
      startSeconds,
      trackSelection(resolveTracks(details, choice, noTrackDefaults)),
    ),
  );
  const ended = await waitFor(
    'the film to end',
    () => events.find((event) => event.type === 'ended'),
    60_000,
  );
  await session.close('test over');
  assert.equal(ended.type === 'ended' && ended.reason, 'finished');
  const video = sink.frames.filter((frame) => frame.kind === 'video');
  const audio = sink.frames.filter((frame) => frame.kind === 'audio');
  const { width, height } = sink.items[0]!.video;
  return {
    frames: await decodeBand(join(temp.dir, `${name}.h264`), video, width, height, startSeconds),
    energy: await decodeTones(join(temp.dir, `${name}.ogg`), audio),
  };
}

/** The sink's clock starts at the first frame sent; the film's time is where playback started, plus that. */
async function decodeBand(
  path: string,
  frames: CapturedFrame[],
  width: number,
  height: number,
  startSeconds: number,
) {
  await writeFile(path, Buffer.concat(frames.map((frame) => frame.data!)));
  const { stdout } = await run(
    resolveFfmpeg(),
    ['-v', 'error', '-f', 'h264', '-i', path, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 },
  );
  const frameBytes = width * height * 3;
  const bandTop = height - Math.round((SUBTITLE_BAND_HEIGHT * height) / 240) + 4;
  const decoded = Math.floor(stdout.length / frameBytes);
  assert.ok(decoded >= frames.length * 0.98, `decoded ${decoded} of ${frames.length} frames`);
  return frames.slice(0, decoded).map((frame, index) => {
    let lit = 0;
    let yellow = 0;
    for (let y = bandTop; y < height - 2; y += 1) {
      for (let x = 0; x < width; x += 1) {
        const at = index * frameBytes + (y * width + x) * 3;
        const [r, g, b] = [stdout[at]!, stdout[at + 1]!, stdout[at + 2]!];
        if (r > 150 && g > 150) lit += 1;
        if (r > 150 && g > 150 && b < 90) yellow += 1;
      }
    }
    return { ms: startSeconds * 1000 + frame.ptsMs - frames[0]!.ptsMs, lit, yellow };
  });
}

/** Goertzel energy of the decoded audio at both beep pitches. */
async function decodeTones(path: string, frames: CapturedFrame[]) {
  const ogg = new OggOpusWriter(path);
  for (const [index, frame] of frames.entries()) ogg.write(frame.data!, BigInt(index * 960));
  await ogg.close();
  const samples = await monoSamples(path);
  return { english: energyAt(samples, ENGLISH_HZ), japanese: energyAt(samples, JAPANESE_HZ) };
}

/** Cues run [1, 2), [3, 4), … seconds; frames well inside or well outside them. */
function duringCues(frames: Received['frames']) {
  const phase = (ms: number) => (ms / 1000) % 2;
  return {
    inside: frames.filter((frame) => phase(frame.ms) > 1.15 && phase(frame.ms) < 1.85),
    outside: frames.filter((frame) => phase(frame.ms) > 0.15 && phase(frame.ms) < 0.85),
  };
}

function assertBurnedDuringCuesOnly(frames: Received['frames'], what: string) {
  const { inside, outside } = duringCues(frames);
  assert.ok(inside.length > 10 && outside.length > 10, `${what}: frames in and out of cues`);
  const shown = inside.filter((frame) => frame.lit > 40);
  assert.equal(shown.length, inside.length, `${what}: a subtitle on every frame during a cue`);
  assert.deepEqual(
    outside.filter((frame) => frame.lit > 0).map((frame) => frame.ms),
    [],
    `${what}: nothing drawn between cues`,
  );
}

describe('audio and subtitle tracks as a viewer receives them', { timeout: 240_000 }, () => {
  test('by default the English track plays and no subtitle is drawn', async () => {
    const received = await play('default', { audioStreamIndex: null, subtitleStreamIndex: null });
    assert.ok(
      received.energy.english > received.energy.japanese * 20,
      `English ${received.energy.english} vs Japanese ${received.energy.japanese}`,
    );
    assert.deepEqual(
      received.frames.filter((frame) => frame.lit > 0).map((frame) => frame.ms),
      [],
      'the band stays empty',
    );
  });

  test('`jpn` audio plays the Japanese track, and English SRT subtitles show during their cues only', async () => {
    const choice = {
      audioStreamIndex: parseTrackRequest('jpn', details.audioTracks, 'audio'),
      subtitleStreamIndex: parseTrackRequest('eng', details.subtitleTracks, 'subtitles'),
    };
    const received = await play('japanese-srt', choice);
    assert.ok(
      received.energy.japanese > received.energy.english * 20,
      `Japanese ${received.energy.japanese} vs English ${received.energy.english}`,
    );
    assertBurnedDuringCuesOnly(received.frames, 'SRT');
  });

  test('ASS subtitles keep their yellow styling, and stay on their cues after a seek', async () => {
    const ass = details.subtitleTracks.find((track) => track.codec === 'ass')!;
    const received = await play(
      'ass-seeked',
      { audioStreamIndex: null, subtitleStreamIndex: ass.index },
      2.4,
    );
    assertBurnedDuringCuesOnly(received.frames, 'ASS after a seek');
    const { inside } = duringCues(received.frames);
    assert.ok(
      inside.every((frame) => frame.yellow > frame.lit / 2),
      'the ASS style (yellow) is kept',
    );
  });

  test('an external SRT file beside the film is burned in too', async () => {
    const external = details.subtitleTracks.find((track) => track.isExternal)!;
    const received = await play('external', { audioStreamIndex: null, subtitleStreamIndex: external.index });
    assertBurnedDuringCuesOnly(received.frames, 'external SRT');
    assert.ok(
      sim.requests.some((request) => request.path.includes(`/Subtitles/${external.index}/`)),
      'read from Jellyfin',
    );
  });
});
