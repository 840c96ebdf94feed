// What the source holds and whether its video can pass through untouched (protocol.md §4.4).
// One ffprobe call reads the streams and ~20 s of packet flags (for the keyframe interval).
import { execa } from 'execa';
import { z } from 'zod';
import { type FrameRate, parseFrameRate, sourceFrameRate } from './frame-rate.ts';
import {
  type FieldOrder,
  type HdrTransfer,
  type PictureFacts,
  pictureCopyBlocker,
} from './output-picture.ts';
import { PROXIED_SOURCE_INPUT_OPTIONS } from './source-proxy.ts';
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
        sample_aspect_ratio: z.string().optional(),
        color_transfer: z.string().optional(),
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
type ProbePacket = z.infer<typeof probeOutputSchema>['packets'][number];

export interface SourceInfo {
  videoStreamIndex: number;
  audioStreamIndex: number | null;
  audioChannels: number;
  /** Every audio stream, for a requested track (src/worker/media/track-choice.ts). */
  audioStreams: { index: number; channels: number }[];
  durationSeconds: number | null;
  /** Container start time; copy mode keeps source timestamps (-copyts), so positions subtract this. */
  startTimeSeconds: number;
  video: PictureFacts;
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
/** Fewer video packets than this say too little about a source's average rate. */
const MIN_PACKETS_FOR_RATE = 10;

/** ffprobe's field orders are in coding order first: `tb` is coded top first, shown bottom first. */
const FIELD_ORDERS: Readonly<Record<string, FieldOrder>> = {
  progressive: 'progressive',
  tt: 'top-first',
  bt: 'top-first',
  bb: 'bottom-first',
  tb: 'bottom-first',
};
const HDR_TRANSFERS: ReadonlySet<string> = new Set<HdrTransfer>(['smpte2084', 'arib-std-b67']);

/** `32:27` → 1.185; 1 when absent or `0:1` (unknown, which players show as square). */
function pixelAspect(text: string | undefined): number {
  const [num, den] = (text ?? '').split(':').map(Number);
  return num && den ? num / den : 1;
}

/**
 * The average rate of the probed video packets. Matroska states no average of its own (ffprobe
 * repeats the base rate there), so a variable-rate MKV shows only in its packets.
 */
function packetFrameRate(packets: ProbePacket[], videoIndex: number): FrameRate | null {
  const times = packets
    .filter((p) => p.stream_index === videoIndex && Number.isFinite(p.pts_time))
    .map((p) => p.pts_time!)
    .sort((a, b) => a - b);
  if (times.length < MIN_PACKETS_FOR_RATE) return null;
  const span = times.at(-1)! - times[0]!;
  return span > 0 ? { num: Math.round(((times.length - 1) / span) * 1000), den: 1000 } : null;
}

function pictureFacts(video: ProbeStream, codec: string, packets: ProbePacket[]): PictureFacts {
  const average = packetFrameRate(packets, video.index) ?? parseFrameRate(video.avg_frame_rate);
  return {
    codec,
    width: video.width ?? 0,
    height: video.height ?? 0,
    pixelAspect: pixelAspect(video.sample_aspect_ratio),
    frameRate: sourceFrameRate(parseFrameRate(video.r_frame_rate), average),
    fieldOrder: FIELD_ORDERS[video.field_order ?? ''] ?? 'unknown',
    hdr: HDR_TRANSFERS.has(video.color_transfer ?? '') ? (video.color_transfer as HdrTransfer) : null,
  };
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

function longestKeyframeGap(packets: ProbePacket[], videoIndex: number): number | null {
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
  picture: PictureFacts,
  probe: z.infer<typeof probeOutputSchema>,
  encoding: StreamEncoding,
  maxKeyframeIntervalSeconds: number,
): string | null {
  const bitrateKbps = (video.bit_rate ?? probe.format?.bit_rate ?? 0) / 1000;
  const keyframeGap = longestKeyframeGap(probe.packets, video.index);
  if (video.codec_name !== 'h264') return `codec ${video.codec_name ?? 'unknown'}`;
  if ((video.has_b_frames ?? 0) > 0) return 'B-frames';
  if (!COPYABLE_PROFILES.has(video.profile ?? '')) return `profile ${video.profile ?? 'unknown'}`;
  if (video.pix_fmt !== 'yuv420p') return `pixel format ${video.pix_fmt ?? 'unknown'}`;
  if ((video.level ?? 0) > MAX_COPY_LEVEL) return `level ${video.level}`;
  const pictureBlocker = pictureCopyBlocker(picture, encoding);
  if (pictureBlocker) return pictureBlocker;
  if (bitrateKbps > encoding.bitrateKbps * 1.25) return `bitrate ${Math.round(bitrateKbps)} kbit/s`;
  if (keyframeGap === null || keyframeGap > maxKeyframeIntervalSeconds) return 'sparse keyframes';
  return null;
}

/**
 * Probes `url` (our loopback proxy, so no credentials on argv). Throws UnsupportedSourceError.
 * `maxKeyframeIntervalSeconds`: the longest keyframe spacing copy mode accepts (Jellyfin's transcode
 * has a longer one of its own, src/worker/media/jellyfin-transcode.ts).
 */
export async function probeSource(
  ffprobePath: string,
  url: string,
  encoding: StreamEncoding,
  signal?: AbortSignal,
  maxKeyframeIntervalSeconds = MAX_COPY_KEYFRAME_INTERVAL_SECONDS,
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
      ...PROXIED_SOURCE_INPUT_OPTIONS,
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
  const picture = pictureFacts(video, video.codec_name, probe.packets);
  return {
    videoStreamIndex: video.index,
    audioStreamIndex: audio?.index ?? null,
    audioChannels: audio?.channels ?? 2,
    audioStreams: probe.streams
      .filter((stream) => stream.codec_type === 'audio')
      .map((stream) => ({ index: stream.index, channels: stream.channels ?? 2 })),
    durationSeconds: duration !== undefined && Number.isFinite(duration) ? duration : null,
    startTimeSeconds: Number.isFinite(probe.format?.start_time) ? probe.format!.start_time! : 0,
    video: picture,
    copyBlocker: copyBlocker(video, picture, probe, encoding, maxKeyframeIntervalSeconds),
  };
}

/** How far either side of a start point copy mode looks for a keyframe. */
const KEYFRAME_SEARCH_SECONDS = 4;

/**
 * The video keyframe nearest `seconds` (within a few seconds either way), or null when none is
 * found there. Copy mode can only start at a keyframe; starting at the one before the point, as a
 * plain input seek does, replays up to a whole GOP after a restored worker, so an item that starts
 * part-way (a resume, a restored party) starts at the nearest one instead: at most half a GOP off.
 */
export async function nearestKeyframeSeconds(
  ffprobePath: string,
  url: string,
  seconds: number,
  signal?: AbortSignal,
): Promise<number | null> {
  const from = Math.max(0, seconds - KEYFRAME_SEARCH_SECONDS);
  const result = await execa(
    ffprobePath,
    [
      ...['-v', 'error', '-print_format', 'json', '-select_streams', 'v:0'],
      ...['-show_entries', 'packet=pts_time,flags'],
      ...['-read_intervals', `${from.toFixed(3)}%${(seconds + KEYFRAME_SEARCH_SECONDS).toFixed(3)}`],
      ...PROXIED_SOURCE_INPUT_OPTIONS,
      url,
    ],
    { reject: false, timeout: 10_000, cancelSignal: signal, stripFinalNewline: true },
  );
  if (result.exitCode !== 0) return null;
  const packets = keyframePacketsSchema.safeParse(JSON.parse(result.stdout || '{}'));
  if (!packets.success) return null;
  let nearest: number | null = null;
  for (const packet of packets.data.packets ?? []) {
    const at = Number(packet.pts_time);
    if (!packet.flags?.startsWith('K') || !Number.isFinite(at)) continue;
    if (nearest === null || Math.abs(at - seconds) < Math.abs(nearest - seconds)) nearest = at;
  }
  return nearest;
}

const keyframePacketsSchema = z.object({
  packets: z.array(z.object({ pts_time: z.string().optional(), flags: z.string().optional() })).optional(),
});
