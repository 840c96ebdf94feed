// `npm run bench -- capacity [--json] [--mode NAME] [--window SECONDS] [--max PARTIES]`: how many
// watch parties this machine carries, for each way of producing the stream (issue 21). On the real
// stack (the bot as its own process, one real stream worker per party Going Live into the voice
// simulator, the Jellyfin simulator serving the film) parties start one after another; after each
// start every party's stream is measured at the viewer over a window of wall time, and the ramp
// stops at the first window in which any party breaks its targets (_party-figures.ts). `parties`
// is the most that held them.
//
// Timing: every datagram is stamped when the voice simulator's media port reads it, on a thread of
// its own (the stack's `voiceMediaPort: 'thread'`, sim/discord/voice/media-port.ts), so a frame's
// arrival time is what a receiver on the network sees, however late this process's event loop runs
// with the simulators' work (DAVE/MLS in JavaScript, Jellyfin, the viewer's checks).
// test/bench/arrival-timing.test.ts shows the stamps read a steady sender as steady while this
// thread stalls, and a sender's 50 ms stalls as jitter. A late frame can still be late at the
// sender, its worker waiting for a core, so each step also reports how busy the machine's other
// processes kept the cores and how often runnable tasks waited (_machine-load.ts).
//
// CPU: the bot and everything under it (workers, their ffmpeg) per party per media second; the
// simulators (this process and its ffmpeg: Jellyfin serving, the viewer counting frames) apart,
// and so is Jellyfin preparing its transcode ahead, which in production runs on the Jellyfin
// server. The viewer watches (decrypts and writes) the first party's first seconds for the SSIM
// sample, then only counts frames (sim/discord/voice/viewer.ts, count mode) so that its own cost
// stays small.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { z } from 'zod';
import { simId } from '../sim/jellyfin/library.ts';
import type { JellyfinSimOptions } from '../sim/jellyfin/server.ts';
import { parseLogLine, type Stack, startStack } from '../sim/stack/index.ts';
import { waitFor } from '../sim/wait-for.ts';
import { type CapacityFilms, capacityFilms, FILM_FPS } from './_capacity-sources.ts';
import { cpuWaitSeconds, machineBusyCpuSeconds } from './_machine-load.ts';
import { type PartyFigures, partyFigures, TARGETS } from './_party-figures.ts';
import { viewerSsim } from './_picture-ssim.ts';
import { treeCpuSeconds } from './_processes.ts';
import { round } from './_round.ts';
import { PartyApi } from './_stack-party.ts';
import type { BenchOptions } from './run.ts';

const FILM_SECONDS = 600;
const STREAM_SIZE = { width: 1280, height: 720 };
/** Frames of the first party the viewer decrypts and writes for the SSIM sample (10 s). */
const SSIM_FRAMES = 10 * FILM_FPS;
/**
 * After a party's first frames, before its window: its worker's start-up (a Node process, ffprobe,
 * the Go Live and DAVE handshakes, on the same cores as the parties already playing) is not what
 * is measured.
 */
const SETTLE_MS = 10_000;
const PREPARED_DIR = '.cache/bench-capacity/jellyfin';
/** The event-loop delay histogram's timer; what it records beyond this is the loop's lateness. */
const LOOP_SAMPLE_MS = 5;

type ModeName = 'copy' | 'workerTranscode720p30' | 'jellyfinTranscode720p30';

interface ModeSpec {
  name: ModeName;
  film: keyof CapacityFilms;
  botEnv: Record<string, string>;
  jellyfin?: JellyfinSimOptions;
  /** What the worker's "source probed" line must say for the mode to be the one measured. */
  expected: { mode: 'copy' | 'transcode'; reading: 'file' | 'jellyfin-transcode' };
}

const modes: ModeSpec[] = [
  {
    name: 'copy',
    film: 'discordReady',
    botEnv: {},
    expected: { mode: 'copy', reading: 'file' },
  },
  {
    name: 'workerTranscode720p30',
    film: 'master',
    botEnv: { TRANSCODE_SOURCE: 'worker' },
    expected: { mode: 'transcode', reading: 'file' },
  },
  {
    name: 'jellyfinTranscode720p30',
    film: 'master',
    botEnv: { TRANSCODE_SOURCE: 'jellyfin' },
    jellyfin: { mediaCacheDir: PREPARED_DIR, transcoding: { prepareAhead: true } },
    expected: { mode: 'copy', reading: 'jellyfin-transcode' },
  },
];

