// `npm run bench -- recovery [--json]`: what a viewer loses when a stream worker or the bot dies
// (issue #17). The real bot runs as its own process on the simulators with real workers Going Live
// into the voice simulator. While a 600 s film plays, a worker is SIGKILLed five times (one kill at a
// time, video back before the next, at most two kills per party so that the restart budget is not
// what gets measured) and the bot twice (right after a burst of queue adds; restarted at once on the
// same database). Positions come from what the viewer saw: every picture it received is found in the
// film by its bytes (bench/_viewer-positions.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReceivedFrame } from '../sim/discord/voice/viewer.ts';
import { waitFor } from '../sim/wait-for.ts';
import { processesIn, straysIn, workerPids } from './_processes.ts';
import { round } from './_round.ts';
import { type BenchStack, startBenchStack } from './_stack-party.ts';
import { filmPictureTimes, viewerPictureTimes } from './_viewer-positions.ts';
import type { BenchOptions } from './run.ts';

const FILM = { name: 'Recovery Reel', seconds: 600 };
/** The simulator's generated films run at 24 fps. */
const FILM_FPS = 24;
const WORKER_KILLS = 5;
const KILLS_PER_PARTY = 2;
const BOT_KILLS = 2;
/** Items queued in the burst before a bot kill; the kill lands once the first of them is acknowledged. */
const BURST_ADDS = 4;
/** Video must flow this long before a kill, and again after a recovery before the next one. */
const STEADY_MS = 4_000;
/**
 * Added to the wait before kill n, so deaths fall at different points of a GOP (1 s in the
 * simulator's films) and a resume that can only start at a keyframe shows what it costs.
 */
const killPhaseMs = (kill: number) => (kill * 370) % 1_000;
/** Where a restart spends its time, as the bot's log shows it: the first line of each after the kill. */
const MILESTONES = {
  workerStarted: 'worker started',
  goLiveUp: 'Go Live is up',
  playbackRestored: 'playback restored',
  sourceProbed: 'source probed',
} as const;
const RECOVERY_TIMEOUT_MS = 45_000;
const TARGETS = {
  videoGapP50Ms: 2_500,
  resumeErrorMaxSeconds: 0.5,
  failuresCountedPerKill: 1,
  queueRowsLost: 0,
  orphanProcesses: 0,
};
/** The supervisor's log lines that each count one failure against a party's restart budget. */
const FAILURE_MESSAGES = new Set(['restarting worker', 'worker failed too often; giving up']);

interface LogEntry {
  at: number;
  sessionId: string | null;
  msg: string;
  level: number;
  fromWorker: boolean;
  /** The reason or error a warning gives. */
  detail: string;
}

interface WorkerKill {
  party: number;
  killedAt: number;
  /** Indexes into the viewer's video frames. */
  lastBefore: number;
  firstAfter: number;
  failures: number;
  /** Milliseconds from the kill to each milestone of the restart (null: not seen). */
  milestones: Record<keyof typeof MILESTONES, number | null>;
  /** The worker's warnings between the kill and the next one (what recovery cost besides the restart). */
  workerWarnings: string[];
  /** Processes the bot no longer owned once video was back (the killed worker's ffmpeg, say). */
  strays: { pid: number; command: string }[];
}

interface BotKill {
  party: number;
  killedAt: number;
  firstAfter: number;
  acknowledgedRows: number;
  rowsLost: number;
}

