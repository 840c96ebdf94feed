// How one party's stream reached the viewer during a window of wall time, from the frames the voice
// simulator's viewer counted (sim/discord/voice/viewer.ts, count mode): the frame rate a watcher
// saw against the film's, how late frames came against the stream's own clock, and how far video
// and audio drifted apart on the way. Every figure is the viewer's, so it holds whatever the cause
// (a starved worker, a late timer in the bot, a busy machine).
import type { ReceivedFrame } from '../sim/discord/voice/viewer.ts';
import { round } from './_round.ts';

const VIDEO_CLOCK_HZ = 90_000;
const AUDIO_CLOCK_HZ = 48_000;

export const TARGETS = {
  /** Intact video frames a viewer saw, against the film's frame rate over the window. */
  deliveredRatio: 0.98,
  pacingJitterP99Ms: 10,
  avOffsetMs: 40,
} as const;

export interface PartyFigures {
  deliveredRatio: number;
  pacingJitterP99Ms: number;
  avOffsetMaxMs: number;
  held: boolean;
}

export interface StreamFrames {
  video: readonly ReceivedFrame[];
  audio: readonly ReceivedFrame[];
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Per frame, how late it arrived against the stream's own clock, from the best arrival so far:
 * 0 for a frame as early as the earliest, more for each millisecond it fell behind. RTP timestamps
 * are unwrapped, so the 32-bit clock may wrap during a run.
 */
function lateness(frames: readonly ReceivedFrame[], clockHz: number): number[] {
  let unwrapped = 0;
  let previous: number | null = null;
  let best = Number.POSITIVE_INFINITY;
  return frames.map((frame) => {
    if (previous !== null) unwrapped += ((frame.rtpTimestamp - previous) | 0) / clockHz;
    previous = frame.rtpTimestamp;
    const offsetMs = frame.receivedAtMs - unwrapped * 1000;
    best = Math.min(best, offsetMs);
    return offsetMs - best;
  });
}

/**
 * The worst, over 1 s slices of the window, of the median video lateness minus the median audio
 * lateness: a receiver's jitter buffer absorbs one late frame, while a slice-long difference is
 * what a watcher sees as lip-sync error.
 */
function avOffsetMaxMs(
  video: { at: number; late: number }[],
  audio: { at: number; late: number }[],
  from: number,
): number {
  const slices = new Map<number, { video: number[]; audio: number[] }>();
  const add = (kind: 'video' | 'audio', { at, late }: { at: number; late: number }) => {
    const key = Math.floor((at - from) / 1000);
    const slice = slices.get(key) ?? { video: [], audio: [] };
    slice[kind].push(late);
    slices.set(key, slice);
  };
  for (const frame of video) add('video', frame);
  for (const frame of audio) add('audio', frame);
  let worst = 0;
  for (const slice of slices.values()) {
    if (slice.video.length === 0 || slice.audio.length === 0) continue;
    worst = Math.max(worst, Math.abs(percentile(slice.video, 50) - percentile(slice.audio, 50)));
  }
  return worst;
}

/** The figures of one party's frames (all it received so far) over the window [fromMs, toMs). */
export function partyFigures(frames: StreamFrames, fps: number, fromMs: number, toMs: number): PartyFigures {
  const inWindow = (list: readonly ReceivedFrame[], clockHz: number) => {
    const late = lateness(list, clockHz);
    return list
      .map((frame, index) => ({ frame, at: frame.receivedAtMs, late: late[index]! }))
      .filter(({ at }) => at >= fromMs && at < toMs);
  };
  const video = inWindow(frames.video, VIDEO_CLOCK_HZ);
  const audio = inWindow(frames.audio, AUDIO_CLOCK_HZ);
  const intact = video.filter(({ frame }) => frame.intact).length;
  const figures = {
    deliveredRatio: round(intact / (((toMs - fromMs) / 1000) * fps), 4),
    pacingJitterP99Ms: round(
      percentile(
        video.map(({ late }) => late),
        99,
      ),
      2,
    ),
    avOffsetMaxMs: round(avOffsetMaxMs(video, audio, fromMs), 2),
  };
  return {
    ...figures,
    held:
      figures.deliveredRatio >= TARGETS.deliveredRatio &&
      figures.pacingJitterP99Ms <= TARGETS.pacingJitterP99Ms &&
      figures.avOffsetMaxMs <= TARGETS.avOffsetMs,
  };
}