interface Step {
  parties: number;
  held: boolean;
  worst: Omit<PartyFigures, 'held'>;
  /** Null when the viewers got nothing. */
  cpuSecondsPerMediaSecondPerParty: number | null;
  simulatorCpuSecondsPerMediaSecond: number | null;
  /**
   * How late the simulators' event loop ran, p99 and max: their own load, which no longer moves the
   * jitter (arrivals are stamped on the media port's thread) but would delay what they serve.
   */
  simulatorEventLoopDelayP99Ms: number;
  simulatorEventLoopDelayMaxMs: number;
  /**
   * Cores the machine's other processes (neither the stack nor the simulators) kept busy: their
   * load takes cores from the workers' wake-ups, and with it the jitter target.
   */
  otherProcessesCores: number;
  /** Share of the window in which a runnable task waited for a core (PSI "some"); null without PSI. */
  cpuWaitPercent: number | null;
  loadAverage1m: number;
}

interface ModeResult {
  parties: number;
  cpuSecondsPerMediaSecondPerParty: number | null;
  encoder: string | null;
  ssim: number | null;
  /** The simulators' CPU (Jellyfin serving, the viewer counting frames) per party per media second. */
  simulatorCpuSecondsPerMediaSecond: number | null;
  /** Jellyfin's transcode of the whole film, prepared ahead (production: the Jellyfin server). */
  jellyfinPrepareCpuSecondsPerMediaSecond?: number | null;
  steps: Step[];
  note?: string;
}

/** What the workers said about the sources they opened ("source probed"). */
interface ProbedSource {
  mode: string;
  encoder: string | null;
  reading: string;
}

function numberOption(args: string[], name: string, fallback: number): number {
  const index = args.indexOf(name);
  if (index < 0) return fallback;
  const value = Number(args[index + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} takes a number above 0`);
  return value;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One mode's stack: the film in the library, a voice channel and a streaming account per party. */
async function startModeStack(
  spec: ModeSpec,
  filmFile: string,
  maxParties: number,
  viewerDir: string,
  probed: ProbedSource[],
): Promise<{ stack: Stack; filmId: string }> {
  const filmId = simId(`bench-capacity:${spec.film}`);
  // One more channel than parties: Jellyfin's warm-up party plays in the last one.
  const channels = maxParties + 1;
  const stack = await startStack({
    viewerDir,
    jellyfin: spec.jellyfin,
    voiceChannels: Array.from({ length: channels }, (_, index) => `Cinema ${index + 1}`),
    streamingAccounts: channels,
    voiceMediaPort: 'thread',
    botEnv: { ...spec.botEnv, IDLE_PAUSE_MINUTES: '0', IDLE_STOP_MINUTES: '0', ANNOUNCE: 'off' },
    extraItems: [
      {
        id: filmId,
        type: 'Movie',
        name: 'Capacity Reel',
        year: 2026,
        overview: 'The capacity benchmark’s film.',
        runtimeSeconds: FILM_SECONDS,
        locationType: 'FileSystem',
        media: { kind: 'file', path: filmFile },
        imageTag: simId('image:capacity'),
      },
    ],
    onBotLog: (line) => {
      const entry = parseLogLine(line);
      if (!entry) return;
      if (Number(entry.level) >= 50) console.error(line);
      const fields = (entry.worker ?? entry) as Record<string, unknown>;
      if (entry.msg === 'source probed') {
        probed.push({
          mode: String(fields.mode),
          encoder: typeof fields.encoder === 'string' ? fields.encoder : null,
          reading: String(fields.reading),
        });
      }
    },
  });
  return { stack, filmId };
}

/** The party's stream at the viewer: the streaming account whose stream started with it. */
function newStreamer(stack: Stack, taken: ReadonlySet<string>): string | null {
  const session = stack.voice.sessions('stream').find((candidate) => !taken.has(candidate.userId));
  return session?.userId ?? null;
}

function streamFrames(stack: Stack, userId: string) {
  const ssrcs = new Set(
    stack.voice
      .sessions('stream')
      .filter((session) => session.userId === userId)
      .flatMap((session) => [session.ssrcs.video, session.ssrcs.audio]),
  );
  const { viewer } = stack.voice;
  return {
    video: viewer.videoFrames.filter((frame) => ssrcs.has(frame.ssrc)),
    audio: viewer.audioFrames.filter((frame) => ssrcs.has(frame.ssrc)),
  };
}

/** Starts a party in `channelId` playing the film; answers its streaming account's user id. */
async function startParty(
  stack: Stack,
  api: PartyApi,
  filmId: string,
  channelId: string,
  taken: ReadonlySet<string>,
): Promise<{ partyId: number; streamer: string }> {
  const partyId = await api.createParty(`Capacity ${channelId}`, channelId);
  await api.queue(partyId, filmId);
  await api.untilPlaying(partyId, 120_000);
  let streamer: string | null = null;
  await waitFor(
    `party ${partyId}'s stream at the viewer`,
    () => {
      streamer ??= newStreamer(stack, taken);
      return streamer !== null && streamFrames(stack, streamer).video.length > FILM_FPS;
    },
    120_000,
    100,
  );
  return { partyId, streamer: streamer! };
}

