// `npm run bench -- golive [--json]`: 60 s of 1080p30 H.264 at about 8 Mbit/s (copy mode: the
// access units go out as encoded) through the real Go Live transport into the simulator's viewer.
// The transport runs in a child process, like a worker, so its CPU time is measured alone; the
// simulator and the viewer's decryption run here. There is no ffmpeg in the child: frames come
// from a cached Annex B + Ogg Opus clip, so "worker CPU minus ffmpeg's" is the child's CPU.
import { type ChildProcess, fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import type { GatewayClientHandle } from '../sim/discord/gateway-hooks.ts';
import { startVoiceSim } from '../sim/discord/voice/index.ts';
import { createLogger } from '../src/logger.ts';
import { createGoLiveSink, type GoLiveStats, type MainGateway } from '../src/worker/golive/index.ts';
import { describeMediaSendPath } from '../src/worker/golive/native-media-send.ts';
import { type ClipSpec, clipFiles, loadClip, playClip } from '../test/worker/golive/clip.ts';
import {
  avOffsetsMs,
  decodeAudio,
  frameLumas,
  reportClockSpreadsMs,
} from '../test/worker/golive/viewer-analysis.ts';
import { round } from './_round.ts';
import type { BenchOptions } from './run.ts';

const WORKER_FLAG = 'GOLIVE_BENCH_WORKER';
const USER_ID = '800000000000000001';
/** The main gateway session both sides of the IPC channel name: voice states carry it. */
const MAIN_SESSION_ID = 'bench-main-session';
const GUILD_ID = '700000000000000001';
const VOICE_CHANNEL_ID = '700000000000000002';
const spec: ClipSpec = { seconds: 60, width: 1920, height: 1080, fps: 30, videoKbps: 8000, grain: true };

type ToWorker = { type: 'dispatch'; event: string; data: unknown } | { type: 'finish' };
type FromWorker =
  | { type: 'op'; op: number; d: unknown }
  | {
      type: 'played';
      stats: GoLiveStats;
      cpuSeconds: number;
      mediaSeconds: number;
      majorGcs: number;
      mediaSend: string;
    }
  | { type: 'closed' };

export async function run(options: BenchOptions): Promise<void> {
  clipFiles(spec); // generates and caches the source before anything is timed
  const outputDir = join(import.meta.dirname, '..', '.cache', 'golive', 'bench-viewer');
  rmSync(outputDir, { recursive: true, force: true });
  const voice = await startVoiceSim({ profile: 'orb-transport', outputDir });
  const worker = fork(import.meta.filename, [], {
    env: { ...process.env, [WORKER_FLAG]: '1' },
    stdio: 'inherit',
  });
  worker.on('error', () => {
    // A send racing the child's exit; the results are in by then.
  });
  const handle: GatewayClientHandle = {
    userId: USER_ID,
    sessionId: MAIN_SESSION_ID,
    dispatch: (event, data) => send(worker, { type: 'dispatch', event, data }),
    close: () => {},
  };
  const played = await new Promise<Extract<FromWorker, { type: 'played' }>>((resolve, reject) => {
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'op') voice.opHandler(handle, message.op, message.d);
      else if (message.type === 'played') resolve(message);
    });
    worker.on('exit', (code) => reject(new Error(`the transport process exited early (${code})`)));
  });
  const reports = voice.senderReports();
  const closed = new Promise<void>((resolve) =>
    worker.on('message', (m: FromWorker) => m.type === 'closed' && resolve()),
  );
  send(worker, { type: 'finish' });
  await closed;
  worker.removeAllListeners('exit');
  await voice.stop();

  const files = voice.viewer.files!;
  const lumas = frameLumas(files.video);
  const offsets = avOffsetsMs(voice.viewer, reports, lumas, decodeAudio(files.audio));
  const spreads = reportClockSpreadsMs(voice.viewer, reports);
  const { stats } = played;
  const result = {
    framesSent: stats.videoFramesSent,
    framesDecodedByViewer: lumas.length,
    deliveredRatio: round(lumas.length / Math.max(1, stats.videoFramesSent), 4),
    daveEpoch: stats.daveEpoch,
    avOffsetMs: offsets.length === 0 ? null : round(Math.max(...offsets.map(Math.abs)), 1),
    // How far each stream's sender reports stray from one clock: a receiver lip-syncing on a report
    // that strays plays that much off (aim: within 10 ms).
    audioReportSpreadMs: spreads.audio === null ? null : round(spreads.audio, 1),
    videoReportSpreadMs: spreads.video === null ? null : round(spreads.video, 1),
    transportCpuSecondsPerMediaSecond: round(played.cpuSeconds / played.mediaSeconds, 4),
    encryptMicrosPerFrame: round(stats.encryptMicrosPerFrame, 1),
    // The part of the transport CPU spent inside davey's frame encryption (audio and video frames):
    // what is left for our own code once the E2EE library has had its share.
    // Full mark-compacts in the transport process while it played: the GC share of its CPU
    // follows this count (docs/golive-open-points.md, "Garbage").
    majorGcs: played.majorGcs,
    daveCpuSecondsPerMediaSecond: round(
      (stats.encryptMicrosPerFrame * (stats.videoFramesSent + stats.audioFramesSent)) /
        1e6 /
        played.mediaSeconds,
      4,
    ),
    divergences: voice.divergences.length,
    // Which packet sealing and sending the transport used: the native module or Node's APIs.
    mediaSend: played.mediaSend,
  };
  console.table({
    'video frames sent': result.framesSent,
    'frames decoded by the viewer': result.framesDecodedByViewer,
    'delivered ratio (target ≥ 0.99)': result.deliveredRatio,
    'DAVE epoch': result.daveEpoch,
    'worst A/V offset (ms)': result.avOffsetMs,
    'audio sender reports: spread from one clock (ms)': result.audioReportSpreadMs,
    'video sender reports: spread from one clock (ms)': result.videoReportSpreadMs,
    'transport CPU-s per media-s (target ≤ 0.02)': result.transportCpuSecondsPerMediaSecond,
    'media send path': result.mediaSend,
    'of which DAVE encryption (CPU-s per media-s)': result.daveCpuSecondsPerMediaSecond,
    'DAVE encrypt µs per frame': result.encryptMicrosPerFrame,
    'full GCs (mark-compact) while playing': result.majorGcs,
    'simulator divergences': result.divergences,
  });
  if (voice.divergences.length > 0) console.log(voice.divergences.join('\n'));
  if (options.json) console.log(JSON.stringify(result));
}

