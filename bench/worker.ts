// `npm run bench -- worker [--json] [--seconds N] [--mode copy|transcode720p30]`: the media engine on a 60 s 1080p24 H.264 + AAC
// source served over local HTTP (with the Jellyfin auth header, through the worker's proxy), once
// in copy mode and once transcoding to 720p30, played in REAL TIME into a capture sink.
//
// The engine runs inside this process, so "worker" CPU is this process's own CPU plus its reaped
// children (ffprobe, ffmpeg) read from /proc/self/stat; the baseline is the very same ffmpeg argv
// writing Matroska to /dev/null, run flat out in the same session.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { createLogger } from '../src/logger.ts';
import { resolveFfmpeg, resolveFfprobe } from '../src/media/ffmpeg-binary.ts';
import { mediaBrowserAuthorization } from '../src/media/jellyfin-auth-header.ts';
import type { CapturedFrame } from '../src/worker/capture-sink.ts';
import { VideoEncoderSelection } from '../src/worker/media/encoder-selection.ts';
import {
  type EncodeMode,
  MATROSKA_OUTPUT_OPTIONS,
  segmentCodecArgs,
} from '../src/worker/media/ffmpeg-args.ts';
import { probeSource } from '../src/worker/media/probe.ts';
import { SourceProxy } from '../src/worker/media/source-proxy.ts';
import { type StreamEncoding, streamEncoding } from '../src/worker/media/stream-encoding.ts';
import { vaapiDeviceSchema, videoEncoderSettingSchema } from '../src/worker-contract/environment.ts';
import type { Encoder, WorkerEvent } from '../src/worker-contract/http.ts';
import { openCaptureSession, playRequest } from '../test/worker/support/media-fixtures.ts';
import { round } from './_round.ts';
import type { BenchOptions } from './run.ts';

const SOURCE_SECONDS = 60;
const CACHE_DIR = '.cache/bench-worker';
const SOURCE_PATH = join(CACHE_DIR, `source-1080p24-${SOURCE_SECONDS}s.mp4`);
const CLOCK_TICKS_PER_SECOND = 100;

interface ModeSpec {
  name: 'copy' | 'transcode720p30';
  mode: EncodeMode;
  encoding: StreamEncoding;
}

const modes: ModeSpec[] = [
  // 1080p30 so the 1080p24 source fits and passes through untouched.
  { name: 'copy', mode: 'copy', encoding: streamEncoding('1080p30') },
  { name: 'transcode720p30', mode: 'transcode', encoding: streamEncoding('720p30') },
];

interface ModeResult {
  /** What made the picture: `copy`, or the encoder the worker chose (VIDEO_ENCODER, default auto). */
  encoder: Encoder | null;
  mediaSeconds: number;
  cpuSecondsPerMediaSecond: number;
  /** The Node side alone (pacing, demuxing, proxy), without ffprobe/ffmpeg. */
  engineCpuSecondsPerMediaSecond: number;
  ffmpegOnlyCpuSecondsPerMediaSecond: number;
  overheadRatio: number;
  ttffMs: number;
  pacingJitterP50Ms: number;
  pacingJitterP99Ms: number;
  avOffsetMaxMs: number;
  workerRssMb: number;
  targetsMet: boolean;
}

async function ensureSource(): Promise<string> {
  const existing = await stat(SOURCE_PATH).catch(() => null);
  if (existing && existing.size > 0) return SOURCE_PATH;
  await mkdir(CACHE_DIR, { recursive: true });
  process.stderr.write(`generating ${SOURCE_PATH} (once)…\n`);
  const partial = `${SOURCE_PATH}.partial.mp4`;
  await execa(resolveFfmpeg(), [
    ...['-hide_banner', '-loglevel', 'error', '-y'],
    ...['-f', 'lavfi', '-i', `testsrc2=size=1920x1080:rate=24:duration=${SOURCE_SECONDS}`],
    ...['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${SOURCE_SECONDS}`],
    // High profile without B-frames and a 2 s GOP, so the same file is eligible for copy mode.
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'high', '-bf', '0', '-g', '48'],
    ...['-b:v', '4000k', '-maxrate', '4000k', '-bufsize', '8000k', '-pix_fmt', 'yuv420p'],
    ...['-c:a', 'aac', '-b:a', '160k', '-ac', '2', '-movflags', '+faststart', partial],
  ]);
  await rename(partial, SOURCE_PATH);
  return SOURCE_PATH;
}

