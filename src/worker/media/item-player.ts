// Plays one queue item into the sink: picks a source (streamUrl, then downloadUrl), probes it, chooses
// copy or transcode, runs ffmpeg segment by segment (a seek or a lost input starts a new one) and
// pushes every frame through the pacer. It ends exactly once, with a reason.
import { errorMessage } from '../../error-message.ts';
import type { Logger } from '../../logger.ts';
import type { EndReason, PlayRequest } from '../../worker-contract/http.ts';
import type { MediaSink, StreamVideoParameters } from '../media-sink.ts';
import { type EncodeMode, type SegmentPlan, segmentArgs } from './ffmpeg-args.ts';
import { FfmpegSegment, type SegmentExit } from './ffmpeg-segment.ts';
import { FramePacer, type SinkTimeline } from './frame-pacer.ts';
import { type AvcConfig, parseAvcDecoderConfig, toAnnexB } from './h264-annexb.ts';
import type { MatroskaPacket, MatroskaTrack } from './matroska-demuxer.ts';
import { probeSource, type SourceInfo } from './probe.ts';
import type { ProxiedSource, SourceProxy } from './source-proxy.ts';
import type { StreamEncoding } from './stream-encoding.ts';

export interface ItemPlayerDeps {
  ffmpegPath: string;
  ffprobePath: string;
  proxy: SourceProxy;
  encoding: StreamEncoding;
  sink: MediaSink;
  timeline: SinkTimeline;
  logger: Logger;
  now?: () => number;
  /** Media seconds per wall second (tests play faster than real time); 1 in production. */
  playbackRate?: number;
  /** Force a mode (the benchmark measures both on one source); normally chosen from the probe. */
  forceMode?: EncodeMode;
}

export interface ItemPlayerEvents {
  /** The first frame went out. */
  playing(): void;
  ended(reason: EndReason, error: string | null): void;
}

/** Backpressure window on ffmpeg's output (about 3 s ahead). */
const BUFFER_HIGH_MS = 3_000;
const BUFFER_LOW_MS = 2_000;
/** ffmpeg exits 0 when its input is lost; an end this far before the duration is a loss, not the end. */
const TRUNCATION_TOLERANCE_MS = 2_000;
const MAX_INPUT_RECOVERIES = 3;

