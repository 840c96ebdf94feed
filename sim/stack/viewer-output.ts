// What the simulated viewer received, turned into things a person can look at and a test can check:
// ffprobe's view of the viewer's video.h264 and audio.ogg, a few decoded frames as PNG, and a short
// MP4 with both muxed. The raw H.264 has no timestamps, so the frame rate comes from the RTP clock.
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { resolveFfmpeg, resolveFfprobe } from '../../src/media/ffmpeg-binary.ts';
import type { ViewerOutputFiles, VoiceSim } from '../discord/voice/index.ts';

const run = promisify(execFile);
const RTP_VIDEO_CLOCK = 90_000;

export interface ViewerProbe {
  width: number;
  height: number;
  /** Frames ffmpeg could decode from video.h264. */
  decodedFrames: number;
  audioCodec: string | null;
  audioSeconds: number;
}

export async function probeViewerOutput(files: ViewerOutputFiles): Promise<ViewerProbe> {
  const ffprobe = resolveFfprobe();
  const video = await run(ffprobe, [
    ...['-v', 'error', '-count_frames', '-select_streams', 'v:0'],
    ...['-show_entries', 'stream=width,height,nb_read_frames', '-of', 'json', files.video],
  ]);
  const audio = await run(ffprobe, [
    ...['-v', 'error', '-select_streams', 'a:0'],
    ...['-show_entries', 'stream=codec_name:format=duration', '-of', 'json', files.audio],
  ]);
  const videoStream = (JSON.parse(video.stdout).streams?.[0] ?? {}) as Record<string, unknown>;
  const audioInfo = JSON.parse(audio.stdout) as {
    streams?: { codec_name?: string }[];
    format?: { duration?: string };
  };
  return {
    width: Number(videoStream.width ?? 0),
    height: Number(videoStream.height ?? 0),
    decodedFrames: Number(videoStream.nb_read_frames ?? 0),
    audioCodec: audioInfo.streams?.[0]?.codec_name ?? null,
    audioSeconds: Number(audioInfo.format?.duration ?? 0),
  };
}

/** The sender's frame rate, from the median RTP step between consecutive video frames. */
export function viewerFrameRate(viewer: VoiceSim['viewer']): number {
  const steps: number[] = [];
  const frames = viewer.videoFrames;
  for (let index = 1; index < frames.length; index += 1) {
    const step = (frames[index]!.rtpTimestamp - frames[index - 1]!.rtpTimestamp) >>> 0;
    if (step > 0 && step < RTP_VIDEO_CLOCK) steps.push(step);
  }
  steps.sort((a, b) => a - b);
  const median = steps[Math.floor(steps.length / 2)];
  return median ? Math.round(RTP_VIDEO_CLOCK / median) : 30;
}

/** Writes `frame-N.png` (up to `pngCount`, evenly spread) and `viewer.mp4` into `outputDir`. */
export async function exportViewerOutput(
  files: ViewerOutputFiles,
  outputDir: string,
  options: { fps: number; decodedFrames: number; pngCount?: number },
): Promise<{ pngs: string[]; mp4: string }> {
  const ffmpeg = resolveFfmpeg();
  mkdirSync(outputDir, { recursive: true });
  const pngCount = options.pngCount ?? 4;
  const every = Math.max(1, Math.floor(options.decodedFrames / pngCount));
  const rate = String(options.fps);
  await run(ffmpeg, [
    ...['-hide_banner', '-v', 'error', '-y', '-framerate', rate, '-i', files.video],
    ...['-vf', `select=not(mod(n\\,${every}))`, '-fps_mode', 'passthrough', '-frames:v', String(pngCount)],
    join(outputDir, 'frame-%d.png'),
  ]);
  const mp4 = join(outputDir, 'viewer.mp4');
  await run(ffmpeg, [
    ...['-hide_banner', '-v', 'error', '-y', '-framerate', rate, '-i', files.video, '-i', files.audio],
    ...['-map', '0:v:0', '-map', '1:a:0', '-c:v', 'copy', '-c:a', 'aac', '-b:a', '128k'],
    ...['-shortest', '-movflags', '+faststart', mp4],
  ]);
  const pngs = readdirSync(outputDir)
    .filter((name) => /^frame-\d+\.png$/.test(name))
    .sort((a, b) => Number(a.match(/\d+/)?.[0]) - Number(b.match(/\d+/)?.[0]))
    .map((name) => join(outputDir, name));
  return { pngs, mp4 };
}