/** CPU seconds of this process and of its children it has reaped, so far. */
function cpuSeconds(): { self: number; children: number } {
  const usage = process.cpuUsage();
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command name: state(0) … utime(11) stime(12) cutime(13) cstime(14).
  const children = (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS_PER_SECOND;
  return { self: (usage.user + usage.system) / 1e6, children };
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Where the stream's clock stood against the wall clock when the frame arrived. Audio riding along
 * with a video frame arrives up to AUDIO_LEAD_MS early on purpose and says so (`aheadMs`): what is
 * measured is the pacer's schedule, not that planned lead.
 */
function scheduleOffsetMs(frame: CapturedFrame): number {
  return frame.arrivedMs + frame.aheadMs - frame.ptsMs;
}

/** Lateness of each frame against the schedule its predecessors set (schedule offset, from its minimum). */
function pacingJitter(frames: CapturedFrame[]): number[] {
  let best = Number.POSITIVE_INFINITY;
  return frames.map((frame) => {
    const offset = scheduleOffsetMs(frame);
    best = Math.min(best, offset);
    return offset - best;
  });
}

/**
 * Sustained A/V offset as presented: per 1 s window, the median schedule offset of
 * video minus that of audio. A single late timer shows in the jitter figure; a receiver's jitter
 * buffer absorbs it, while a window-long difference is what a viewer would see as lip-sync error.
 */
function avOffsetMax(frames: CapturedFrame[]): number {
  const windows = new Map<number, { video: number[]; audio: number[] }>();
  for (const frame of frames) {
    const key = Math.floor(frame.ptsMs / 1000);
    const window = windows.get(key) ?? { video: [], audio: [] };
    window[frame.kind].push(scheduleOffsetMs(frame));
    windows.set(key, window);
  }
  let worst = 0;
  for (const { video, audio } of windows.values()) {
    if (video.length === 0 || audio.length === 0) continue;
    worst = Math.max(worst, Math.abs(percentile(video, 50) - percentile(audio, 50)));
  }
  return worst;
}

async function measure(
  spec: ModeSpec,
  proxy: SourceProxy,
  url: string,
  seconds: number,
  videoEncoders: VideoEncoderSelection,
): Promise<ModeResult> {
  const logger = createLogger({ level: 'warn', pretty: false, destination: process.stderr });
  // Baseline: the same ffmpeg argv, Matroska into /dev/null, flat out. Run before AND after the
  // paced run and averaged, because other work on the machine shifts CPU cost per frame over time.
  const proxied = proxy.register(url);
  const source = await probeSource(resolveFfprobe(), proxied.url, spec.encoding);
  const plan = {
    url: proxied.url,
    source,
    encoding: spec.encoding,
    mode: spec.mode,
    startSeconds: 0,
    videoEncoder: await videoEncoders.encoder(),
  };
  const trim = seconds < SOURCE_SECONDS ? ['-t', String(seconds)] : [];
  const baseline = async () => {
    const before = cpuSeconds().children;
    await execa(resolveFfmpeg(), [
      ...segmentCodecArgs(plan),
      ...trim,
      ...MATROSKA_OUTPUT_OPTIONS,
      '-y',
      '/dev/null',
    ]);
    return cpuSeconds().children - before;
  };
  const baselineBefore = await baseline();

  // The engine, paced in real time.
  const { session, sink } = await openCaptureSession(
    { proxy, encoding: spec.encoding, forceMode: spec.mode, videoEncoders },
    logger,
  );
  let peakRss = process.memoryUsage().rss;
  let encoder: Encoder | null = null;
  const rssSampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    encoder = session.stats().encoder ?? encoder;
  }, 250);
  const ended = new Promise<void>((resolve) =>
    session.subscribe((event: WorkerEvent) => {
      if (event.type === 'ended') resolve();
    }),
  );
  const start = cpuSeconds();
  const playAt = performance.now();
  session.play(playRequest(url, { durationSeconds: SOURCE_SECONDS }));
  if (seconds < SOURCE_SECONDS) {
    const stopAt = setInterval(() => {
      if (session.status().positionSeconds >= seconds) session.control({ action: 'stop' });
    }, 100);
    await ended;
    clearInterval(stopAt);
  } else {
    await ended;
  }
  // Let the killed ffmpeg be reaped so its CPU shows in cutime.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const end = cpuSeconds();
  clearInterval(rssSampler);
  await session.close('bench over');
  const ffmpegOnly = (baselineBefore + (await baseline())) / 2;
  proxied.release();

  const mediaSeconds = session.status().positionSeconds || seconds;
  const lateness = pacingJitter(sink.frames);
  const workerCpu = end.self - start.self + (end.children - start.children);
  const firstVideo = sink.frames.find((frame) => frame.kind === 'video');
  const cpuPerMedia = workerCpu / mediaSeconds;
  const ffmpegOnlyPerMedia = ffmpegOnly / Math.min(seconds, SOURCE_SECONDS);
  const result = {
    encoder,
    mediaSeconds: round(mediaSeconds, 2),
    cpuSecondsPerMediaSecond: round(cpuPerMedia, 4),
    engineCpuSecondsPerMediaSecond: round((end.self - start.self) / mediaSeconds, 4),
    ffmpegOnlyCpuSecondsPerMediaSecond: round(ffmpegOnlyPerMedia, 4),
    overheadRatio: round(cpuPerMedia / ffmpegOnlyPerMedia, 3),
    ttffMs: Math.round((firstVideo?.arrivedMs ?? Number.NaN) - playAt),
    pacingJitterP50Ms: round(percentile(lateness, 50), 2),
    pacingJitterP99Ms: round(percentile(lateness, 99), 2),
    avOffsetMaxMs: round(avOffsetMax(sink.frames), 2),
    workerRssMb: Math.round(peakRss / (1024 * 1024)),
  };
  const targetsMet =
    result.pacingJitterP99Ms <= 4 &&
    result.avOffsetMaxMs <= 20 &&
    (spec.mode === 'copy'
      ? result.cpuSecondsPerMediaSecond < 0.05 && result.ttffMs <= 1_000
      : result.overheadRatio <= 1.1 && result.ttffMs <= 2_000);
  return { ...result, targetsMet };
}