export async function run(options: BenchOptions): Promise<void> {
  const viewerDir = mkdtempSync(join(tmpdir(), 'orb-bench-recovery-'));
  // Restart times stretch with the machine's load, so the run says what it ran under.
  const loadAtStart = loadavg()[0]!;
  const log: LogEntry[] = [];
  const bench = await startBenchStack({
    film: FILM,
    viewerDir,
    onLog: (entry) => {
      // The bot's errors are what explains a failed run.
      if (Number(entry.level) >= 50) console.error(JSON.stringify(entry));
      log.push({
        at: Date.now(),
        sessionId: typeof entry.sessionId === 'string' ? entry.sessionId : null,
        msg: String(entry.msg ?? ''),
        level: Number(entry.level ?? 30),
        fromWorker: entry.worker !== undefined,
        detail: detailOf(entry),
      });
    },
  });
  const filmTimes = await filmPictureTimes(bench.filmFile, FILM_FPS);
  const workerKills: WorkerKill[] = [];
  const botKills: BotKill[] = [];
  let orphans: { pid: number; command: string }[] = [];
  try {
    while (workerKills.length < WORKER_KILLS) {
      const party = await startParty(bench, workerKills.length / KILLS_PER_PARTY + 1);
      for (let kill = 0; kill < KILLS_PER_PARTY && workerKills.length < WORKER_KILLS; kill += 1) {
        await sleep(killPhaseMs(workerKills.length));
        workerKills.push(await killWorker(bench, party, log));
      }
      if (botKills.length < BOT_KILLS) botKills.push(await killBot(bench, party));
      await bench.api.control(party, 'stop');
      await waitFor(
        'the stream to end',
        () => bench.stack.voice.connectedSessions().length === 0,
        20_000,
        50,
      );
    }
  } catch (error) {
    // What the bot and its workers warned about is what explains a recovery that never came.
    for (const entry of log.filter((line) => line.level >= 40).slice(-20)) {
      console.error(`${entry.at} party ${entry.sessionId ?? '-'}: ${entry.msg} ${entry.detail}`);
    }
    rmSync(viewerDir, { recursive: true, force: true });
    throw error;
  } finally {
    await bench.stack.stop();
    // A moment for anything the stack's stop left behind to show as what it is: still there.
    await sleep(1_000);
    orphans = processesIn(bench.workDir);
    for (const { pid } of orphans) process.kill(pid, 'SIGKILL');
  }

  const viewer = bench.stack.voice.viewer;
  let pictureTimes: (number | null)[];
  try {
    pictureTimes = viewerPictureTimes(viewer.files!.video, filmTimes);
  } finally {
    rmSync(viewerDir, { recursive: true, force: true });
  }
  const timeOf = (frame: ReceivedFrame | undefined): number | null =>
    frame?.outputPosition == null ? null : (pictureTimes[frame.outputPosition] ?? null);
  const frames = viewer.videoFrames;

  const kills = workerKills.map((kill) => {
    const before = frames[kill.lastBefore]!;
    const after = frames[kill.firstAfter]!;
    const diedAt = timeOf(before);
    const resumedAt = timeOf(after);
    return {
      party: kill.party,
      videoGapMs: after.receivedAtMs - before.receivedAtMs,
      // Where the viewer was: the last picture shown, plus the one frame it stayed on screen.
      positionAtDeathSeconds: diedAt === null ? null : diedAt + 1 / FILM_FPS,
      resumedAtSeconds: resumedAt,
      resumeErrorSeconds: diedAt === null || resumedAt === null ? null : resumedAt - (diedAt + 1 / FILM_FPS),
      failuresCounted: kill.failures,
      milestones: kill.milestones,
      workerWarnings: kill.workerWarnings,
    };
  });
  const gaps = kills.map((kill) => kill.videoGapMs).sort((a, b) => a - b);
  const resumeErrors = kills.map((kill) => kill.resumeErrorSeconds);
  const knownErrors = resumeErrors.filter((error): error is number => error !== null);
  // Left behind during the run (still there once the replacement streamed) or after it.
  const strays = new Map(workerKills.flatMap((kill) => kill.strays).map((stray) => [stray.pid, stray]));
  for (const orphan of orphans) strays.set(orphan.pid, orphan);
  const leftBehind = strays.size + bench.stack.leftoverWorkers.length;
  const result = {
    workerKills: kills.length,
    videoGapP50Ms: round(percentile(gaps, 50), 0),
    videoGapMaxMs: round(gaps.at(-1) ?? Number.NaN, 0),
    // Resumed minus died: above 0 viewers miss that much of the film, below 0 they see it again.
    resumeErrorMaxSeconds:
      knownErrors.length === resumeErrors.length ? round(Math.max(...knownErrors), 3) : null,
    resumeReplayMaxSeconds:
      knownErrors.length === resumeErrors.length
        ? round(Math.max(0, ...knownErrors.map((e) => -e)), 3)
        : null,
    resumeErrorSource: 'viewer (each picture found in the film by its bytes)',
    failuresCountedPerKill: Math.max(...kills.map((kill) => kill.failuresCounted)),
    botKills: botKills.length,
    botRestartToVideoMs: botKills.map((kill) =>
      round(frames[kill.firstAfter]!.receivedAtMs - kill.killedAt, 0),
    ),
    queueRowsChecked: botKills.reduce((sum, kill) => sum + kill.acknowledgedRows, 0),
    queueRowsLost: botKills.reduce((sum, kill) => sum + kill.rowsLost, 0),
    orphanProcesses: leftBehind,
    loadAverage1m: { start: round(loadAtStart, 2), end: round(loadavg()[0]!, 2) },
    samples: kills.map((kill) => ({
      party: kill.party,
      videoGapMs: round(kill.videoGapMs, 0),
      resumeErrorSeconds: kill.resumeErrorSeconds === null ? null : round(kill.resumeErrorSeconds, 3),
      failuresCounted: kill.failuresCounted,
      msFromKill: kill.milestones,
      workerWarnings: kill.workerWarnings,
    })),
    targetsMet: false,
  };
  result.targetsMet =
    result.videoGapP50Ms <= TARGETS.videoGapP50Ms &&
    result.resumeErrorMaxSeconds !== null &&
    result.resumeErrorMaxSeconds <= TARGETS.resumeErrorMaxSeconds &&
    result.failuresCountedPerKill === TARGETS.failuresCountedPerKill &&
    result.queueRowsLost === TARGETS.queueRowsLost &&
    result.orphanProcesses === TARGETS.orphanProcesses;

  console.table(
    kills.map((kill) => ({
      party: kill.party,
      'video gap ms': round(kill.videoGapMs, 0),
      'died at s': kill.positionAtDeathSeconds === null ? '?' : round(kill.positionAtDeathSeconds, 3),
      'resumed at s': kill.resumedAtSeconds === null ? '?' : round(kill.resumedAtSeconds, 3),
      'failures counted': kill.failuresCounted,
      'started / live / play / probed ms': Object.values(kill.milestones)
        .map((ms) => ms ?? '?')
        .join(' / '),
      'worker warnings': kill.workerWarnings.join('; '),
    })),
  );
  console.table({
    [`video gap p50 / max ms (target p50 ≤ ${TARGETS.videoGapP50Ms})`]: `${result.videoGapP50Ms} / ${result.videoGapMaxMs}`,
    [`resume error max s, viewer-seen (target ≤ ${TARGETS.resumeErrorMaxSeconds})`]:
      result.resumeErrorMaxSeconds,
    'largest replay after a resume s (viewer-seen)': result.resumeReplayMaxSeconds,
    'failures counted per worker kill (target 1)': result.failuresCountedPerKill,
    'bot SIGKILL → video ms': result.botRestartToVideoMs.join(', '),
    'acknowledged queue rows lost (target 0)': result.queueRowsLost,
    'processes left behind (target 0)': `${leftBehind}${strays.size > 0 ? ` (${[...strays.values()].map((p) => p.command).join(', ')})` : ''}`,
    'machine load (1-min average) at start / end': `${result.loadAverage1m.start} / ${result.loadAverage1m.end}`,
    'targets met': result.targetsMet,
  });
  if (options.json) console.log(JSON.stringify(result));
}

