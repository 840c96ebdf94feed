// `npm run try-media -- FILE [--audio LANG|INDEX] [--subtitles LANG|INDEX|off] [--seek TIME]
// [--seconds N] [--out DIR] [--json]`: will this file play, and how? The Jellyfin simulator serves
// the operator's own file with its real tracks; the real bot queues it for a member as Discord would
// (tracks chosen through the same autocomplete a member uses), a real worker Go-Lives it into the
// voice simulator, and the DAVE viewer records what a watcher would get. Prints what was measured
// there: how the worker sent it and why, the picture's size and rate, the frames and sound that
// arrived, the tracks, and how the item ended, in words a person understands.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { resolveFfprobe } from '../src/media/ffmpeg-binary.ts';
import { simId } from './jellyfin/library.ts';
import { parseLogLine, type Stack, startStack } from './stack/index.ts';
import { exportViewerOutput, probeViewerOutput } from './stack/viewer-output.ts';
import { waitFor } from './wait-for.ts';

const run = promisify(execFile);
const RTP_VIDEO_CLOCK = 90_000;
const STEP_TIMEOUT_MS = 60_000;
/** Without --seconds an item plays to its end, but for no longer than this. */
const DEFAULT_MAX_SECONDS = 30;

interface Options {
  file: string;
  audio: string | null;
  subtitles: string | null;
  seek: string | null;
  seconds: number | null;
  out: string | null;
  json: boolean;
}

const usage =
  'usage: npm run try-media -- FILE [--audio LANG|INDEX] [--subtitles LANG|INDEX|off] [--seek TIME] [--seconds N] [--out DIR] [--json]';

class UsageError extends Error {}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    file: '',
    audio: null,
    subtitles: null,
    seek: null,
    seconds: null,
    out: null,
    json: false,
  };
  const valued = new Set(['--audio', '--subtitles', '--seek', '--seconds', '--out']);
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] ?? '';
    if (arg === '--json') {
      options.json = true;
    } else if (valued.has(arg)) {
      const value = argv[++index];
      if (value === undefined) throw new UsageError(`${arg} needs a value`);
      if (arg === '--audio') options.audio = value;
      if (arg === '--subtitles') options.subtitles = value;
      if (arg === '--seek') options.seek = value;
      if (arg === '--out') options.out = resolve(value);
      if (arg === '--seconds') {
        options.seconds = Number(value);
        if (!Number.isFinite(options.seconds) || options.seconds <= 0) {
          throw new UsageError('--seconds must be a positive number');
        }
      }
    } else if (arg.startsWith('--')) {
      throw new UsageError(`unknown option ${arg}`);
    } else if (options.file === '') {
      options.file = resolve(arg);
    } else {
      throw new UsageError(`only one FILE, not also ${arg}`);
    }
  }
  if (options.file === '') throw new UsageError('which FILE?');
  if (!existsSync(options.file) || !statSync(options.file).isFile()) {
    throw new UsageError(`${options.file} is not a file`);
  }
  return options;
}

/** The container's own duration, when ffprobe can read the file at all. */
async function fileDuration(file: string): Promise<number | null> {
  try {
    const { stdout } = await run(resolveFfprobe(), [
      ...['-v', 'error', '-show_entries', 'format=duration', '-of', 'json', file],
    ]);
    const seconds = Number((JSON.parse(stdout) as { format?: { duration?: string } }).format?.duration);
    return Number.isFinite(seconds) && seconds > 0 ? seconds : null;
  } catch {
    return null;
  }
}

/** The worker's decision, from its "source probed" log line (relayed on the bot's log). */
interface ProbedSource {
  mode: string | null;
  reason: string | null;
}

function readProbedSource(logLines: readonly string[]): ProbedSource {
  for (const line of [...logLines].reverse()) {
    const entry = parseLogLine(line);
    if (entry?.msg !== 'source probed') continue;
    // The bot relays a worker's fields under `worker` (src/worker-pool/worker-process.ts).
    const { mode, copyBlocker } = (entry.worker ?? {}) as { mode?: string; copyBlocker?: string | null };
    return { mode: mode ?? null, reason: copyBlocker ?? null };
  }
  return { mode: null, reason: null };
}

/** Opus frames on Discord carry 20 ms of sound each. */
const OPUS_FRAME_SECONDS = 0.02;

/** Frames per second as sent: frame count over the RTP time they span (unwrapped, 90 kHz). */
function sentFrameRate(timestamps: readonly number[]): number | null {
  if (timestamps.length < 2) return null;
  let span = 0;
  for (let index = 1; index < timestamps.length; index += 1) {
    const step = ((timestamps[index] ?? 0) - (timestamps[index - 1] ?? 0)) >>> 0;
    // A pause or a seek leaves a gap in the clock: count only the steady steps.
    if (step > 0 && step < RTP_VIDEO_CLOCK / 2) span += step;
  }
  return span > 0 ? ((timestamps.length - 1) * RTP_VIDEO_CLOCK) / span : null;
}