export async function run(options: BenchOptions): Promise<void> {
  const secondsArg = options.args.indexOf('--seconds');
  const seconds = secondsArg >= 0 ? Number(options.args[secondsArg + 1]) : SOURCE_SECONDS;
  const modeArg = options.args.indexOf('--mode');
  const selected = modeArg >= 0 ? modes.filter((spec) => spec.name === options.args[modeArg + 1]) : modes;
  const sourcePath = await ensureSource();
  const apiKey = 'bench-jellyfin-api-key';
  const server = execa(process.execPath, [new URL('./_media-server.ts', import.meta.url).pathname], {
    env: { BENCH_MEDIA_FILE: sourcePath, BENCH_MEDIA_API_KEY: apiKey },
    buffer: false,
    reject: false,
  });
  const results: Record<string, ModeResult> = {};
  try {
    const [line] = (await once(server.stdout, 'data')) as [Buffer];
    const { url, streamUrl } = JSON.parse(line.toString()) as { url: string; streamUrl: string };
    const proxy = await SourceProxy.start({
      jellyfinUrl: url,
      authorization: mediaBrowserAuthorization(apiKey, 'bench'),
    });
    const videoEncoders = new VideoEncoderSelection({
      setting: videoEncoderSettingSchema.default('auto').parse(process.env.VIDEO_ENCODER || undefined),
      vaapiDevice: vaapiDeviceSchema.optional().parse(process.env.VAAPI_DEVICE || undefined),
      ffmpegPath: resolveFfmpeg(),
      logger: createLogger({ level: 'info', pretty: false, destination: process.stderr }),
    });
    try {
      for (const spec of selected) {
        results[spec.name] = await measure(spec, proxy, streamUrl, seconds, videoEncoders);
      }
    } finally {
      await proxy.close();
    }
  } finally {
    server.kill('SIGTERM');
    await server;
  }
  const rows = Object.entries(results).map(([mode, r]) => ({ mode, ...r }));
  console.table(rows);
  console.log(
    'targets: overheadRatio ≤ 1.10 (transcode), copy < 0.05 CPU-s/media-s, jitter p99 ≤ 4 ms, A/V ≤ 20 ms, first frame ≤ 1 s copy / 2 s transcode',
  );
  if (options.json) console.log(JSON.stringify(results));
}
