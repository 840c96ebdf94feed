// ffmpeg argv for one playback segment (verified on ffmpeg 5.1). The input
// URL is our loopback proxy, which adds the Jellyfin credentials, so nothing secret is on argv.
import { formatFrameRate, framesPerSecond } from './frame-rate.ts';
import { type HdrTransfer, type OutputPicture, planPicture } from './output-picture.ts';
import type { SourceInfo } from './probe.ts';
import { PROXIED_SOURCE_INPUT_OPTIONS } from './source-proxy.ts';
import type { StreamEncoding } from './stream-encoding.ts';
import { pictureGraph, type SubtitleBurnIn } from './track-choice.ts';
import {
  encoderCodecArgs,
  encoderDeviceArgs,
  encoderFinishFilters,
  SOFTWARE_ENCODER,
  scalesOnDevice,
  type VideoEncoder,
} from './video-encoder.ts';

export type EncodeMode = 'copy' | 'transcode';

export interface SegmentPlan {
  url: string;
  source: SourceInfo;
  encoding: StreamEncoding;
  mode: EncodeMode;
  /** Source position to start from, in seconds (0 = the beginning). */
  startSeconds: number;
  /** Subtitles to burn in (transcode only: copy mode leaves the picture untouched). */
  subtitle?: SubtitleBurnIn | null;
  /** What encodes a transcode (encoder-selection.ts); x264 when absent. */
  videoEncoder?: VideoEncoder;
  /**
   * The input already begins at startSeconds (Jellyfin's transcode, asked for from there): no seek,
   * and its timestamps count from the start, as a transcode's do.
   */
  inputAtStart?: boolean;
}

const OPUS_BITRATE = '128k';

function inputArgs(plan: SegmentPlan): string[] {
  const seek = plan.startSeconds > 0 && !plan.inputAtStart ? ['-ss', plan.startSeconds.toFixed(3)] : [];
  const sourceTimestamps = plan.mode === 'copy' && !plan.inputAtStart;
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
    ...(sourceTimestamps ? ['-copyts', ...(seek.length > 0 ? ['-noaccurate_seek'] : [])] : []),
    ...(plan.mode === 'transcode' ? encoderDeviceArgs(plan.videoEncoder ?? SOFTWARE_ENCODER) : []),
    ...seek,
    ...PROXIED_SOURCE_INPUT_OPTIONS,
    '-i',
    plan.url,
  ];
}

/**
 * The transcoded picture's filters, in order: deinterlace whole frames first, drop to the output
 * rate before any costly work, scale to the announced size, then tone-map the smaller frames.
 * Anything drawn onto the picture (burned-in subtitles) goes between `shape` and `finish`, at the
 * output size; `finish` hands the frames to the encoder (video-encoder.ts). A GPU encoder with a
 * scaler of its own scales on the device instead when nothing CPU-only follows the scaler.
 */
function videoFilters(
  picture: OutputPicture,
  encoder: VideoEncoder,
  drawsOnPicture: boolean,
): { shape: string[]; finish: string[] } {
  const size = { width: picture.width, height: picture.height };
  const deviceScale = scalesOnDevice(encoder) && !picture.toneMap && !drawsOnPicture;
  return {
    shape: [
      ...(picture.deinterlace
        ? [`bwdif=mode=send_frame:parity=${picture.deinterlace.parity}:deint=${picture.deinterlace.frames}`]
        : []),
      // The last frame passes even when the source's timestamps sit half a frame off the output grid.
      `fps=${formatFrameRate(picture.frameRate)}:eof_action=pass`,
      ...(deviceScale ? [] : [`scale=${size.width}:${size.height}`]),
      ...(picture.toneMap ? toneMapFilters(picture.toneMap) : []),
    ],
    finish: encoderFinishFilters(encoder, deviceScale ? size : null),
  };
}

/**
 * HDR → SDR BT.709: to linear light (100 nits as reference white), BT.2020 → BT.709 primaries in
 * float, Hable's curve (keeps highlights without crushing shadows), back to BT.709 video range.
 */
