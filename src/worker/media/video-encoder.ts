// The H.264 encoder a transcode runs and the ffmpeg arguments each one needs: libx264 on the CPU, or
// a GPU's (VAAPI on Intel and AMD, NVENC on NVIDIA, Quick Sync on Intel). Whichever runs, viewers get
// the same stream: no B-frames, an IDR with SPS/PPS every second of output frames (the keyframe a
// viewer asks for follows within a second), the profile's bitrate as a constant rate, 4:2:0.
//
// Decoding and the picture filters stay on the CPU (tone mapping, libass subtitles and overlays have
// no portable GPU form), so the frames are uploaded at the end of the chain. When nothing CPU-only
// runs after the scaler, VAAPI and Quick Sync scale on the device instead: the upload then carries
// the source-size frame and the CPU is spared the scaling, the costliest filter that is left.
import type { VideoEncoderName } from '../../worker-contract/environment.ts';

export type VideoEncoder =
  | { name: 'x264' }
  /** `device`: the DRM render node (VAAPI_DEVICE). */
  | { name: 'vaapi'; device: string }
  | { name: 'nvenc' }
  | { name: 'qsv' };

export type HardwareEncoderName = Exclude<VideoEncoderName, 'x264'>;

export const SOFTWARE_ENCODER: VideoEncoder = { name: 'x264' };

/** What every encoder is asked for: one IDR every `gop` frames, at `bitrateKbps`. */
export interface EncoderTargets {
  gop: number;
  bitrateKbps: number;
}

/** Options before the input: the device the upload filters and the encoder use. */
export function encoderDeviceArgs(encoder: VideoEncoder): string[] {
  switch (encoder.name) {
    case 'vaapi':
      // Also makes the device the one hwupload uploads to.
      return ['-vaapi_device', encoder.device];
    case 'qsv':
      return ['-init_hw_device', 'qsv=hw', '-filter_hw_device', 'hw'];
    case 'x264':
    case 'nvenc':
      return [];
  }
}

/** Whether this encoder scales on its device (so the CPU scaler can be left out). */
export function scalesOnDevice(encoder: VideoEncoder): boolean {
  return encoder.name === 'vaapi' || encoder.name === 'qsv';
}

/**
 * The last filters of the picture: square pixels, the pixel format the encoder takes, and for VAAPI
 * and Quick Sync the upload to the device, with the device's scaler when `deviceScale` names the
 * output size (only for an encoder that scalesOnDevice). NVENC uploads system-memory frames itself.
 */
export function encoderFinishFilters(
  encoder: VideoEncoder,
  deviceScale: { width: number; height: number } | null = null,
): string[] {
  switch (encoder.name) {
    case 'x264':
    case 'nvenc':
      return ['setsar=1', 'format=yuv420p'];
    case 'vaapi':
      return deviceScale
        ? [
            'format=nv12',
            'hwupload',
            `scale_vaapi=w=${deviceScale.width}:h=${deviceScale.height}`,
            'setsar=1',
          ]
        : ['setsar=1', 'format=nv12', 'hwupload'];
    case 'qsv':
      // Extra frames in the upload's pool: the encoder keeps some while it works.
      return deviceScale
        ? [
            'format=nv12',
            'hwupload=extra_hw_frames=64',
            `scale_qsv=w=${deviceScale.width}:h=${deviceScale.height}`,
            'setsar=1',
          ]
        : ['setsar=1', 'format=nv12', 'hwupload=extra_hw_frames=64'];
  }
}

/**
 * The encoder and its rate control. A GOP of `gop` frames with every I-frame an IDR
 * (`idr_interval 0` for VAAPI and Quick Sync; NVENC's IDR period is its GOP), no scene-cut
 * keyframes, and the bitrate as target, ceiling and buffer: VAAPI's automatic rate control picks
 * CBR when target and ceiling match, the others are told. Main profile for the GPUs (every decoder
 * Discord runs takes it); x264 keeps High, whose 8x8 transforms it uses well, without B-frames.
 * x264's `superfast` costs about 40 % less than `veryfast` to encode a 1080p film to 720p and keeps
 * its SSIM within 0.001 (docs/operations.md, "Capacity"); `ultrafast` would drop CABAC, 8x8
 * transforms and the deblocking filter.
 */
export function encoderCodecArgs(encoder: VideoEncoder, targets: EncoderTargets): string[] {
  const gop = String(targets.gop);
  const bitrate = `${targets.bitrateKbps}k`;
  const rate = ['-b:v', bitrate, '-maxrate', bitrate, '-bufsize', bitrate];
  switch (encoder.name) {
    case 'x264':
      return [
        ...[
          '-c:v',
          'libx264',
          '-preset',
          'superfast',
          '-tune',
          'zerolatency',
          '-profile:v',
          'high',
          '-bf',
          '0',
        ],
        ...['-g', gop, '-keyint_min', gop, '-sc_threshold', '0'],
        ...rate,
      ];
    case 'vaapi':
      return [
        ...['-c:v', 'h264_vaapi', '-profile:v', 'main', '-bf', '0', '-g', gop, '-idr_interval', '0'],
        ...rate,
      ];
    case 'nvenc':
      return [
        ...['-c:v', 'h264_nvenc', '-preset', 'p4', '-tune', 'll', '-profile:v', 'main', '-bf', '0'],
        ...['-g', gop, '-no-scenecut', '1', '-rc', 'cbr'],
        ...rate,
      ];
    case 'qsv':
      return [
        ...['-c:v', 'h264_qsv', '-preset', 'veryfast', '-profile:v', 'main', '-bf', '0'],
        ...['-g', gop, '-idr_interval', '0', '-look_ahead', '0'],
        ...rate,
      ];
  }
}

const SELF_TEST_SOURCE = 'testsrc=size=640x360:rate=30:duration=1';
const SELF_TEST_SIZE = { width: 320, height: 180 };

/**
 * One second of ffmpeg's test picture through this encoder's own device, upload, scaler and codec
 * options, thrown away: ffmpeg exits 0 only if the GPU really encodes.
 */
export function encoderSelfTestArgs(encoder: VideoEncoder): string[] {
  const filters = scalesOnDevice(encoder)
    ? encoderFinishFilters(encoder, SELF_TEST_SIZE)
    : [`scale=${SELF_TEST_SIZE.width}:${SELF_TEST_SIZE.height}`, ...encoderFinishFilters(encoder)];
  return [
    ...['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error'],
    ...encoderDeviceArgs(encoder),
    ...['-f', 'lavfi', '-i', SELF_TEST_SOURCE],
    ...['-vf', filters.join(',')],
    ...encoderCodecArgs(encoder, { gop: 30, bitrateKbps: 1_000 }),
    ...['-f', 'null', '-'],
  ];
}