/**
 * Jellyfin's transcode of the film, prepared before the ramp by a warm-up party: CPU seconds per
 * media second it took (this process's, where the simulator runs ffmpeg), or why not. Prepared by
 * an earlier run, it is read from the cache with the figure that run measured.
 */
async function prepareJellyfinTranscode(
  stack: Stack,
  api: PartyApi,
  filmId: string,
  channelId: string,
): Promise<{ cpuSecondsPerMediaSecond: number | null } | { note: string }> {
  const prepared = () =>
    readdirSync(PREPARED_DIR).some((name) => name.startsWith('prepared-') && !name.includes('.tmp.'));
  const costFile = join(PREPARED_DIR, 'prepare-cost.json');
  const preparedBefore = prepared();
  const before = treeCpuSeconds(process.pid, [stack.botPid()]);
  const partyId = await api.createParty('Capacity warm-up', channelId);
  await api.queue(partyId, filmId);
  try {
    await waitFor(
      'the worker to ask Jellyfin for a transcode',
      () => stack.jellyfin.transcoding.started.length > 0,
      60_000,
      200,
    );
  } catch {
    await api.control(partyId, 'stop');
    return { note: 'the worker did not ask Jellyfin for a transcode with TRANSCODE_SOURCE=jellyfin' };
  }
  await waitFor('Jellyfin’s transcode prepared ahead', prepared, 30 * 60_000, 500);
  await api.control(partyId, 'stop');
  if (preparedBefore) {
    const cached = existsSync(costFile)
      ? z
          .object({ cpuSecondsPerMediaSecond: z.number() })
          .safeParse(JSON.parse(readFileSync(costFile, 'utf8')))
      : null;
    return { cpuSecondsPerMediaSecond: cached?.success ? cached.data.cpuSecondsPerMediaSecond : null };
  }
  const cpuSecondsPerMediaSecond = round(
    (treeCpuSeconds(process.pid, [stack.botPid()]) - before) / FILM_SECONDS,
    4,
  );
  writeFileSync(costFile, JSON.stringify({ cpuSecondsPerMediaSecond }));
  return { cpuSecondsPerMediaSecond };
}

