// `npm run bench -- soak [--minutes N] [--json]`: a watch party that plays for N minutes (default 60)
// on the real stack: the bot as its own process, its real stream worker Going Live through the real
// transport into the voice simulator, the generated film queued again and again so the party never
// runs dry. Prints how much of what the worker sent reached the viewer, and how the bot's and the
// worker's memory and open file descriptors moved (issue #17: at 60 minutes, ≥ 99.9 % delivered, RSS
// growth ≤ 10 %, open file descriptors constant). RSS and descriptors come from /proc; the heap from
// the processes' own "process figures" log line (src/process-figures.ts, once a minute).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../sim/wait-for.ts';
import { openFds, rssMb, workerPids } from './_processes.ts';
import { round } from './_round.ts';
import { type BenchStack, startBenchStack } from './_stack-party.ts';
import type { BenchOptions } from './run.ts';

const FILM = { name: 'Soak Reel', seconds: 180 };
/** Queued items kept ahead of the one playing. */
const QUEUE_AHEAD = 2;
const CHECK_EVERY_MS = 5_000;
/** RSS growth is measured against this point of the run (or its midpoint, for shorter runs). */
const GROWTH_BASELINE_MS = 5 * 60_000;
const TARGETS = { deliveredRatio: 0.999, rssGrowthRatio: 1.1 };

interface Sample {
  rssMb: number | null;
  openFds: number | null;
}

interface ProcessReport {
  rssStartMb: number | null;
  rssEndMb: number | null;
  rssGrowthRatio: number | null;
  openFdsStart: number | null;
  openFdsEnd: number | null;
  heapUsedEndMb: number | null;
}

function minutesOption(args: string[]): number {
  const index = args.indexOf('--minutes');
  if (index < 0) return 60;
  const minutes = Number(args[index + 1]);
  if (!Number.isFinite(minutes) || minutes <= 0)
    throw new Error('--minutes takes a number of minutes above 0');
  return minutes;
}

