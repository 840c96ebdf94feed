// A generated clip for end-to-end tests and the benchmark: H.264 access units and 20 ms Opus
// packets with their presentation times, made by ffmpeg and cached, plus a player that sends
// them to a MediaSink through the worker's own frame pacer, as the real player does.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { resolveFfmpeg } from '../../../src/media/ffmpeg-binary.ts';
import { FramePacer, type TimedFrame } from '../../../src/worker/media/frame-pacer.ts';
import { NalType, nalType, splitAnnexB } from '../../../src/worker/media/h264-nal.ts';
import type { AudioFrame, MediaSink, VideoFrame } from '../../../src/worker/media-sink.ts';

export interface ClipSpec {
  seconds: number;
  width: number;
  height: number;
  fps: number;
  /** x264 target bitrate. */
  videoKbps: number;
  /** Film-grain-like noise, so a high bitrate is really used (a test pattern compresses to nothing). */
  grain?: boolean;
}

export interface Clip {
  spec: ClipSpec;
  video: VideoFrame[];
  audio: AudioFrame[];
}

/** Media times (ms) of the sync marks: a white flash frame and a 1 kHz beep start every second. */
export function syncMarksMs(spec: ClipSpec): number[] {
  return Array.from({ length: spec.seconds }, (_, second) => second * 1000);
}

const cacheDir = join(import.meta.dirname, '..', '..', '.cache', 'golive');

/** The clip's cached Annex B and Ogg Opus files, generated with ffmpeg on first use. */
export function clipFiles(spec: ClipSpec): { video: string; audio: string } {
  mkdirSync(cacheDir, { recursive: true });
  const name = `clip-${spec.width}x${spec.height}-${spec.fps}-${spec.seconds}s-${spec.videoKbps}k${spec.grain ? '-grain' : ''}`;
  const video = join(cacheDir, `${name}.h264`);
  const audio = join(cacheDir, `${name}.ogg`);
  if (!existsSync(video) || !existsSync(audio)) generate(spec, video, audio);
  return { video, audio };
}

export function loadClip(spec: ClipSpec): Clip {
  const files = clipFiles(spec);
  return {
    spec,
    video: parseVideo(readFileSync(files.video), spec.fps),
    audio: parseOgg(readFileSync(files.audio)),
  };
}

