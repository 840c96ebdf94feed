// What the source holds and whether its video can pass through untouched (protocol.md §4.4).
// One ffprobe call reads the streams and ~20 s of packet flags (for the keyframe interval).
import { execa } from 'execa';
import { z } from 'zod';
import type { StreamEncoding } from './stream-encoding.ts';

const numeric = z.union([z.string(), z.number()]).transform(Number).optional();

const probeOutputSchema = z.object({
  streams: z
    .array(
      z.object({
        index: z.number().int(),
        codec_type: z.string().optional(),
        codec_name: z.string().optional(),
        profile: z.string().optional(),
        pix_fmt: z.string().optional(),
        width: z.number().optional(),
        height: z.number().optional(),
        has_b_frames: z.number().optional(),
        level: z.number().optional(),
        field_order: z.string().optional(),
        r_frame_rate: z.string().optional(),
        avg_frame_rate: z.string().optional(),
        channels: z.number().optional(),
        bit_rate: numeric,
        disposition: z.record(z.string(), z.number()).optional(),
      }),
    )
    .default([]),
  packets: z
    .array(z.object({ stream_index: z.number().int(), pts_time: numeric, flags: z.string().optional() }))
    .default([]),
  format: z
    .object({ duration: numeric, start_time: numeric, bit_rate: numeric, format_name: z.string().optional() })
    .optional(),
});
type ProbeStream = z.infer<typeof probeOutputSchema>['streams'][number];

export interface SourceInfo {
  videoStreamIndex: number;
  audioStreamIndex: number | null;
  audioChannels: number;
  durationSeconds: number | null;
  /** Container start time; copy mode keeps source timestamps (-copyts), so positions subtract this. */
  startTimeSeconds: number;
  video: { codec: string; width: number; height: number; fps: number };
  /** Null when the H.264 can be copied, otherwise why it must be transcoded. */
  copyBlocker: string | null;
}

export class UnsupportedSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedSourceError';
  }
}

const COPYABLE_PROFILES = new Set(['Constrained Baseline', 'Baseline', 'Main', 'High']);
const PICTURE_CODECS = new Set(['mjpeg', 'png', 'bmp', 'gif']);
/** H.264 level 4.2 (ffprobe reports level × 10); above it some viewers refuse the stream. */
const MAX_COPY_LEVEL = 42;
const MAX_COPY_KEYFRAME_INTERVAL_SECONDS = 3;
const PROBED_SECONDS = 20;

function frameRate(text: string | undefined): number {
  const [num, den] = (text ?? '0/1').split('/').map(Number);
  return num && den ? num / den : 0;
}

function pickVideo(streams: ProbeStream[]): ProbeStream | undefined {
  return streams.find(
    (s) =>
      s.codec_type === 'video' && !s.disposition?.attached_pic && !PICTURE_CODECS.has(s.codec_name ?? ''),
  );
}

function pickAudio(streams: ProbeStream[]): ProbeStream | undefined {
  const audio = streams.filter((s) => s.codec_type === 'audio');
  return audio.find((s) => s.disposition?.default) ?? audio[0];
}

function longestKeyframeGap(
  packets: z.infer<typeof probeOutputSchema>['packets'],
  videoIndex: number,
): number | null {
  const keyTimes = packets
    .filter((p) => p.stream_index === videoIndex && p.flags?.startsWith('K') && Number.isFinite(p.pts_time))
    .map((p) => p.pts_time!);
  if (keyTimes.length < 2) return null;
  let longest = 0;
  for (let i = 1; i < keyTimes.length; i++) longest = Math.max(longest, keyTimes[i]! - keyTimes[i - 1]!);
  return longest;
}

/** The first reason the source's H.264 cannot be passed through to viewers, or null. */
function copyBlocker(
  video: ProbeStream,
  probe: z.infer<typeof probeOutputSchema>,
  encoding: StreamEncoding,
): string | null {
  const fps = frameRate(video.avg_frame_rate) || frameRate(video.r_frame_rate);
  const bitrateKbps = (video.bit_rate ?? probe.format?.bit_rate ?? 0) / 1000;
  const keyframeGap = longestKeyframeGap(probe.packets, video.index);
  if (video.codec_name !== 'h264') return `codec ${video.codec_name ?? 'unknown'}`;
  if ((video.has_b_frames ?? 0) > 0) return 'B-frames';
  if (!COPYABLE_PROFILES.has(video.profile ?? '')) return `profile ${video.profile ?? 'unknown'}`;
  if (video.pix_fmt !== 'yuv420p') return `pixel format ${video.pix_fmt ?? 'unknown'}`;
  if ((video.level ?? 0) > MAX_COPY_LEVEL) return `level ${video.level}`;
  if (video.field_order && !['progressive', 'unknown'].includes(video.field_order)) return 'interlaced';
  if ((video.width ?? 0) > encoding.width || (video.height ?? 0) > encoding.height) {
    return `resolution ${video.width}x${video.height} above ${encoding.width}x${encoding.height}`;
  }
  if (fps === 0 || fps > encoding.fps + 0.5) return `frame rate ${fps.toFixed(2)}`;
  if (frameRate(video.r_frame_rate) !== 0 && Math.abs(frameRate(video.r_frame_rate) - fps) > 0.5) {
    return 'variable frame rate';
  }
  if (bitrateKbps > encoding.bitrateKbps * 1.25) return `bitrate ${Math.round(bitrateKbps)} kbit/s`;
  if (keyframeGap === null || keyframeGap > MAX_COPY_KEYFRAME_INTERVAL_SECONDS) return 'sparse keyframes';
  return null;
}

/** Probes `url` (our loopback proxy, so no credentials on argv). Throws UnsupportedSourceError. */
export async function probeSource(
  ffprobePath: string,
  url: string,
  encoding: StreamEncoding,
  signal?: AbortSignal,
): Promise<SourceInfo> {
  const result = await execa(
    ffprobePath,
    [
      '-v',
      'error',
      '-print_format',
      'json',
      '-show_format',
      '-show_streams',
      '-show_entries',
      'packet=stream_index,pts_time,flags',
      '-read_intervals',
      `%+${PROBED_SECONDS}`,
      url,
    ],
    { reject: false, timeout: 30_000, cancelSignal: signal, stripFinalNewline: true },
  );
  if (result.exitCode !== 0) {
    const detail = result.stderr.split('\n').filter(Boolean).at(-1) ?? 'ffprobe failed';
    throw new UnsupportedSourceError(`cannot read the media: ${detail}`);
  }
  const probe = probeOutputSchema.parse(JSON.parse(result.stdout));
  const video = pickVideo(probe.streams);
  if (!video) throw new UnsupportedSourceError('the media has no video stream');
  if (!video.codec_name) throw new UnsupportedSourceError('the video codec is not supported by ffmpeg');
  const audio = pickAudio(probe.streams);
  const duration = probe.format?.duration;
  return {
    videoStreamIndex: video.index,
    audioStreamIndex: audio?.index ?? null,
    audioChannels: audio?.channels ?? 2,
    durationSeconds: duration !== undefined && Number.isFinite(duration) ? duration : null,
    startTimeSeconds: Number.isFinite(probe.format?.start_time) ? probe.format!.start_time! : 0,
    video: {
      codec: video.codec_name,
      width: video.width ?? 0,
      height: video.height ?? 0,
      fps: frameRate(video.avg_frame_rate) || frameRate(video.r_frame_rate),
    },
    copyBlocker: copyBlocker(video, probe, encoding),
  };
}