function toneMapFilters(transfer: HdrTransfer): string[] {
  return [
    `zscale=transferin=${transfer}:primariesin=bt2020:matrixin=bt2020nc:transfer=linear:npl=100`,
    'format=gbrpf32le',
    'zscale=primaries=bt709',
    'tonemap=tonemap=hable:desat=0',
    'zscale=transfer=bt709:matrix=bt709:range=tv',
  ];
}

function videoArgs(plan: SegmentPlan): string[] {
  if (plan.mode === 'copy') {
    return [
      ...['-map', `0:${plan.source.videoStreamIndex}`],
      ...['-c:v', 'copy', '-bsf:v', 'h264_mp4toannexb,filter_units=remove_types=9,dump_extra'],
    ];
  }
  const picture = planPicture(plan.source.video, plan.encoding);
  const encoder = plan.videoEncoder ?? SOFTWARE_ENCODER;
  const filters = videoFilters(picture, encoder, Boolean(plan.subtitle));
  const graph = pictureGraph(plan.source.videoStreamIndex, filters.shape, filters.finish, plan.subtitle, {
    width: picture.width,
    height: picture.height,
    startSeconds: plan.startSeconds,
  });
  // A 1 s GOP, so the keyframe a viewer asks for (PLI/FIR, protocol.md §4.8) follows within a second:
  // a running ffmpeg cannot be made to emit one on demand, and against a 2 s GOP the shorter one cost
  // about 0.1 dB PSNR at the same bitrate and no measurable CPU. DVS 6 forces one every second too.
  const gop = Math.max(1, Math.round(framesPerSecond(picture.frameRate)));
  return [
    ...['-map', graph.videoMap],
    ...graph.filterArgs,
    ...encoderCodecArgs(encoder, { gop, bitrateKbps: plan.encoding.bitrateKbps }),
    ...['-bsf:v', 'dump_extra'],
  ];
}

/**
 * Surround to stereo with the dialogue in front: the centre channel (where films put speech) at
 * full weight, the fronts a little under it, surrounds and LFE well down; `<` rescales each side's
 * gains to a sum of 1, so nothing clips. Channels a layout lacks are ignored by pan, so one
 * formula serves 5.0 to 7.1 (back and side surrounds both count when both exist).
 */
const DIALOGUE_DOWNMIX =
  'pan=stereo' +
  '|FL<1.0*FC+0.6*FL+0.45*FLC+0.35*SL+0.35*BL+0.25*BC+0.1*LFE' +
  '|FR<1.0*FC+0.6*FR+0.45*FRC+0.35*SR+0.35*BR+0.25*BC+0.1*LFE';

/**
 * One-pass loudness levelling that lifts quiet dialogue and holds explosions down: 200 ms frames
 * over a 5-frame window adapt within about a second. Its look-ahead holds ffmpeg's first output
 * back by about 0.9 s of media (measured; ffmpeg decodes faster than real time, so viewers wait a
 * fraction of that); loudnorm's single pass held it back 2.8 s, its default window 10 s.
 */
const LOUDNESS_LEVELLER = 'dynaudnorm=framelen=200:gausssize=5:maxgain=10';

function audioArgs(plan: SegmentPlan): string[] {
  if (plan.source.audioStreamIndex === null) return ['-an'];
  // first_pts=0 would trim the audio before a copy-mode keyframe, so only transcode uses it.
  const resample = plan.mode === 'copy' ? 'aresample=async=1' : 'aresample=async=1:first_pts=0';
  const filters = [
    ...(plan.source.audioChannels > 2 ? [DIALOGUE_DOWNMIX] : []),
    ...(plan.encoding.normalizeAudio ? [LOUDNESS_LEVELLER] : []),
    resample,
  ];
  return [
    '-af',
    filters.join(','),
    ...['-c:a', 'libopus', '-b:a', OPUS_BITRATE, '-ar', '48000', '-ac', '2'],
    ...['-frame_duration', '20', '-application', 'audio'],
  ];
}

/** Everything but the output: shared by the player and the benchmark's null-output baseline. */
export function segmentCodecArgs(plan: SegmentPlan): string[] {
  const audioMap = plan.source.audioStreamIndex === null ? [] : ['-map', `0:${plan.source.audioStreamIndex}`];
  return [...inputArgs(plan), ...videoArgs(plan), ...audioMap, ...audioArgs(plan)];
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