function send(worker: ChildProcess, message: ToWorker): void {
  // Dispatches answering the child's last ops (op 19, op 4 leave) may find it gone already.
  if (worker.connected) worker.send(message, (error) => void error);
}

/** The child: a Go Live sink whose main gateway is this process's IPC channel to the simulator. */
async function runWorker(): Promise<void> {
  const listeners = new Set<(event: string, data: unknown) => void>();
  const post = (message: FromWorker): void => {
    process.send?.(message);
  };
  const gateway: MainGateway = {
    userId: USER_ID,
    sessionId: MAIN_SESSION_ID,
    send: (op, d) => post({ type: 'op', op, d }),
    onDispatch(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    uploadStreamPreview: async () => {},
    destroy: async () => listeners.clear(),
  };
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  process.on('message', (message: ToWorker) => {
    if (message.type === 'dispatch') for (const listener of listeners) listener(message.event, message.data);
    else finish();
  });
  const clip = loadClip(spec);
  const video = { width: spec.width, height: spec.height, fps: spec.fps, maxBitrateKbps: spec.videoKbps };
  const sink = createGoLiveSink({
    token: 'unused',
    guildId: GUILD_ID,
    voiceChannelId: VOICE_CHANNEL_ID,
    logger: createLogger({ level: 'warn', pretty: false }),
    mainGateway: gateway,
    plainWebSocket: true,
  });
  await sink.open(video);
  await sink.beginItem({ title: 'bench', posterUrl: null }, video);
  let majorGcs = 0;
  const gcs = new PerformanceObserver((list) => {
    // A 'gc' entry's detail.kind says which collector ran.
    for (const entry of list.getEntries() as (PerformanceEntry & { detail?: { kind?: number } })[])
      if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majorGcs += 1;
  });
  gcs.observe({ entryTypes: ['gc'] });
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await playClip(sink, clip);
  const cpu = process.cpuUsage(cpuBefore);
  gcs.disconnect();
  post({
    type: 'played',
    stats: sink.stats(),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    mediaSeconds: (performance.now() - started) / 1000,
    majorGcs,
    mediaSend: describeMediaSendPath(),
  });
  await finished;
  await sink.close('bench finished');
  post({ type: 'closed' });
  process.disconnect();
}

if (process.env[WORKER_FLAG] === '1') await runWorker();