/** Turns ffmpeg's last words into a cause a person can act on. */
function describeFfmpegFailure(exit: SegmentExit, proxyFailure: string | null): string {
  if (proxyFailure) return proxyFailure;
  const text = exit.stderrTail.join('\n');
  const decoder = /Decoder \(codec (\w+)\) not found|Unsupported codec[^\n]*?(\w+)?$/m.exec(text);
  if (decoder) return `unsupported codec ${decoder[1] ?? decoder[2] ?? ''}`.trim();
  const last = exit.stderrTail.at(-1);
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.exitCode}`;
  return last ? `ffmpeg ${how}: ${last}` : `ffmpeg ${how}`;
}

function outputVideoParameters(source: SourceInfo, mode: EncodeMode, encoding: StreamEncoding) {
  const params: StreamVideoParameters = {
    width: source.video.width,
    height: source.video.height,
    fps: Math.round(source.video.fps) || encoding.fps,
    maxBitrateKbps: encoding.bitrateKbps,
  };
  if (mode === 'copy') return params;
  const scale = Math.min(
    1,
    encoding.width / (source.video.width || 1),
    encoding.height / (source.video.height || 1),
  );
  params.width = Math.trunc((source.video.width * scale) / 2) * 2;
  params.height = Math.trunc((source.video.height * scale) / 2) * 2;
  params.fps = encoding.fps;
  return params;
}

interface ActiveSource {
  proxied: ProxiedSource;
  info: SourceInfo;
  mode: EncodeMode;
}

export class ItemPlayer {
  readonly #deps: ItemPlayerDeps;
  readonly #request: PlayRequest;
  readonly #events: ItemPlayerEvents;
  readonly #abort = new AbortController();
  #source: ActiveSource | null = null;
  #pacer: FramePacer | null = null;
  #segment: FfmpegSegment | null = null;
  /** Every ffmpeg not yet exited, including killed ones, so a shutdown can wait for them. */
  readonly #running = new Set<FfmpegSegment>();
  #segmentStartMs = 0;
  #video: { track: number; avc: AvcConfig } | null = null;
  #audioTrack: number | null = null;
  /** Newest frame handed to the pacer, per kind, so a recovered input continues without repeats. */
  #newestPushed = { video: Number.NEGATIVE_INFINITY, audio: Number.NEGATIVE_INFINITY };
  #recoveries = 0;
  #pendingPositionMs: number;
  #pausedBeforeStart = false;
  #ended = false;

  constructor(deps: ItemPlayerDeps, request: PlayRequest, events: ItemPlayerEvents) {
    this.#deps = deps;
    this.#request = request;
    this.#events = events;
    this.#pendingPositionMs = (request.startPositionSeconds ?? 0) * 1000;
  }

  get positionSeconds(): number {
    return (this.#pacer?.positionMs ?? this.#pendingPositionMs) / 1000;
  }

  get durationSeconds(): number | null {
    return this.#source?.info.durationSeconds ?? this.#request.playback.durationSeconds;
  }

  /** Probes and starts; failures end the item with reason `error`. */
  async start(): Promise<void> {
    try {
      this.#source = await this.#openSource();
    } catch (error) {
      this.#end('error', errorMessage(error));
      return;
    }
    if (this.#ended) {
      this.#source.proxied.release();
      return;
    }
    const { info, mode } = this.#source;
    this.#deps.logger.info(
      { mode, copyBlocker: info.copyBlocker, video: info.video, durationSeconds: info.durationSeconds },
      'source probed',
    );
    try {
      await this.#deps.sink.beginItem(
        { title: this.#request.title, posterUrl: this.#request.playback.posterUrl },
        outputVideoParameters(info, mode, this.#deps.encoding),
      );
    } catch (error) {
      this.#end('error', `the stream refused the new item: ${errorMessage(error)}`);
      return;
    }
    if (this.#ended) return;
    this.#pacer = new FramePacer(
      {
        sink: this.#deps.sink,
        timeline: this.#deps.timeline,
        hasAudio: info.audioStreamIndex !== null,
        now: this.#deps.now,
        rate: this.#deps.playbackRate,
        onDrained: () => this.#end('finished', null),
        onBufferLevel: (ms) => {
          if (ms > BUFFER_HIGH_MS) this.#segment?.setOutputPaused(true);
          else if (ms < BUFFER_LOW_MS) this.#segment?.setOutputPaused(false);
        },
        onFirstFrame: () => this.#events.playing(),
      },
      this.#pendingPositionMs,
    );
    if (this.#pausedBeforeStart) this.#pacer.pause();
    this.#startSegment(this.#pendingPositionMs);
  }

  /**
   * Holds the position and, right away, restarts ffmpeg there (the seek path) so the queue fills
   * from a keyframe while paused. The transport needs an IDR with SPS/PPS after every pause
   * (protocol.md §8.5): continuing the held ffmpeg would resume mid-GOP, and viewers would
   * watch a frozen picture until the next keyframe, up to a whole GOP. No pause is short enough to
   * escape that, so there is no fast path; restarting at pause rather than at resume means the
   * keyframe is already queued when resume comes, so the picture returns as fast as before, and a
   * long pause still costs nothing but one idle ffmpeg held by backpressure. Copy mode can only
   * start at the source keyframe at or before the held position, as a seek does.
   */
  pause(): void {
    if (!this.#pacer) {
      this.#pausedBeforeStart = true;
      return;
    }
    this.#pacer.pause();
    this.#restartAt(this.#pacer.positionMs);
  }

  resume(): void {
    if (this.#pacer) this.#pacer.resume();
    else this.#pausedBeforeStart = false;
  }

  seek(positionSeconds: number): void {
    const positionMs = positionSeconds * 1000;
    if (!this.#pacer) {
      this.#pendingPositionMs = positionMs;
      return;
    }
    this.#restartAt(positionMs);
  }

  /** Drops what is queued and runs a new ffmpeg from `positionMs`; its first video is a keyframe. */
  #restartAt(positionMs: number): void {
    this.#segment?.kill();
    this.#pacer!.startSegment(positionMs);
    this.#newestPushed = { video: Number.NEGATIVE_INFINITY, audio: Number.NEGATIVE_INFINITY };
    this.#startSegment(positionMs);
  }

  /** Skip, stop, or the session going away. */
  end(reason: EndReason): void {
    this.#end(reason, null);
  }

  /** Resolves once no ffmpeg of this item is left (after end(), so none outlives the worker). */
  async settled(): Promise<void> {
    await Promise.all([...this.#running].map((segment) => segment.exited));
  }

  #end(reason: EndReason, error: string | null): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#abort.abort();
    this.#segment?.kill();
    this.#pacer?.stop();
    this.#source?.proxied.release();
    this.#events.ended(reason, error);
  }

  async #openSource(): Promise<ActiveSource> {
    const failures: string[] = [];
    const { streamUrl, downloadUrl } = this.#request.playback;
    for (const [label, url] of [
      ['stream', streamUrl],
      ['download', downloadUrl],
    ] as const) {
      const proxied = this.#deps.proxy.register(url);
      try {
        const info = await probeSource(
          this.#deps.ffprobePath,
          proxied.url,
          this.#deps.encoding,
          this.#abort.signal,
        );
        const mode = this.#deps.forceMode ?? (info.copyBlocker === null ? 'copy' : 'transcode');
        return { proxied, info, mode };
      } catch (error) {
        proxied.release();
        if (this.#abort.signal.aborted) throw new Error('stopped while opening the media');
        failures.push(`${label} URL: ${proxied.lastFailure() ?? errorMessage(error)}`);
        this.#deps.logger.warn({ source: label, cause: failures.at(-1) }, 'media source failed');
      }
    }
    throw new Error(`cannot play "${this.#request.title}": ${failures.join('; ')}`);
  }

  #startSegment(startMs: number): void {
    const source = this.#source!;
    this.#segmentStartMs = startMs;
    this.#video = null;
    this.#audioTrack = null;
    const plan: SegmentPlan = {
      url: source.proxied.url,
      source: source.info,
      encoding: this.#deps.encoding,
      mode: source.mode,
      startSeconds: startMs / 1000,
    };
    const segment = new FfmpegSegment(this.#deps.ffmpegPath, segmentArgs(plan), {
      tracks: (tracks) => this.#onTracks(tracks),
      packet: (packet) => this.#onPacket(packet),
      formatError: (message) => this.#end('error', message),
      exit: (exit) => {
        this.#running.delete(segment);
        if (this.#segment === segment) this.#segment = null;
        if (!exit.killedByUs) this.#onSegmentExit(exit);
      },
    });
    this.#segment = segment;
    this.#running.add(segment);
  }

  #onTracks(tracks: MatroskaTrack[]): void {
    const video = tracks.find((t) => t.kind === 'video');
    if (!video?.codecPrivate || video.codecId !== 'V_MPEG4/ISO/AVC') {
      this.#end('error', `ffmpeg produced no H.264 video (got ${video?.codecId ?? 'none'})`);
      return;
    }
    this.#video = { track: video.number, avc: parseAvcDecoderConfig(video.codecPrivate) };
    this.#audioTrack = tracks.find((t) => t.kind === 'audio' && t.codecId === 'A_OPUS')?.number ?? null;
  }

  /** Source position of a packet: copy mode keeps source timestamps, transcode counts from the seek. */
  #mediaMs(packet: MatroskaPacket): number {
    const source = this.#source!;
    return source.mode === 'copy'
      ? packet.timestampMs - source.info.startTimeSeconds * 1000
      : this.#segmentStartMs + packet.timestampMs;
  }

  #onPacket(packet: MatroskaPacket): void {
    if (this.#ended || !this.#pacer) return;
    const mediaMs = this.#mediaMs(packet);
    if (this.#video && packet.track === this.#video.track) {
      if (mediaMs <= this.#newestPushed.video) return;
      this.#newestPushed.video = mediaMs;
      this.#pacer.push({
        kind: 'video',
        mediaMs,
        keyframe: packet.keyframe,
        data: toAnnexB(packet.data, packet.keyframe, this.#video.avc),
      });
    } else if (packet.track === this.#audioTrack) {
      if (mediaMs <= this.#newestPushed.audio) return;
      this.#newestPushed.audio = mediaMs;
      this.#pacer.push({ kind: 'audio', mediaMs, keyframe: true, data: Buffer.from(packet.data) });
    }
  }

  #onSegmentExit(exit: SegmentExit): void {
    if (this.#ended) return;
    const proxyFailure = this.#source?.proxied.lastFailure() ?? null;
    if (exit.exitCode !== 0) {
      this.#end('error', describeFfmpegFailure(exit, proxyFailure));
      return;
    }
    const durationMs = (this.durationSeconds ?? 0) * 1000;
    const reachedMs = Math.max(this.#newestPushed.video, this.#newestPushed.audio, this.#segmentStartMs);
    if (durationMs > 0 && reachedMs < durationMs - TRUNCATION_TOLERANCE_MS) {
      // ffmpeg exits 0 when it loses its input: continue from where it got to.
      if (this.#recoveries < MAX_INPUT_RECOVERIES) {
        this.#recoveries++;
        this.#deps.logger.warn(
          {
            reachedSeconds: reachedMs / 1000,
            attempt: this.#recoveries,
            cause: proxyFailure ?? exit.stderrTail.at(-1),
          },
          'media input ended early; restarting ffmpeg where it stopped',
        );
        // +1 ms: a transcode restart opens with a keyframe, which must not be dropped as a repeat.
        this.#startSegment(reachedMs + 1);
        return;
      }
      this.#end(
        'error',
        `the media ended early at ${Math.round(reachedMs / 1000)} s: ${describeFfmpegFailure(exit, proxyFailure)}`,
      );
      return;
    }
    this.#pacer?.endSegment();
  }
}