interface Api {
  get(path: string): Promise<unknown>;
}

function apiClient(stack: Stack): Api {
  return {
    async get(path) {
      const response = await fetch(`${stack.api.url}${path}`, {
        headers: { authorization: `Bearer ${stack.api.token}` },
      });
      if (!response.ok) throw new Error(`the bot's API answered ${response.status} for ${path}`);
      return response.json();
    },
  };
}

interface PartyView {
  current: { id: number; status: string } | null;
  history: { id: number; status: string }[];
  worker: { lastError: string | null } | null;
  recentEvents: { type: string; payload: unknown }[];
}

async function theParty(api: Api): Promise<{ id: number; view: () => Promise<PartyView> }> {
  const { sessions } = (await api.get('/sessions')) as { sessions: { id: number }[] };
  const id = sessions[0]?.id;
  if (id === undefined) throw new Error('the bot created no party');
  return { id, view: async () => (await api.get(`/sessions/${id}`)) as PartyView };
}

/** How the item ended, in the words the party shows its members (their panel's line, else its record). */
function endedReasonOf(view: PartyView, entryId: number, stoppedAfter: number | null): string {
  if (stoppedAfter !== null) return `still playing after ${stoppedAfter} s; try-media stopped it there`;
  const ended = view.recentEvents.find(
    (event) =>
      event.type === 'item-ended' &&
      (event.payload as { endedEntryId?: number } | null)?.endedEntryId === entryId,
  );
  const payload = (ended?.payload ?? {}) as { reason?: string; error?: string | null };
  if (payload.reason === 'finished') return 'played to the end';
  const failed = view.recentEvents.find((event) => event.type === 'failed')?.payload as
    | { message?: string }
    | undefined;
  const said = view.worker?.lastError ?? payload.error ?? failed?.message;
  if (said) return said;
  const entry = view.history.find((candidate) => candidate.id === entryId);
  return entry ? `the item is ${entry.status}` : 'the item ended without a reason';
}

async function pickTrack(
  stack: Stack,
  option: 'audio' | 'subtitles',
  wanted: string,
  mediaId: string,
): Promise<{ value: string; name: string }> {
  const choices = await stack.discord.interactions
    .autocomplete({ user: stack.people.alice }, 'watchparty', 'queue', option, wanted, { media: mediaId })
    .choices(STEP_TIMEOUT_MS);
  const first = choices[0];
  if (!first) throw new UsageError(`the file has no ${option} track matching "${wanted}"`);
  return { value: String(first.value), name: first.name };
}

interface Outcome {
  mode: string | null;
  reason: string | null;
  width: number;
  height: number;
  fps: number | null;
  videoFrames: number;
  audioSeconds: number;
  audioChannels: number | null;
  audioTrack: string;
  subtitleTrack: string;
  avOffsetMs: number | null;
  firstFrameMs: number | null;
  endedReason: string;
}