/** Parties one after another, a window measured after each start, until one breaks its targets. */
async function ramp(
  spec: ModeSpec,
  stack: Stack,
  filmId: string,
  probed: readonly ProbedSource[],
  windowMs: number,
  maxParties: number,
): Promise<{ steps: Step[]; note?: string }> {
  const api = new PartyApi(stack);
  const channels = stack.discord.world.guild.channels.filter((channel) => channel.kind === 'voice');
  const steps: Step[] = [];
  const streamers: string[] = [];
  let firstStartedAt = Date.now();
  for (let count = 1; count <= maxParties; count++) {
    // The first party must still be playing the film at the end of the next window.
    if (count > 1 && Date.now() - firstStartedAt + windowMs + 15_000 > FILM_SECONDS * 1000) {
      return {
        steps,
        note: `the ${FILM_SECONDS} s film ended the ramp at ${count - 1} parties; lower --window`,
      };
    }
    const { streamer } = await startParty(stack, api, filmId, channels[count - 1]!.id, new Set(streamers));
    streamers.push(streamer);
    if (count === 1) {
      firstStartedAt = Date.now();
      await waitFor(
        'the SSIM sample',
        () => stack.voice.viewer.videoFramesWritten >= SSIM_FRAMES + FILM_FPS,
        120_000,
        100,
      );
      stack.voice.viewer.setMode('count');
    }
    const wrong = probed.find(
      (source) => source.mode !== spec.expected.mode || source.reading !== spec.expected.reading,
    );
    if (wrong) {
      return {
        steps,
        note: `the worker played in ${wrong.mode} mode reading ${wrong.reading}, not what ${spec.name} measures`,
      };
    }
    await sleep(SETTLE_MS);
    // Each window reads the frames since the settling began: lateness counts from the best arrival
    // in those 30 s, and the simulators' heap does not grow with every frame of the ramp.
    stack.voice.viewer.forgetFramesBefore(Date.now() - SETTLE_MS);
    const botBefore = treeCpuSeconds(stack.botPid());
    const simulatorBefore = treeCpuSeconds(process.pid, [stack.botPid()]);
    const machineBefore = machineBusyCpuSeconds();
    const waitBefore = cpuWaitSeconds();
    const ownDelay = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS });
    ownDelay.enable();
    const from = Date.now();
    await sleep(windowMs);
    const to = Date.now();
    const waitAfter = cpuWaitSeconds();
    const machineCpuSeconds = machineBusyCpuSeconds() - machineBefore;
    const botCpuSeconds = treeCpuSeconds(stack.botPid()) - botBefore;
    const simulatorCpuSeconds = treeCpuSeconds(process.pid, [stack.botPid()]) - simulatorBefore;
    ownDelay.disable();
    const figures = streamers.map((userId) => partyFigures(streamFrames(stack, userId), FILM_FPS, from, to));
    // The film the viewers got: a starved worker's CPU counts against the little it delivered.
    const mediaSeconds = figures.reduce((sum, party) => sum + party.deliveredRatio * ((to - from) / 1000), 0);
    const perMediaSecond = (cpuSeconds: number) =>
      mediaSeconds > 0 ? round(cpuSeconds / mediaSeconds, 4) : null;
    const step: Step = {
      parties: count,
      held: figures.every((party) => party.held),
      worst: {
        deliveredRatio: Math.min(...figures.map((party) => party.deliveredRatio)),
        pacingJitterP99Ms: Math.max(...figures.map((party) => party.pacingJitterP99Ms)),
        avOffsetMaxMs: Math.max(...figures.map((party) => party.avOffsetMaxMs)),
      },
      cpuSecondsPerMediaSecondPerParty: perMediaSecond(botCpuSeconds),
      simulatorCpuSecondsPerMediaSecond: perMediaSecond(simulatorCpuSeconds),
      simulatorEventLoopDelayP99Ms: round(Math.max(0, ownDelay.percentile(99) / 1e6 - LOOP_SAMPLE_MS), 1),
      simulatorEventLoopDelayMaxMs: round(Math.max(0, ownDelay.max / 1e6 - LOOP_SAMPLE_MS), 1),
      otherProcessesCores: round(
        Math.max(0, machineCpuSeconds - botCpuSeconds - simulatorCpuSeconds) / ((to - from) / 1000),
        2,
      ),
      cpuWaitPercent:
        waitBefore === null || waitAfter === null
          ? null
          : round(((waitAfter - waitBefore) / ((to - from) / 1000)) * 100, 1),
      loadAverage1m: round(loadavg()[0]!, 2),
    };
    steps.push(step);
    process.stderr.write(`${spec.name}: ${JSON.stringify(step)}\n`);
    if (!step.held) return { steps };
  }
  return { steps, note: `held at every step up to --max ${maxParties}` };
}

