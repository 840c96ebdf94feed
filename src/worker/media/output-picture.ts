// The picture viewers get, decided once from what the probe found and the stream profile: its size
// (square pixels, inside the profile's box, even), its frame rate, and the repairs a source needs
// (deinterlacing, HDR tone mapping). The ffmpeg arguments and what op 12 announces both come from
// here, so the announced size is the size of the frames sent.
import type { StreamVideoParameters } from '../media-sink.ts';
import {
  announcedFrameRate,
  type FrameRate,
  framesPerSecond,
  outputFrameRate,
  type SourceFrameRate,
} from './frame-rate.ts';
import type { StreamEncoding } from './stream-encoding.ts';

/** Field order in display order; `unknown` when the container does not say. */
export type FieldOrder = 'progressive' | 'top-first' | 'bottom-first' | 'unknown';
/** The HDR transfer functions viewers cannot show: PQ (HDR10) and HLG. */
export type HdrTransfer = 'smpte2084' | 'arib-std-b67';

/** What the probe found about the source's picture. */
export interface PictureFacts {
  codec: string;
  width: number;
  height: number;
  /** Sample (pixel) aspect ratio, width over height of one pixel; 1 for square pixels. */
  pixelAspect: number;
  /** Null when the source states no usable rate. */
  frameRate: SourceFrameRate | null;
  fieldOrder: FieldOrder;
  hdr: HdrTransfer | null;
}

export interface Deinterlace {
  /** Which field comes first; `auto` takes it from each frame. */
  parity: 'tff' | 'bff' | 'auto';
  /** `interlaced`: only frames flagged interlaced (for sources whose field order is unknown). */
  frames: 'all' | 'interlaced';
}

export interface OutputPicture {
  width: number;
  height: number;
  frameRate: FrameRate;
  deinterlace: Deinterlace | null;
  toneMap: HdrTransfer | null;
}

function evenBelow(value: number): number {
  return Math.max(2, Math.floor(value / 2) * 2);
}

function nearestEven(value: number): number {
  return Math.max(2, Math.round(value / 2) * 2);
}

/** Square-pixel size that fits the profile's box without upscaling (720x480 at 32:27 → 854x480). */
function outputSize(facts: PictureFacts, encoding: StreamEncoding): { width: number; height: number } {
  // A stream ffprobe could not size still plays: filling the box keeps the announced size true.
  if (facts.width <= 0 || facts.height <= 0) {
    return { width: evenBelow(encoding.width), height: evenBelow(encoding.height) };
  }
  const displayWidth = facts.width * facts.pixelAspect;
  const scale = Math.min(1, encoding.width / displayWidth, encoding.height / facts.height);
  return {
    width: Math.min(nearestEven(displayWidth * scale), evenBelow(encoding.width)),
    height: Math.min(nearestEven(facts.height * scale), evenBelow(encoding.height)),
  };
}

function deinterlace(fieldOrder: FieldOrder): Deinterlace | null {
  switch (fieldOrder) {
    case 'progressive':
      return null;
    case 'top-first':
      return { parity: 'tff', frames: 'all' };
    case 'bottom-first':
      return { parity: 'bff', frames: 'all' };
    case 'unknown':
      return { parity: 'auto', frames: 'interlaced' };
  }
}

/** The transcoded picture for this source and profile. */
export function planPicture(facts: PictureFacts, encoding: StreamEncoding): OutputPicture {
  const sourceRate = facts.frameRate?.rate ?? { num: encoding.fps, den: 1 };
  return {
    ...outputSize(facts, encoding),
    frameRate: outputFrameRate(sourceRate, encoding.fps),
    deinterlace: deinterlace(facts.fieldOrder),
    toneMap: facts.hdr,
  };
}

/**
 * Why the source's picture cannot reach viewers as it is, or null. An unknown field order does not
 * block a copy: H.264 that is really interlaced says so.
 */
export function pictureCopyBlocker(facts: PictureFacts, encoding: StreamEncoding): string | null {
  if (facts.fieldOrder === 'top-first' || facts.fieldOrder === 'bottom-first') return 'interlaced';
  if (facts.hdr) return `HDR (${facts.hdr})`;
  if (Math.abs(facts.pixelAspect - 1) > 0.001) return `non-square pixels (${facts.pixelAspect.toFixed(3)})`;
  if (facts.width <= 0 || facts.height <= 0) return 'unknown picture size';
  if (facts.width > encoding.width || facts.height > encoding.height) {
    return `resolution ${facts.width}x${facts.height} above ${encoding.width}x${encoding.height}`;
  }
  if (!facts.frameRate) return 'unknown frame rate';
  if (facts.frameRate.variable) return 'variable frame rate';
  const fps = framesPerSecond(facts.frameRate.rate);
  if (framesPerSecond(outputFrameRate(facts.frameRate.rate, encoding.fps)) !== fps) {
    return `frame rate ${fps.toFixed(2)}`;
  }
  return null;
}

/** What op 12 announces for the item: the size and rate of the frames that will be sent. */
export function announcedVideo(
  facts: PictureFacts,
  mode: 'copy' | 'transcode',
  encoding: StreamEncoding,
): StreamVideoParameters {
  const picture =
    mode === 'copy'
      ? {
          width: facts.width,
          height: facts.height,
          frameRate: facts.frameRate?.rate ?? { num: encoding.fps, den: 1 },
        }
      : planPicture(facts, encoding);
  return {
    width: picture.width,
    height: picture.height,
    fps: announcedFrameRate(picture.frameRate),
    maxBitrateKbps: encoding.bitrateKbps,
  };
}