async function tryMedia(options: Options, viewerDir: string, say: (line: string) => void): Promise<Outcome> {
  const logLines: string[] = [];
  const duration = await fileDuration(options.file);
  const name = basename(options.file);
  const itemId = simId(`try-media:${options.file}`);
  const stack = await startStack({
    viewerDir,
    onBotLog: (line) => {
      logLines.push(line);
      if (process.env.TRY_MEDIA_DEBUG) console.error(line);
    },
    extraItems: [
      {
        id: itemId,
        type: 'Movie',
        name,
        runtimeSeconds: duration ?? undefined,
        locationType: 'FileSystem',
        media: { kind: 'file', path: options.file },
      },
    ],
  });
  try {
    const { alice } = stack.people;
    const command = (sub: string, values: Record<string, string> = {}) =>
      stack.discord.interactions.command({ user: alice }, 'watchparty', sub, values).reply(STEP_TIMEOUT_MS);
    say(`the simulated Jellyfin serves ${name}; alice creates a party`);
    await command('create', { title: 'try-media' });
    const queued: Record<string, string> = { media: itemId };
    let audioTrack = 'the file’s default';
    let subtitleTrack = 'the file’s default';
    if (options.audio !== null) {
      const track = await pickTrack(stack, 'audio', options.audio, itemId);
      queued.audio = track.value;
      audioTrack = track.name;
    }
    if (options.subtitles !== null) {
      const track = await pickTrack(stack, 'subtitles', options.subtitles, itemId);
      queued.subtitles = track.value;
      subtitleTrack = track.name;
    }
    const viewer = stack.voice.viewer;
    const queuedAt = Date.now();
    const reply = await command('queue', queued);
    say(`alice queues it → ${reply.content || '(embed)'}`);
    const api = apiClient(stack);
    const party = await theParty(api);
    const entryId = (await party.view()).current?.id ?? null;
    let firstFrameMs: number | null = null;
    await waitFor(
      'the first frame or the end of the item',
      async () => {
        if (viewer.videoFrames.length > 0) firstFrameMs ??= Date.now() - queuedAt;
        return firstFrameMs !== null || (await party.view()).current === null;
      },
      STEP_TIMEOUT_MS,
      50,
    ).catch(() => {});
    let windowStart = 0;
    if (options.seek !== null && firstFrameMs !== null) {
      const seekReply = await command('seek', { time: options.seek });
      say(`alice seeks to ${options.seek} → ${seekReply.content}`);
      windowStart = viewer.videoFrames.length;
    }
    const limitSeconds =
      options.seconds ?? Math.min(DEFAULT_MAX_SECONDS, (duration ?? DEFAULT_MAX_SECONDS) + 5);
    const deadline = Date.now() + limitSeconds * 1000;
    let stoppedAfter: number | null = null;
    while (firstFrameMs !== null) {
      const view = await party.view();
      if (view.current === null || view.current.id !== entryId) break;
      if (Date.now() >= deadline) {
        stoppedAfter = limitSeconds;
        break;
      }
      await new Promise((done) => setTimeout(done, 250));
    }
    const finalView = await party.view();
    const endedReason =
      entryId === null
        ? `the bot did not queue it: ${reply.content || 'no answer'}`
        : endedReasonOf(finalView, entryId, firstFrameMs === null ? null : stoppedAfter);
    await command('stop').catch(() => {});
    await waitFor(
      'the stream to end',
      () => stack.voice.connectedSessions().length === 0,
      STEP_TIMEOUT_MS,
      50,
    ).catch(() => {});
    const probed = readProbedSource(logLines);
    const files = viewer.files;
    const seen = files && viewer.videoFramesWritten > 0 ? await probeViewerOutput(files) : null;
    const timestamps = viewer.videoFrames.slice(windowStart).map((frame) => frame.rtpTimestamp);
    const fps = sentFrameRate(timestamps);
    const audioChannels = files && seen ? await audioChannelsOf(files.audio) : null;
    if (options.out && files && seen && seen.decodedFrames > 0) {
      const written = await exportViewerOutput(files, options.out, {
        fps: fps ?? 30,
        decodedFrames: seen.decodedFrames,
        pngCount: Math.max(1, Math.round(seen.decodedFrames / (fps ?? 30))),
      });
      say(`wrote ${written.mp4} and ${written.pngs.length} PNGs (one per second)`);
    }
    return {
      mode: probed.mode,
      reason: probed.reason,
      width: seen?.width ?? 0,
      height: seen?.height ?? 0,
      fps: fps === null ? null : Math.round(fps * 1000) / 1000,
      videoFrames: seen?.decodedFrames ?? 0,
      // Counted, not read from the Ogg file, whose timeline also spans the silences between items.
      audioSeconds:
        Math.round(
          viewer.audioFrames.filter((frame) => frame.daveDecrypted).length * OPUS_FRAME_SECONDS * 100,
        ) / 100,
      audioChannels,
      audioTrack,
      subtitleTrack: options.subtitles === 'off' ? 'off' : subtitleTrack,
      // Lip-sync can only be measured on content that marks it; an arbitrary film does not.
      avOffsetMs: null,
      firstFrameMs,
      endedReason,
    };
  } finally {
    await stack.stop();
  }
}

async function audioChannelsOf(file: string): Promise<number | null> {
  try {
    const { stdout } = await run(resolveFfprobe(), [
      ...['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'stream=channels', '-of', 'json', file],
    ]);
    const channels = (JSON.parse(stdout) as { streams?: { channels?: number }[] }).streams?.[0]?.channels;
    return channels ?? null;
  } catch {
    return null;
  }
}

async function main(): Promise<number> {
  let options: Options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof UsageError ? `${error.message}\n${usage}` : String(error));
    return 2;
  }
  const say = (line: string) => {
    if (!options.json) console.log(line);
  };
  const scratch = mkdtempSync(join(tmpdir(), 'orb-try-media-'));
  try {
    const outcome = await tryMedia(options, join(scratch, 'viewer'), say);
    if (options.json) {
      console.log(JSON.stringify(outcome));
    } else {
      for (const [key, value] of Object.entries(outcome)) console.log(`${key.padEnd(14)} ${value}`);
    }
    return 0;
  } catch (error) {
    console.error(error instanceof UsageError ? error.message : error);
    return error instanceof UsageError ? 2 : 1;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

process.exitCode = await main();
