// A MediaSink that keeps what it is given, with the wall-clock time each frame arrived: the test and
// benchmark stand-in for the Go Live transport (and a way to run a worker with no Discord at all).
import type { StreamFigures } from '../worker-contract/http.ts';
import type { AudioFrame, MediaSink, NowPlaying, StreamVideoParameters, VideoFrame } from './media-sink.ts';

export interface CapturedFrame {
  kind: 'video' | 'audio';
  ptsMs: number;
  keyframe: boolean;
  bytes: number;
  /** performance.now() when the sink received it. */
  arrivedMs: number;
  /** How early the player said it handed the frame over (audio riding along with video; else 0). */
  aheadMs: number;
  /** Present only when the sink keeps payloads. */
  data?: Buffer;
}

export interface CaptureSinkOptions {
  /** Keep payload bytes too (tests that decode what was sent); off by default to bound memory. */
  keepData?: boolean;
  /** Fail open() with this error, to exercise the worker's failure paths. */
  failOpen?: Error;
}

export class CaptureSink implements MediaSink {
  readonly frames: CapturedFrame[] = [];
  readonly items: { item: NowPlaying; video: StreamVideoParameters }[] = [];
  readonly pauses: { paused: boolean; atMs: number }[] = [];
  opened: StreamVideoParameters | null = null;
  closedReason: string | null = null;
  readonly #options: CaptureSinkOptions;
  readonly #fatalListeners: ((error: Error) => void)[] = [];
  readonly #interruptionListeners: ((interrupted: boolean) => void)[] = [];
  readonly #frameListeners = new Set<(frame: CapturedFrame) => void>();

  constructor(options: CaptureSinkOptions = {}) {
    this.#options = options;
  }

  async open(video: StreamVideoParameters): Promise<void> {
    if (this.#options.failOpen) throw this.#options.failOpen;
    this.opened = video;
  }

  async beginItem(item: NowPlaying, video: StreamVideoParameters): Promise<void> {
    this.items.push({ item, video });
  }

  sendVideo(frame: VideoFrame): void {
    this.#record({ kind: 'video', ptsMs: frame.ptsMs, keyframe: frame.keyframe, aheadMs: 0 }, frame.data);
  }

  sendAudio(frame: AudioFrame): void {
    this.#record(
      { kind: 'audio', ptsMs: frame.ptsMs, keyframe: true, aheadMs: frame.aheadMs ?? 0 },
      frame.data,
    );
  }

  setPaused(paused: boolean): void {
    this.pauses.push({ paused, atMs: performance.now() });
  }

  async close(reason: string): Promise<void> {
    this.closedReason ??= reason;
  }

  onFatal(listener: (error: Error) => void): void {
    this.#fatalListeners.push(listener);
  }

  onInterruption(listener: (interrupted: boolean) => void): void {
    this.#interruptionListeners.push(listener);
  }

  /** Simulates the transport losing its viewers while it reconnects (true) and getting them back. */
  interrupt(interrupted: boolean): void {
    for (const listener of this.#interruptionListeners) listener(interrupted);
  }

  /** Simulates the transport giving up (kicked from the channel, reconnects exhausted). */
  fail(error: Error): void {
    for (const listener of this.#fatalListeners) listener(error);
  }

  /** Frames and their payload bytes; a capture has no packets, no DAVE and no viewers. */
  figures(): StreamFigures | null {
    if (!this.opened) return null;
    let videoFramesSent = 0;
    let bytesSent = 0;
    for (const frame of this.frames) {
      if (frame.kind === 'video') videoFramesSent += 1;
      bytesSent += frame.bytes;
    }
    return {
      sendPath: 'capture',
      videoFramesSent,
      audioFramesSent: this.frames.length - videoFramesSent,
      videoFramesDropped: 0,
      packetsSent: 0,
      bytesSent,
      daveEpoch: null,
      daveTransitions: 0,
      nacksReceived: 0,
      packetsRetransmitted: 0,
      retransmitsRefused: 0,
      keyframeRequests: 0,
      reconnects: 0,
      viewers: 0,
    };
  }

  /** Calls `listener` for every frame from now on; returns the unsubscribe function. */
  onFrame(listener: (frame: CapturedFrame) => void): () => void {
    this.#frameListeners.add(listener);
    return () => this.#frameListeners.delete(listener);
  }

  #record(frame: Omit<CapturedFrame, 'bytes' | 'arrivedMs'>, data: Buffer): void {
    const captured: CapturedFrame = {
      ...frame,
      bytes: data.length,
      arrivedMs: performance.now(),
      ...(this.#options.keepData ? { data } : {}),
    };
    this.frames.push(captured);
    for (const listener of this.#frameListeners) listener(captured);
  }
}
