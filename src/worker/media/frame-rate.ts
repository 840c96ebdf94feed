// Frame rates as exact fractions (23.976 is 24000/1001, not 23.976): the rate a source really has,
// and the rate the worker sends it at. A film keeps its own rate; a rate above the profile's maximum
// is divided by a whole number (59.94 → 29.97), so every output frame is a source frame and none is
// shown twice, which is what makes pans judder.

export interface FrameRate {
  num: number;
  den: number;
}

export interface SourceFrameRate {
  rate: FrameRate;
  /** The container's timestamps do not follow one rate; `rate` is then near their average. */
  variable: boolean;
}

/** Two rates within this fraction of each other are the same rate (containers round averages). */
const SAME_RATE_TOLERANCE = 0.01;
/** Rates film and television use; a variable source's average snaps to the nearest within tolerance. */
const STANDARD_RATES: readonly FrameRate[] = [
  { num: 24_000, den: 1001 },
  { num: 24, den: 1 },
  { num: 25, den: 1 },
  { num: 30_000, den: 1001 },
  { num: 30, den: 1 },
  { num: 48, den: 1 },
  { num: 50, den: 1 },
  { num: 60_000, den: 1001 },
  { num: 60, den: 1 },
];

function greatestCommonDivisor(a: number, b: number): number {
  return b === 0 ? a : greatestCommonDivisor(b, a % b);
}

function reduced(num: number, den: number): FrameRate {
  const divisor = greatestCommonDivisor(num, den);
  return { num: num / divisor, den: den / divisor };
}

export function framesPerSecond(rate: FrameRate): number {
  return rate.num / rate.den;
}

/** ffmpeg's spelling, e.g. `24000/1001`. */
export function formatFrameRate(rate: FrameRate): string {
  return `${rate.num}/${rate.den}`;
}

/** ffprobe's `24000/1001`; null for `0/0`, missing or malformed values. */
export function parseFrameRate(text: string | undefined): FrameRate | null {
  const match = /^(\d+)\/(\d+)$/.exec(text ?? '');
  if (!match) return null;
  const [num, den] = [Number(match[1]), Number(match[2])];
  return num > 0 && den > 0 ? reduced(num, den) : null;
}

function sameRate(a: number, b: number): boolean {
  return Math.abs(a - b) <= SAME_RATE_TOLERANCE * Math.max(a, b);
}

/**
 * The source's rate from ffprobe's two views of it: `r_frame_rate` (the base rate its timestamps
 * step by) and `avg_frame_rate` (frames over duration). When they agree the base rate is exact;
 * when they do not, the frames come at varying intervals and the average is what a viewer sees.
 */
export function sourceFrameRate(base: FrameRate | null, average: FrameRate | null): SourceFrameRate | null {
  if (base && (!average || sameRate(framesPerSecond(base), framesPerSecond(average)))) {
    return { rate: base, variable: false };
  }
  if (!average) return null;
  const fps = framesPerSecond(average);
  const standard = STANDARD_RATES.find((candidate) => sameRate(framesPerSecond(candidate), fps));
  return {
    rate: standard ?? reduced(Math.max(1, Math.round(fps * 1000)), 1000),
    variable: base !== null,
  };
}

/**
 * The rate to send: the source's own when the profile allows it, else the source divided by the
 * smallest whole number that brings it within the maximum (a drop of every other frame, never a
 * repeat). 30000/1001 counts as within a 30 fps maximum.
 */
export function outputFrameRate(source: FrameRate, maxFps: number): FrameRate {
  const fps = framesPerSecond(source);
  const divisor = Math.max(1, Math.ceil(fps / maxFps - SAME_RATE_TOLERANCE));
  return reduced(source.num, source.den * divisor);
}

/** What op 12 announces: Discord takes a whole number, and 23.976 must not be announced as 23. */
export function announcedFrameRate(rate: FrameRate): number {
  return Math.ceil(framesPerSecond(rate) - 1e-9);
}