/** A new party playing the film, with video flowing to the viewer. */
async function startParty(bench: BenchStack, number: number): Promise<number> {
  const party = await bench.api.createParty(`Recovery ${number}`);
  await bench.api.queue(party, bench.filmId);
  await bench.api.untilPlaying(party, RECOVERY_TIMEOUT_MS);
  await videoFlows(bench, STEADY_MS);
  return party;
}

async function killWorker(bench: BenchStack, party: number, log: LogEntry[]): Promise<WorkerKill> {
  const { stack } = bench;
  const [pid, ...others] = workerPids(stack.botPid());
  if (pid === undefined || others.length > 0)
    throw new Error(`expected one stream worker, found ${others.length + (pid ? 1 : 0)}`);
  const frames = stack.voice.viewer.videoFrames;
  const oldSsrc = frames.at(-1)!.ssrc;
  const from = frames.length;
  const killedAt = Date.now();
  process.kill(pid, 'SIGKILL');
  const firstAfter = await firstFrameOfNewStream(bench, oldSsrc, from);
  await videoFlows(bench, STEADY_MS);
  const strays = straysIn(bench.workDir, stack.botPid());
  // Packets in flight when the worker died may still land after the kill: the old stream's last one.
  const lastBefore = frames.findLastIndex((frame, index) => index < firstAfter && frame.ssrc === oldSsrc);
  const since = log.filter((entry) => entry.at >= killedAt && entry.sessionId === String(party));
  return {
    party,
    killedAt,
    lastBefore,
    firstAfter,
    failures: since.filter((entry) => FAILURE_MESSAGES.has(entry.msg)).length,
    milestones: Object.fromEntries(
      Object.entries(MILESTONES).map(([name, msg]) => {
        const entry = since.find((line) => line.msg === msg);
        return [name, entry ? entry.at - killedAt : null];
      }),
    ) as WorkerKill['milestones'],
    workerWarnings: [
      ...new Set(since.filter((entry) => entry.fromWorker && entry.level >= 40).map((entry) => entry.msg)),
    ],
    strays,
  };
}

