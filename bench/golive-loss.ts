// `npm run bench -- golive-loss [--json] [--seconds N]`: the `golive` bench's clip (1080p30 at about
// 8 Mbit/s, copy mode) streamed through the simulator's network model with loss in both directions,
// once with the transport answering NACKs (RTX) and once without, and what the viewer saw intact.
// Runs: 2% random loss, and 1% loss in bursts of 5 packets. Targets (issue 15): intactRatio ≥ 0.99
// for both, retransmitOverheadRatio ≤ 0.05 at 2%. The transport runs in this process: CPU is the
// `golive` bench's business, this one counts frames and bytes.
import { createLogger } from '../src/logger.ts';
import { type ClipSpec, loadClip, playClip } from '../test/worker/golive/clip.ts';
import { endGoLive, openGoLive } from '../test/worker/golive/harness.ts';
import { round } from './_round.ts';
import type { BenchOptions } from './run.ts';

const spec: ClipSpec = { seconds: 60, width: 1920, height: 1080, fps: 30, videoKbps: 8000, grain: true };
const video = { width: spec.width, height: spec.height, fps: spec.fps, maxBitrateKbps: spec.videoKbps };
/** A continental round trip: 20 ms each way, a few ms of jitter. */
const PATH = { delayMs: 20, jitterMs: 5 };
const TARGET_INTACT_RATIO = 0.99;
const TARGET_OVERHEAD_AT_2_PERCENT = 0.05;

interface LossCase {
  lossPercent: number;
  burstLength: number;
}

const cases: LossCase[] = [
  { lossPercent: 2, burstLength: 1 },
  { lossPercent: 1, burstLength: 5 },
];

interface Figures {
  framesSent: number;
  framesIntact: number;
  intactRatio: number;
  nacksReceived: number;
  packetsRetransmitted: number;
  retransmitOverheadRatio: number;
  keyframeRequests: number;
  keyframeLatencyP95Ms: number | null;
  /** Packets the SFU gave up on at their playout deadline (neither the original nor RTX came). */
  packetsUnrecovered: number;
  divergences: number;
}

function percentile(values: readonly number[], share: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)]!;
}

async function stream(lossCase: LossCase, retransmit: boolean, seconds: number): Promise<Figures> {
  const run = await openGoLive({
    sim: {},
    ids: {
      userId: '800000000000000031',
      guildId: '700000000000000031',
      voiceChannelId: '700000000000000032',
    },
    logger: createLogger({ level: 'warn', pretty: false }),
    video,
    retransmit,
  });
  const loss = { lossPercent: lossCase.lossPercent, burstLength: lossCase.burstLength };
  // The same seeds for both runs of a case: the same packets are lost with and without RTX.
  run.voice.faults.network(
    { uplink: { ...PATH, ...loss, seed: 101 }, downlink: { ...PATH, ...loss, seed: 202 } },
    'stream',
  );
  await playClip(run.sink, loadClip(spec), { toMs: seconds * 1000 });
  // Let the last NACKs, RTX and playout deadlines run out.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const stats = run.sink.stats();
  const [session] = run.voice.sessions('stream');
  if (!session) throw new Error('the stream connection is gone');
  const uplinkBytes = session.server.networkCounters().uplink.bytesSent;
  const framesIntact = run.voice.viewer.videoFramesIntact;
  const figures: Figures = {
    framesSent: stats.videoFramesSent,
    framesIntact,
    intactRatio: round(framesIntact / Math.max(1, stats.videoFramesSent), 4),
    nacksReceived: stats.nacksReceived,
    packetsRetransmitted: stats.packetsRetransmitted,
    retransmitOverheadRatio: round(
      stats.retransmittedBytes / Math.max(1, uplinkBytes - stats.retransmittedBytes),
      4,
    ),
    keyframeRequests: stats.keyframeRequests,
    keyframeLatencyP95Ms: percentile(session.receiver.videoFeedback.keyframes.latenciesMs, 0.95),
    packetsUnrecovered: session.receiver.videoFeedback.counters.packetsGivenUp,
    divergences: run.voice.divergences.length,
  };
  if (figures.keyframeLatencyP95Ms !== null)
    figures.keyframeLatencyP95Ms = round(figures.keyframeLatencyP95Ms, 0);
  if (run.voice.divergences.length > 0) console.log(run.voice.divergences.join('\n'));
  await endGoLive({ voice: run.voice, sink: run.sink, stopPlaying: async () => {} }, 'bench finished');
  return figures;
}

function secondsArgument(args: readonly string[]): number {
  const at = args.indexOf('--seconds');
  if (at < 0) return spec.seconds;
  const seconds = Number(args[at + 1]);
  if (!Number.isInteger(seconds) || seconds < 5 || seconds > spec.seconds)
    throw new Error(`--seconds wants a whole number from 5 to ${spec.seconds}, got ${args[at + 1]}`);
  return seconds;
}

export async function run(options: BenchOptions): Promise<void> {
  const seconds = secondsArgument(options.args);
  const runs = [];
  for (const lossCase of cases) {
    const withRecovery = await stream(lossCase, true, seconds);
    const withoutRecovery = await stream(lossCase, false, seconds);
    const result = { ...lossCase, seconds, ...withRecovery, withoutRecovery };
    runs.push(result);
    console.table({ 'recovery on': withRecovery, 'recovery off': withoutRecovery });
    if (options.json) console.log(JSON.stringify(result));
  }
  const targetsMet = runs.every(
    (result) =>
      result.intactRatio >= TARGET_INTACT_RATIO &&
      (result.lossPercent !== 2 ||
        result.burstLength !== 1 ||
        result.retransmitOverheadRatio <= TARGET_OVERHEAD_AT_2_PERCENT),
  );
  console.log(targetsMet ? 'targets met' : 'targets NOT met');
  if (options.json) console.log(JSON.stringify({ runs, targetsMet }));
}