async function measureMode(
  spec: ModeSpec,
  films: CapacityFilms,
  windowMs: number,
  maxParties: number,
): Promise<ModeResult> {
  const viewerDir = mkdtempSync(join(tmpdir(), 'orb-bench-capacity-'));
  const probed: ProbedSource[] = [];
  mkdirSync(PREPARED_DIR, { recursive: true });
  const { stack, filmId } = await startModeStack(
    spec,
    resolve(films[spec.film]),
    maxParties,
    viewerDir,
    probed,
  );
  let prepare: Awaited<ReturnType<typeof prepareJellyfinTranscode>> | null = null;
  let outcome: { steps: Step[]; note?: string };
  try {
    if (spec.jellyfin) {
      const channels = stack.discord.world.guild.channels.filter((channel) => channel.kind === 'voice');
      prepare = await prepareJellyfinTranscode(stack, new PartyApi(stack), filmId, channels.at(-1)!.id);
      probed.length = 0;
    }
    outcome =
      prepare && 'note' in prepare
        ? { steps: [], note: prepare.note }
        : await ramp(spec, stack, filmId, probed, windowMs, maxParties);
  } finally {
    await stack.stop();
  }
  const { steps, note } = outcome;
  // A sample of another way of producing the stream would say nothing of this one.
  const ssim =
    steps.length === 0
      ? null
      : await viewerSsim({
          viewerH264: join(viewerDir, 'video.h264'),
          film: films[spec.film],
          fps: FILM_FPS,
          size: STREAM_SIZE,
          frames: SSIM_FRAMES,
        }).catch((error: unknown) => {
          process.stderr.write(`${spec.name}: no SSIM: ${String(error)}\n`);
          return null;
        });
  rmSync(viewerDir, { recursive: true, force: true });
  const held = steps.filter((step) => step.held).at(-1);
  const figuresOf = held ?? steps[0];
  return {
    parties: held?.parties ?? 0,
    cpuSecondsPerMediaSecondPerParty: figuresOf?.cpuSecondsPerMediaSecondPerParty ?? null,
    encoder: steps.length === 0 ? null : (probed[0]?.encoder ?? null),
    ssim: ssim === null ? null : round(ssim, 4),
    simulatorCpuSecondsPerMediaSecond: figuresOf?.simulatorCpuSecondsPerMediaSecond ?? null,
    ...(prepare && 'cpuSecondsPerMediaSecond' in prepare
      ? { jellyfinPrepareCpuSecondsPerMediaSecond: prepare.cpuSecondsPerMediaSecond }
      : {}),
    steps,
    ...(note ? { note } : {}),
  };
}

export async function run(options: BenchOptions): Promise<void> {
  const windowMs = numberOption(options.args, '--window', 20) * 1000;
  const maxParties = numberOption(options.args, '--max', 20);
  const modeIndex = options.args.indexOf('--mode');
  const selected = modeIndex >= 0 ? modes.filter((spec) => spec.name === options.args[modeIndex + 1]) : modes;
  if (selected.length === 0)
    throw new Error(`--mode takes one of ${modes.map((spec) => spec.name).join(', ')}`);
  const films = await capacityFilms(FILM_SECONDS);
  const results: Partial<Record<ModeName, ModeResult | null>> = {};
  for (const spec of selected) results[spec.name] = await measureMode(spec, films, windowMs, maxParties);
  const report = {
    cores: cpus().length,
    loadAverage1m: round(loadavg()[0]!, 2),
    windowSeconds: windowMs / 1000,
    targets: { ...TARGETS, fpsOfFilm: FILM_FPS },
    ...results,
  };
  console.table(
    Object.fromEntries(
      Object.entries(results).map(([name, result]) => [
        name,
        {
          parties: result?.parties,
          'CPU-s per media-s per party': result?.cpuSecondsPerMediaSecondPerParty,
          encoder: result?.encoder,
          ssim: result?.ssim,
          'simulators CPU-s per media-s': result?.simulatorCpuSecondsPerMediaSecond,
          note: result?.note ?? '',
        },
      ]),
    ),
  );
  console.log(
    `targets per party: delivered frame rate ≥ ${TARGETS.deliveredRatio * 100} % of the film's, jitter p99 ≤ ${TARGETS.pacingJitterP99Ms} ms, A/V ≤ ${TARGETS.avOffsetMs} ms; on 2 cores: workerTranscode720p30 ≥ 4, copy and jellyfinTranscode720p30 ≥ 16 parties`,
  );
  if (options.json) console.log(JSON.stringify(report));
}