/**
 * A burst of queue adds, SIGKILL to the bot as soon as the first is acknowledged, and the bot started
 * again at once on the same database: every acknowledged row must still be there afterwards.
 */
async function killBot(bench: BenchStack, party: number): Promise<BotKill> {
  const { stack, api } = bench;
  const acknowledged = new Set(await api.queueRowIds(party));
  const items = ['Night Harbor', 'Harbor Lights', 'Harbor'].map(
    (name) => stack.jellyfin.library.byName(name).id,
  );
  const adds = Array.from({ length: BURST_ADDS }, (_, index) =>
    api.queue(party, items[index % items.length]!).then((id) => acknowledged.add(id)),
  );
  await Promise.race(adds);
  const frames = stack.voice.viewer.videoFrames;
  const oldSsrc = frames.at(-1)!.ssrc;
  const from = frames.length;
  const killedAt = Date.now();
  process.kill(stack.botPid(), 'SIGKILL');
  // Adds still in flight die with the bot; only acknowledged ones count.
  await Promise.allSettled(adds);
  await stack.restartBot();
  const firstAfter = await firstFrameOfNewStream(bench, oldSsrc, from);
  await videoFlows(bench, STEADY_MS);
  const rows = new Set(await api.queueRowIds(party));
  return {
    party,
    killedAt,
    firstAfter,
    acknowledgedRows: acknowledged.size,
    rowsLost: [...acknowledged].filter((id) => !rows.has(id)).length,
  };
}

/** Index of the first video frame from a stream other than `oldSsrc`, looking from frame `from` on. */
async function firstFrameOfNewStream(bench: BenchStack, oldSsrc: number, from: number): Promise<number> {
  const frames = bench.stack.voice.viewer.videoFrames;
  let next = from;
  let found = -1;
  await waitFor(
    'video from the restarted stream',
    () => {
      for (; found < 0 && next < frames.length; next += 1) {
        const frame = frames[next]!;
        if (frame.ssrc !== oldSsrc) found = next;
      }
      return found >= 0;
    },
    RECOVERY_TIMEOUT_MS,
    5,
  );
  return found;
}

/** Waits until video has flowed without a gap for `durationMs`. */
async function videoFlows(bench: BenchStack, durationMs: number): Promise<void> {
  const frames = bench.stack.voice.viewer.videoFrames;
  let since = Date.now();
  await waitFor(
    `${durationMs / 1000} s of steady video`,
    () => {
      const last = frames.at(-1);
      if (!last || Date.now() - last.receivedAtMs > 500) since = Date.now();
      return Date.now() - since >= durationMs;
    },
    RECOVERY_TIMEOUT_MS,
    50,
  );
}

function detailOf(entry: Record<string, unknown>): string {
  const fields = (entry.worker ?? entry) as { reason?: unknown; err?: { message?: unknown } };
  return String(fields.reason ?? fields.err?.message ?? '');
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