/** Runs ffmpeg on a generated (lavfi) source; returns what it wrote to stdout. */
export function fromLavfi(source: string, outputArgs: readonly string[]): Buffer {
  return execFileSync(resolveFfmpeg(), ['-v', 'error', '-y', '-f', 'lavfi', '-i', source, ...outputArgs], {
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** A still image as PNG bytes, for poster tests. */
export function posterPng(width: number, height: number): Buffer {
  return fromLavfi(`testsrc=size=${width}x${height}`, [
    '-frames:v',
    '1',
    '-f',
    'image2',
    '-c:v',
    'png',
    'pipe:1',
  ]);
}

function generate(spec: ClipSpec, videoPath: string, audioPath: string): void {
  const grain = spec.grain ? ',noise=alls=24:allf=t+u' : '';
  const flash = `drawbox=enable='lt(mod(t\\,1)\\,${(0.9 / spec.fps).toFixed(4)})':color=white:t=fill`;
  const beep = 'if(lt(mod(t\\,1)\\,0.1)\\,0.8*sin(2*PI*1000*t)\\,0.05*sin(2*PI*440*t))';
  const keyint = String(spec.fps);
  const rate = `${spec.videoKbps}k`;
  fromLavfi(`testsrc=size=${spec.width}x${spec.height}:rate=${spec.fps}${grain},${flash},format=yuv420p`, [
    ...['-t', String(spec.seconds), '-c:v', 'libx264', '-preset', 'veryfast', '-bf', '0'],
    ...['-g', keyint, '-keyint_min', keyint, '-b:v', rate, '-maxrate', rate, '-bufsize', rate],
    ...['-bsf:v', 'h264_metadata=aud=insert', '-f', 'h264', `${videoPath}.tmp`],
  ]);
  fromLavfi(`aevalsrc=${beep}|${beep}:s=48000`, [
    ...['-t', String(spec.seconds), '-c:a', 'libopus', '-b:a', '128k', '-frame_duration', '20'],
    ...['-f', 'ogg', `${audioPath}.tmp`],
  ]);
  renameSync(`${videoPath}.tmp`, videoPath);
  renameSync(`${audioPath}.tmp`, audioPath);
}

/** Access units are delimited by the AUDs ffmpeg inserted; the sink strips them again. */
function parseVideo(stream: Buffer, fps: number): VideoFrame[] {
  const frames: VideoFrame[] = [];
  let current: Buffer[] = [];
  const flush = (): void => {
    if (current.length === 0) return;
    const parts = current.flatMap((nal) => [Buffer.from([0, 0, 0, 1]), nal]);
    frames.push({
      data: Buffer.concat(parts),
      ptsMs: (frames.length * 1000) / fps,
      keyframe: current.some((nal) => nalType(nal) === NalType.idr),
    });
    current = [];
  };
  for (const nal of splitAnnexB(stream)) {
    if (nalType(nal) === NalType.aud) flush();
    current.push(nal);
  }
  flush();
  return frames;
}

/** Ogg pages → Opus packets (skipping OpusHead and OpusTags), 20 ms apart. */
function parseOgg(file: Buffer): AudioFrame[] {
  const packets: Buffer[] = [];
  let partial: Buffer[] = [];
  for (let offset = 0; offset + 27 <= file.length; ) {
    if (file.toString('ascii', offset, offset + 4) !== 'OggS') throw new Error('not an Ogg page');
    const segments = file[offset + 26]!;
    const table = file.subarray(offset + 27, offset + 27 + segments);
    let body = offset + 27 + segments;
    for (const lace of table) {
      partial.push(file.subarray(body, body + lace));
      body += lace;
      if (lace < 255) {
        packets.push(Buffer.concat(partial));
        partial = [];
      }
    }
    offset = body;
  }
  return packets.slice(2).map((data, index) => ({ data, ptsMs: index * 20 }));
}

export interface PlayOptions {
  /** Media time to stop before (ms). */
  toMs?: number;
  signal?: AbortSignal;
}

/**
 * Sends the clip's frames to the sink through the worker's own FramePacer, so tests and benchmarks
 * see production pacing (audio riding along with video, absolute deadlines). With `loop`, the clip
 * plays again and again on one continuous media timeline, as a long film would run, until `signal`
 * aborts; each loop is cut at the clip's length (the encoder's last Opus packet starts where the
 * next loop begins) and the next loop is queued while the current one still has seconds to go.
 */
function play(sink: MediaSink, clip: Clip, options: PlayOptions & { loop: boolean }): Promise<void> {
  const toMs = options.loop ? clip.spec.seconds * 1000 : (options.toMs ?? Number.POSITIVE_INFINITY);
  const frames: TimedFrame[] = [
    ...clip.video.map((frame) => ({
      kind: 'video' as const,
      mediaMs: frame.ptsMs,
      data: frame.data,
      keyframe: frame.keyframe,
    })),
    ...clip.audio.map((frame) => ({
      kind: 'audio' as const,
      mediaMs: frame.ptsMs,
      data: frame.data,
      keyframe: true,
    })),
  ]
    .filter((frame) => frame.mediaMs < toMs)
    .sort((a, b) => a.mediaMs - b.mediaMs);
  return new Promise((resolve) => {
    // Where the next loop starts on the media timeline (one play: 0, once).
    let nextLoopMs = 0;
    let refillQueued = false;
    let bufferedMs = 0;
    const queueLoop = (): void => {
      const offsetMs = nextLoopMs;
      nextLoopMs += toMs;
      for (const frame of frames) pacer.push({ ...frame, mediaMs: frame.mediaMs + offsetMs });
    };
    const pacer = new FramePacer(
      {
        sink,
        timeline: { lastOutputMs: null },
        hasAudio: clip.audio.length > 0,
        onDrained: resolve,
        onFirstFrame: () => {},
        onBufferLevel: (level) => {
          bufferedMs = level;
          if (!options.loop || refillQueued || level > toMs / 2) return;
          // Called from inside push and the pacer's tick: queue the next loop once they return.
          refillQueued = true;
          queueMicrotask(() => {
            refillQueued = false;
            if (!options.signal?.aborted && bufferedMs <= toMs / 2) queueLoop();
          });
        },
      },
      0,
    );
    options.signal?.addEventListener(
      'abort',
      () => {
        pacer.stop();
        resolve();
      },
      { once: true },
    );
    if (options.signal?.aborted) {
      resolve();
      return;
    }
    queueLoop();
    if (!options.loop) pacer.endSegment();
  });
}

/** Plays the clip once (up to `toMs`) and resolves when its last frame has gone out. */
export function playClip(sink: MediaSink, clip: Clip, options: PlayOptions = {}): Promise<void> {
  return play(sink, clip, { ...options, loop: false });
}

/** Plays the clip in a loop on one continuous timeline until `signal` aborts. */
export function loopClip(sink: MediaSink, clip: Clip, signal: AbortSignal): Promise<void> {
  return play(sink, clip, { signal, loop: true });
}
