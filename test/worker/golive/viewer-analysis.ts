// What a watcher saw, measured from the simulator's viewer output: decodable frames, decoded audio,
// whether each SSRC's sender reports describe a clock a receiver can use, and the A/V offset as a
// receiver lip-syncs it (RTP → NTP through each SSRC's sender report), comparing each second's flash
// frame with the beep that starts at the same media time. Tests assert the behaviour; the figures
// (offset, report spread) are for bench/golive.ts, since a loaded machine moves them.
import { execFileSync, spawnSync } from 'node:child_process';
import type { VoiceSim } from '../../../sim/discord/voice/index.ts';
import { ntpToUnixMs, senderTimeAt } from '../../../sim/discord/voice/media-receiver.ts';
import { resolveFfmpeg } from '../../../src/media/ffmpeg-binary.ts';

const ffmpeg = resolveFfmpeg();
const FLASH_LUMA = 200;
const BEEP_LEVEL = 0.4 * 32_768;
const SAMPLES_PER_PACKET = 960;

export type SenderReports = ReturnType<VoiceSim['senderReports']>;

function ffmpegOut(args: string[]): Buffer {
  return execFileSync(ffmpeg, ['-hide_banner', '-v', 'error', ...args], { maxBuffer: 1024 * 1024 * 1024 });
}

/** Mean luma of every decoded frame (scaled down), in decode order. */
export function frameLumas(file: string): number[] {
  const raw = ffmpegOut(['-i', file, '-vf', 'scale=32:18', '-f', 'rawvideo', '-pix_fmt', 'gray', '-']);
  const lumas: number[] = [];
  for (let offset = 0; offset + 576 <= raw.length; offset += 576) {
    let sum = 0;
    for (let i = offset; i < offset + 576; i += 1) sum += raw[i]!;
    lumas.push(sum / 576);
  }
  return lumas;
}

/** Mono 48 kHz samples of the viewer's Ogg Opus file. */
export function decodeAudio(file: string): Int16Array {
  const pcm = ffmpegOut(['-i', file, '-f', 's16le', '-ac', '1', '-ar', '48000', '-']);
  return new Int16Array(pcm.buffer, pcm.byteOffset, pcm.length / 2);
}

export function frameHashes(file: string): string[] {
  // Undecryptable frames make ffmpeg exit non-zero; what it did decode is still on stdout.
  const { stdout } = spawnSync(ffmpeg, ['-hide_banner', '-v', 'quiet', '-i', file, '-f', 'framemd5', '-'], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return stdout
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => line.split(',').at(-1)!.trim());
}

function presentationMs(
  reports: SenderReports,
  ssrc: number,
  rtpTimestamp: number,
  clockRate: number,
): number | null {
  const report = reports.filter((candidate) => candidate.ssrc === ssrc).at(-1);
  if (!report) return null;
  return senderTimeAt(report, rtpTimestamp, clockRate);
}

/** From one sender report of an SSRC to the next: how far its wall time and its RTP time moved. */
export interface ReportStep {
  wallMs: number;
  /** Forward distance in RTP ticks (RTP time wraps at 2^32). */
  rtpTicks: number;
}

/** Each step between consecutive sender reports of `ssrc`; a usable clock only moves forward. */
export function reportSteps(reports: SenderReports, ssrc: number): ReportStep[] {
  const own = reports.filter((report) => report.ssrc === ssrc);
  return own.slice(1).map((report, index) => ({
    wallMs: ntpToUnixMs(report) - ntpToUnixMs(own[index]!),
    rtpTicks: (report.rtpTimestamp - own[index]!.rtpTimestamp) | 0,
  }));
}

/**
 * How far one SSRC's sender reports stray from a single clock (ms): each report pairs a wall time
 * with an RTP time, and on a steady stream every pair lies on one line of slope 1. A report built
 * from a packet sent late, or early (audio riding along with video) without saying so, strays by
 * that much, and a receiver that lip-syncs on it plays that much off. Null without reports.
 */
function reportClockSpreadMs(reports: SenderReports, ssrc: number, clockRate: number): number | null {
  const own = reports.filter((report) => report.ssrc === ssrc);
  const first = own[0];
  if (!first) return null;
  const offsets = own.map(
    (report) => ntpToUnixMs(report) - senderTimeAt(first, report.rtpTimestamp, clockRate),
  );
  return Math.max(...offsets) - Math.min(...offsets);
}

/** The report clock spread of the audio and the video SSRC the viewer received (ms). */
export function reportClockSpreadsMs(
  viewer: VoiceSim['viewer'],
  reports: SenderReports,
): { audio: number | null; video: number | null } {
  const spread = (ssrc: number | undefined, clockRate: number): number | null =>
    ssrc === undefined ? null : reportClockSpreadMs(reports, ssrc, clockRate);
  return {
    audio: spread(viewer.audioFrames[0]?.ssrc, 48_000),
    video: spread(viewer.videoFrames[0]?.ssrc, 90_000),
  };
}

/**
 * Beep presentation time minus flash presentation time, once per sync mark found (ms). Frames in
 * the files are the DAVE-decrypted ones, in order, so decoded index i is the i-th decrypted frame.
 */
export function avOffsetsMs(
  viewer: VoiceSim['viewer'],
  reports: SenderReports,
  lumas: readonly number[],
  samples: Int16Array,
): number[] {
  const videoFrames = viewer.videoFrames.filter((frame) => frame.daveDecrypted);
  const audioFrames = viewer.audioFrames.filter((frame) => frame.daveDecrypted);
  const audioAt = (index: number): number | null => {
    const frame = audioFrames[index];
    return frame ? presentationMs(reports, frame.ssrc, frame.rtpTimestamp, 48_000) : null;
  };
  const offsets: number[] = [];
  for (let index = 0; index < lumas.length; index += 1) {
    if (lumas[index]! < FLASH_LUMA || (index > 0 && lumas[index - 1]! >= FLASH_LUMA)) continue;
    const flash = videoFrames[index];
    const flashAt = flash ? presentationMs(reports, flash.ssrc, flash.rtpTimestamp, 90_000) : null;
    if (flashAt === null) continue;
    // The beep of that second starts near the flash; find the first loud sample after a quiet one.
    const first = audioFrames.findIndex((_frame, i) => Math.abs((audioAt(i) ?? Number.NaN) - flashAt) < 300);
    if (first < 0) continue;
    const end = Math.min(samples.length, (first + 30) * SAMPLES_PER_PACKET);
    let onset = -1;
    for (let n = first * SAMPLES_PER_PACKET; n < end; n += 1) {
      if (Math.abs(samples[n]!) > BEEP_LEVEL) {
        onset = n;
        break;
      }
    }
    if (onset <= first * SAMPLES_PER_PACKET) continue; // no clean onset inside the window
    const packet = Math.floor(onset / SAMPLES_PER_PACKET);
    const packetAt = audioAt(packet);
    if (packetAt === null) continue;
    offsets.push(packetAt + (onset - packet * SAMPLES_PER_PACKET) / 48 - flashAt);
  }
  return offsets;
}
