// ffmpeg argv for one playback segment (verified on ffmpeg 5.1). The input
// URL is our loopback proxy, which adds the Jellyfin credentials, so nothing secret is on argv.
import type { SourceInfo } from './probe.ts';
import type { StreamEncoding } from './stream-encoding.ts';

export type EncodeMode = 'copy' | 'transcode';

export interface SegmentPlan {
  url: string;
  source: SourceInfo;
  encoding: StreamEncoding;
  mode: EncodeMode;
  /** Source position to start from, in seconds (0 = the beginning). */
  startSeconds: number;
}

const OPUS_BITRATE = '128k';

function inputArgs(plan: SegmentPlan): string[] {
  const seek = plan.startSeconds > 0 ? ['-ss', plan.startSeconds.toFixed(3)] : [];
  return [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    '-loglevel',
    'warning',
    '-reconnect',
    '1',
    '-reconnect_streamed',
    '1',
    '-reconnect_on_network_error',
    '1',
    '-reconnect_delay_max',
    '5',
    '-rw_timeout',
    '15000000',
    // Copy mode keeps source timestamps so a seek reports where the keyframe really is; transcode
    // starts exactly at the target and counts from 0.
    ...(plan.mode === 'copy' ? ['-copyts', ...(seek.length > 0 ? ['-noaccurate_seek'] : [])] : []),
    ...seek,
    '-i',
    plan.url,
  ];
}

function videoArgs(plan: SegmentPlan): string[] {
  if (plan.mode === 'copy') {
    return ['-c:v', 'copy', '-bsf:v', 'h264_mp4toannexb,filter_units=remove_types=9,dump_extra'];
  }
  const { width, height, fps, bitrateKbps } = plan.encoding;
  // A 1 s GOP, so the keyframe a viewer asks for (PLI/FIR, protocol.md §4.8) follows within a second:
  // a running ffmpeg cannot be made to emit one on demand, and against a 2 s GOP the shorter one cost
  // about 0.1 dB PSNR at the same bitrate and no measurable CPU. DVS 6 forces one every second too.
  const gop = String(fps);
  const bitrate = `${bitrateKbps}k`;
  return [
    '-vf',
    // Fit inside the profile's box without upscaling, folding SAR in (viewers ignore SAR), then CFR.
    `scale=w='trunc(min(min(${width},iw*sar),${height}*dar)/2)*2':h='trunc(ow/dar/2)*2',setsar=1,fps=${fps}`,
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-profile:v', 'high', '-bf', '0'],
    ...['-g', gop, '-keyint_min', gop, '-sc_threshold', '0'],
    ...['-b:v', bitrate, '-maxrate', bitrate, '-bufsize', bitrate, '-pix_fmt', 'yuv420p'],
    ...['-bsf:v', 'dump_extra'],
  ];
}

function audioArgs(plan: SegmentPlan): string[] {
  if (plan.source.audioStreamIndex === null) return ['-an'];
  // Downmix inside the chain with a limiter: plain `-ac 2` clips dense 5.1 mixes.
  const downmix =
    plan.source.audioChannels > 2 ? 'aformat=channel_layouts=stereo,alimiter=limit=0.89:level=disabled,' : '';
  // first_pts=0 would trim the audio before a copy-mode keyframe, so only transcode uses it.
  const resample = plan.mode === 'copy' ? 'aresample=async=1' : 'aresample=async=1:first_pts=0';
  return [
    '-af',
    `${downmix}${resample}`,
    ...['-c:a', 'libopus', '-b:a', OPUS_BITRATE, '-ar', '48000', '-ac', '2'],
    ...['-frame_duration', '20', '-application', 'audio'],
  ];
}

/** Everything but the output: shared by the player and the benchmark's null-output baseline. */
export function segmentCodecArgs(plan: SegmentPlan): string[] {
  const maps = ['-map', `0:${plan.source.videoStreamIndex}`];
  if (plan.source.audioStreamIndex !== null) maps.push('-map', `0:${plan.source.audioStreamIndex}`);
  return [...inputArgs(plan), ...maps, ...videoArgs(plan), ...audioArgs(plan)];
}

/** Matroska with one cluster per packet, so every packet leaves ffmpeg as soon as it is made. */
export const MATROSKA_OUTPUT_OPTIONS = [
  '-f',
  'matroska',
  '-cluster_time_limit',
  '0',
  '-cluster_size_limit',
  '0',
  '-flush_packets',
  '1',
] as const;

export function segmentArgs(plan: SegmentPlan): string[] {
  return [...segmentCodecArgs(plan), ...MATROSKA_OUTPUT_OPTIONS, 'pipe:1'];
}