export async function run(options: BenchOptions): Promise<void> {
  const minutes = minutesOption(options.args);
  const runMs = minutes * 60_000;
  const baselineMs = runMs > GROWTH_BASELINE_MS ? GROWTH_BASELINE_MS : runMs / 2;
  const viewerDir = mkdtempSync(join(tmpdir(), 'orb-bench-soak-'));
  const heapUsedMb = { bot: null as number | null, worker: null as number | null };
  const sent = { video: 0, audio: 0 };
  let workerRestarts = 0;
  const bench = await startBenchStack({
    film: FILM,
    viewerDir,
    onLog: (entry) => {
      if (Number(entry.level) >= 50) console.error(JSON.stringify(entry));
      const fields = (entry.worker ?? entry) as Record<string, unknown>;
      const figures = fields.figures as { heapUsedMb?: number } | undefined;
      if (entry.msg === 'process figures' && figures?.heapUsedMb !== undefined) {
        heapUsedMb[entry.worker ? 'worker' : 'bot'] = figures.heapUsedMb;
      }
      const stats = fields.stats as { videoFramesSent?: number; audioFramesSent?: number } | undefined;
      if (entry.msg === 'Go Live closing' && stats) {
        sent.video += stats.videoFramesSent ?? 0;
        sent.audio += stats.audioFramesSent ?? 0;
      }
      if (entry.msg === 'restarting worker') workerRestarts += 1;
    },
  });
  const samples: Record<'start' | 'baseline' | 'end', { bot: Sample; worker: Sample } | null> = {
    start: null,
    baseline: null,
    end: null,
  };
  let itemsQueued = 0;
  try {
    const { api, stack } = bench;
    const party = await api.createParty('Soak');
    const keepQueued = async () => {
      const details = await api.details(party);
      for (let count = details.upcoming.length; count < QUEUE_AHEAD; count += 1) {
        await api.queue(party, bench.filmId);
        itemsQueued += 1;
      }
    };
    await api.queue(party, bench.filmId);
    itemsQueued += 1;
    await api.untilPlaying(party, 60_000);
    await waitFor('video at the viewer', () => stack.voice.viewer.videoFramesReceived > 24, 60_000, 50);
    await keepQueued();
    const startedAt = Date.now();
    samples.start = sample(bench);
    while (Date.now() - startedAt < runMs) {
      await sleep(Math.min(CHECK_EVERY_MS, runMs - (Date.now() - startedAt)));
      await keepQueued();
      if (!samples.baseline && Date.now() - startedAt >= baselineMs) samples.baseline = sample(bench);
    }
    samples.end = sample(bench);
    await api.control(party, 'stop');
    await waitFor('the stream to end', () => stack.voice.connectedSessions().length === 0, 30_000, 50);
  } finally {
    await bench.stack.stop();
    rmSync(viewerDir, { recursive: true, force: true });
  }

  const viewer = bench.stack.voice.viewer;
  const report = (name: 'bot' | 'worker'): ProcessReport => {
    const start = samples.start?.[name];
    const baseline = samples.baseline?.[name];
    const end = samples.end?.[name];
    const rssEnd = end?.rssMb ?? null;
    const rssBaseline = baseline?.rssMb ?? null;
    return {
      rssStartMb: roundOrNull(start?.rssMb ?? null, 1),
      rssEndMb: roundOrNull(rssEnd, 1),
      rssGrowthRatio: rssEnd !== null && rssBaseline ? round(rssEnd / rssBaseline, 3) : null,
      openFdsStart: start?.openFds ?? null,
      openFdsEnd: end?.openFds ?? null,
      heapUsedEndMb: heapUsedMb[name],
    };
  };
  const bot = report('bot');
  const worker = report('worker');
  const ratio = (received: number, total: number) => (total > 0 ? round(received / total, 5) : null);
  const result = {
    minutes,
    framesSent: sent.video,
    framesReceived: viewer.videoFramesReceived,
    deliveredRatio: ratio(viewer.videoFramesReceived, sent.video),
    audioDeliveredRatio: ratio(viewer.audioFramesReceived, sent.audio),
    itemsQueued,
    workerRestarts,
    loadAverage1m: round(loadavg()[0]!, 2),
    rssGrowthBaseline:
      runMs > GROWTH_BASELINE_MS ? 'after 5 minutes' : 'the run’s midpoint (a run of 5 minutes or less)',
    bot,
    worker,
    targetsMet: false,
  };
  result.targetsMet =
    result.deliveredRatio !== null &&
    result.deliveredRatio >= TARGETS.deliveredRatio &&
    [bot, worker].every(
      (figures) =>
        figures.rssGrowthRatio !== null &&
        figures.rssGrowthRatio <= TARGETS.rssGrowthRatio &&
        figures.openFdsStart !== null &&
        figures.openFdsEnd !== null &&
        figures.openFdsEnd <= figures.openFdsStart,
    );

  console.log(
    `${minutes} min of play, ${itemsQueued} items queued, ${workerRestarts} worker restarts; RSS growth against ${result.rssGrowthBaseline}`,
  );
  console.table({
    [`video frames delivered / sent (target ≥ ${TARGETS.deliveredRatio})`]: `${result.framesReceived} / ${result.framesSent} = ${result.deliveredRatio}`,
    'audio frames delivered ratio': result.audioDeliveredRatio,
  });
  console.table({ bot, worker });
  console.log(
    `targets: RSS growth ≤ ${Math.round((TARGETS.rssGrowthRatio - 1) * 100)} %, open fds not above the start; met: ${result.targetsMet}`,
  );
  if (options.json) console.log(JSON.stringify(result));
}

/** The bot's and its (one) worker's resident memory and open descriptors now. */
function sample(bench: BenchStack): { bot: Sample; worker: Sample } {
  const botPid = bench.stack.botPid();
  const [workerPid] = workerPids(botPid);
  const of = (pid: number | undefined): Sample =>
    pid === undefined ? { rssMb: null, openFds: null } : { rssMb: rssMb(pid), openFds: openFds(pid) };
  return { bot: of(botPid), worker: of(workerPid) };
}

function roundOrNull(value: number | null, digits: number): number | null {
  return value === null ? null : round(value, digits);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
