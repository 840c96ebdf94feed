// Plays one queue item into the sink: picks a source (streamUrl, then downloadUrl), probes it, chooses
// copy or transcode, runs ffmpeg segment by segment (a seek or a lost input starts a new one) and
// pushes every frame through the pacer. It ends exactly once, with a reason.
import { errorMessage } from '../../error-message.ts';
import type { Logger } from '../../logger.ts';
import type { WorkerFailureKind } from '../../worker-contract/failure-kinds.ts';
import type { Encoder, EndReason, JellyfinTranscode, PlayRequest } from '../../worker-contract/http.ts';
import type { MediaSink } from '../media-sink.ts';
import type { VideoEncoderSelection } from './encoder-selection.ts';
import { type EncodeMode, type SegmentPlan, segmentArgs } from './ffmpeg-args.ts';
import { FfmpegSegment, type SegmentExit } from './ffmpeg-segment.ts';
import { FramePacer, type SinkTimeline } from './frame-pacer.ts';
import { type AvcConfig, parseAvcDecoderConfig, toAnnexB } from './h264-annexb.ts';
import {
  JELLYFIN_KEYFRAME_INTERVAL_SECONDS,
  readsJellyfinTranscode,
  transcodeUrlAt,
} from './jellyfin-transcode.ts';
import type { MatroskaPacket, MatroskaTrack } from './matroska-demuxer.ts';
import { announcedVideo } from './output-picture.ts';
import { nearestKeyframeSeconds, probeSource, type SourceInfo } from './probe.ts';
import type { ProxiedSource, SourceProxy } from './source-proxy.ts';
import type { StreamEncoding } from './stream-encoding.ts';
import { type OpenedSubtitle, openSubtitle, withTracks } from './track-choice.ts';
import { SOFTWARE_ENCODER, type VideoEncoder } from './video-encoder.ts';

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
  /** The worker's encoder choice (VIDEO_ENCODER); transcodes use x264 without one. */
  videoEncoders?: VideoEncoderSelection;
}

export interface ItemPlayerEvents {
  /** The first frame went out. */
  playing(): void;
  /** The source has left viewers waiting longer than a blip (true), or frames flow again (false). */
  buffering(buffering: boolean): void;
  /** `failure` classifies an `error` or `truncated` ending for the bot's plain words. */
  ended(reason: EndReason, error: string | null, failure: WorkerFailureKind | null): void;
}

/** Backpressure window on ffmpeg's output (about 3 s ahead). */
const BUFFER_HIGH_MS = 3_000;
const BUFFER_LOW_MS = 2_000;
/** ffmpeg exits 0 when its input is lost; an end this far before the duration is a loss, not the end. */
const TRUNCATION_TOLERANCE_MS = 2_000;

interface ItemEnd {
  reason: EndReason;
  error: string | null;
  failure: WorkerFailureKind | null;
}

const FINISHED: ItemEnd = { reason: 'finished', error: null, failure: null };

/** No source could be opened; `kind` says why, as the first (primary) source failed. */
class SourceOpenError extends Error {
  readonly kind: WorkerFailureKind;
  constructor(kind: WorkerFailureKind, message: string) {
    super(message);
    this.kind = kind;
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

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

/** Jellyfin's transcode, read instead of the file until it fails. */
interface JellyfinReading {
  transcode: JellyfinTranscode;
  /** The file's probe and mode, which take over when Jellyfin's transcode fails. */
  file: { info: SourceInfo; mode: EncodeMode };
  /** The running segment's address (each segment asks Jellyfin for its own start). */
  segment: ProxiedSource | null;
}

interface ActiveSource {
  /** The file (stream or download address). */
  proxied: ProxiedSource;
  /** What is read: the file's probe, or Jellyfin's transcode's (with the file's duration). */
  info: SourceInfo;
  mode: EncodeMode;
  subtitle: OpenedSubtitle | null;
  jellyfin: JellyfinReading | null;
}

export class ItemPlayer {
  readonly #deps: ItemPlayerDeps;
  readonly #request: PlayRequest;
  readonly #events: ItemPlayerEvents;
  readonly #abort = new AbortController();
  #source: ActiveSource | null = null;
  /** What encodes the next transcoded segment. */
  #videoEncoder: VideoEncoder = SOFTWARE_ENCODER;
  /** The poster, read through the proxy like the media, so the sink fetches it only from Jellyfin. */
  readonly #poster: ProxiedSource | null;
  #pacer: FramePacer | null = null;
  #segment: FfmpegSegment | null = null;
  /** Every ffmpeg not yet exited, including killed ones, so a shutdown can wait for them. */
  readonly #running = new Set<FfmpegSegment>();
  #segmentStartMs = 0;
  #video: { track: number; avc: AvcConfig } | null = null;
  #audioTrack: number | null = null;
  /** Newest frame handed to the pacer, per kind, so a recovered input continues without repeats. */
  #newestPushed = { video: Number.NEGATIVE_INFINITY, audio: Number.NEGATIVE_INFINITY };
  /** The running ffmpeg has pushed media past where the item had got to when it started. */
  #segmentProgressed = false;
  /** How the item ends once the pacer has played out what is queued. */
  #endWhenDrained: ItemEnd = FINISHED;
  #pendingPositionMs: number;
  #pausedBeforeStart = false;
  #ended = false;

  constructor(deps: ItemPlayerDeps, request: PlayRequest, events: ItemPlayerEvents) {
    this.#deps = deps;
    this.#request = request;
    this.#events = events;
    this.#pendingPositionMs = (request.startPositionSeconds ?? 0) * 1000;
    const { posterUrl } = request.playback;
    this.#poster = posterUrl === null ? null : deps.proxy.register(posterUrl, 'image');
  }

  get positionSeconds(): number {
    return (this.#pacer?.positionMs ?? this.#pendingPositionMs) / 1000;
  }

  get durationSeconds(): number | null {
    return this.#source?.info.durationSeconds ?? this.#request.playback.durationSeconds;
  }

  /** What makes the picture, once the source is open: passed through, or the encoder's. */
  get encoder(): Encoder | null {
    if (!this.#source) return null;
    return this.#source.mode === 'copy' ? 'copy' : this.#videoEncoder.name;
  }

  /** Probes and starts; failures end the item with reason `error`. */
  async start(): Promise<void> {
    try {
      this.#source = await this.#openSource();
      // Reading Jellyfin's transcode, the encoder is ready for the fallback to the file.
      if ((this.#source.mode === 'transcode' || this.#source.jellyfin) && this.#deps.videoEncoders) {
        this.#videoEncoder = await this.#deps.videoEncoders.encoder();
      }
    } catch (error) {
      this.#end('error', errorMessage(error), error instanceof SourceOpenError ? error.kind : null);
      return;
    }
    if (this.#ended) {
      this.#source.proxied.release();
      this.#source.subtitle?.release();
      return;
    }
    const { info, mode, jellyfin } = this.#source;
    this.#deps.logger.info(
      {
        mode,
        encoder: this.encoder,
        reading: jellyfin ? 'jellyfin-transcode' : 'file',
        fileCopyBlocker: jellyfin?.file.info.copyBlocker,
        copyBlocker: info.copyBlocker,
        video: info.video,
        durationSeconds: info.durationSeconds,
      },
      'source probed',
    );
    try {
      await this.#deps.sink.beginItem(
        { title: this.#request.title, posterUrl: this.#poster?.url ?? null },
        announcedVideo(info.video, mode, this.#deps.encoding),
      );
    } catch (error) {
      this.#end('error', `the stream refused the new item: ${errorMessage(error)}`, 'stream_failed');
      return;
    }
    if (this.#ended) return;
    if (mode === 'copy' && !jellyfin && this.#pendingPositionMs > 0) {
      const keyframe = await nearestKeyframeSeconds(
        this.#deps.ffprobePath,
        this.#source.proxied.url,
        this.#pendingPositionMs / 1000,
      );
      // +1 ms: the input seek lands on the keyframe at or before its point, so just past this one.
      if (keyframe !== null) this.#pendingPositionMs = Math.round(keyframe * 1000) + 1;
      if (this.#ended) return;
    }
    this.#pacer = new FramePacer(
      {
        sink: this.#deps.sink,
        timeline: this.#deps.timeline,
        hasAudio: info.audioStreamIndex !== null,
        now: this.#deps.now,
        rate: this.#deps.playbackRate,
        onDrained: () => {
          const { reason, error, failure } = this.#endWhenDrained;
          this.#end(reason, error, failure);
        },
        onBufferLevel: (ms) => {
          if (ms > BUFFER_HIGH_MS) this.#segment?.setOutputPaused(true);
          else if (ms < BUFFER_LOW_MS) this.#segment?.setOutputPaused(false);
        },
        onFirstFrame: () => this.#events.playing(),
        onStarved: (starved) => this.#events.buffering(starved),
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
    this.#endWhenDrained = FINISHED;
    this.#startSegment(positionMs);
  }

  /** Skip, stop, or the session going away. */
  end(reason: EndReason): void {
    this.#end(reason, null, null);
  }

  /** Resolves once no ffmpeg of this item is left (after end(), so none outlives the worker). */
  async settled(): Promise<void> {
    await Promise.all([...this.#running].map((segment) => segment.exited));
  }

  #end(reason: EndReason, error: string | null, failure: WorkerFailureKind | null): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#abort.abort();
    this.#segment?.kill();
    this.#pacer?.stop();
    this.#source?.proxied.release();
    const jellyfin = this.#source?.jellyfin;
    if (jellyfin) {
      jellyfin.segment?.release();
      void this.#deps.proxy.stopTranscode(jellyfin.transcode.url);
    }
    this.#source?.subtitle?.release();
    this.#poster?.release();
    this.#events.ended(reason, error, failure);
  }

  async #openSource(): Promise<ActiveSource> {
    const failures: string[] = [];
    const kinds: WorkerFailureKind[] = [];
    const { streamUrl, downloadUrl } = this.#request.playback;
    for (const [label, url] of [
      ['stream', streamUrl],
      ['download', downloadUrl],
    ] as const) {
      const proxied = this.#deps.proxy.register(url);
      try {
        const probed = await probeSource(
          this.#deps.ffprobePath,
          proxied.url,
          this.#deps.encoding,
          this.#abort.signal,
        );
        const info = withTracks(probed, this.#request.tracks);
        const mode = this.#deps.forceMode ?? (info.copyBlocker === null ? 'copy' : 'transcode');
        const subtitle = openSubtitle(this.#deps.proxy, this.#request.tracks);
        const file: ActiveSource = { proxied, info, mode, subtitle, jellyfin: null };
        return (await this.#jellyfinSource(file)) ?? file;
      } catch (error) {
        proxied.release();
        if (this.#abort.signal.aborted) throw new Error('stopped while opening the media');
        failures.push(`${label} URL: ${proxied.lastFailure() ?? errorMessage(error)}`);
        // Jellyfin said nothing wrong, so ffprobe could not make sense of what it read.
        kinds.push(proxied.lastFailureKind() ?? 'media_unreadable');
        this.#deps.logger.warn({ source: label, cause: failures.at(-1) }, 'media source failed');
      }
    }
    throw new SourceOpenError(kinds[0]!, `cannot play "${this.#request.title}": ${failures.join('; ')}`);
  }

  /**
   * The file's Jellyfin transcode, when the request offers one and the file needs it: read instead
   * of the file if its output can be passed through untouched. Null, and the file is read, when
   * Jellyfin fails or its output would need transcoding again.
   */
  async #jellyfinSource(file: ActiveSource): Promise<ActiveSource | null> {
    const { transcode } = this.#request.playback;
    if (this.#deps.forceMode || !transcode || !readsJellyfinTranscode(transcode, file.info)) return null;
    const startSeconds = this.#pendingPositionMs / 1000;
    const url = transcodeUrlAt(transcode, startSeconds, file.info, this.#request.tracks);
    const proxied = this.#deps.proxy.register(url, 'transcode');
    try {
      const info = await probeSource(
        this.#deps.ffprobePath,
        proxied.url,
        this.#deps.encoding,
        this.#abort.signal,
        JELLYFIN_KEYFRAME_INTERVAL_SECONDS,
      );
      if (info.copyBlocker === null) {
        return {
          ...file,
          info: { ...info, durationSeconds: file.info.durationSeconds },
          mode: 'copy',
          jellyfin: { transcode, file: { info: file.info, mode: file.mode }, segment: null },
        };
      }
      this.#deps.logger.warn(
        { copyBlocker: info.copyBlocker },
        "Jellyfin's transcode cannot be passed through; the worker reads the file itself",
      );
    } catch (error) {
      // Stopped meanwhile: the file is handed back, and start() releases it with the item ended.
      if (!this.#abort.signal.aborted) {
        this.#deps.logger.warn(
          { cause: proxied.lastFailure() ?? errorMessage(error) },
          "Jellyfin's transcode failed; the worker reads the file itself",
        );
      }
    } finally {
      proxied.release();
    }
    return null;
  }

  /** Jellyfin's transcode from `startMs`, replacing the previous segment's address. */
  #jellyfinSegmentUrl(jellyfin: JellyfinReading, startMs: number): string {
    jellyfin.segment?.release();
    const url = transcodeUrlAt(jellyfin.transcode, startMs / 1000, jellyfin.file.info, this.#request.tracks);
    jellyfin.segment = this.#deps.proxy.register(url, 'transcode');
    return jellyfin.segment.url;
  }

  /**
   * Jellyfin's transcode delivered nothing (it refused, failed, or stopped short): the file is read
   * from the same point on, transcoded by the worker when it must be.
   */
  #leaveJellyfin(jellyfin: JellyfinReading, exit: SegmentExit): void {
    const source = this.#source!;
    const cause = jellyfin.segment?.lastFailure() ?? describeFfmpegFailure(exit, null);
    jellyfin.segment?.release();
    source.jellyfin = null;
    source.info = jellyfin.file.info;
    source.mode = jellyfin.file.mode;
    this.#deps.logger.warn(
      { reachedSeconds: this.#segmentStartMs / 1000, mode: source.mode, encoder: this.encoder, cause },
      "Jellyfin's transcode failed; the worker reads the file from where it stopped",
    );
    this.#startSegment(this.#segmentStartMs);
  }

  #startSegment(startMs: number): void {
    const source = this.#source!;
    this.#segmentStartMs = startMs;
    this.#segmentProgressed = false;
    this.#video = null;
    this.#audioTrack = null;
    const plan: SegmentPlan = {
      url: source.jellyfin ? this.#jellyfinSegmentUrl(source.jellyfin, startMs) : source.proxied.url,
      inputAtStart: source.jellyfin !== null,
      source: source.info,
      encoding: this.#deps.encoding,
      mode: source.mode,
      startSeconds: startMs / 1000,
      subtitle: source.subtitle?.burnIn ?? null,
      videoEncoder: this.#videoEncoder,
    };
    const segment = new FfmpegSegment(this.#deps.ffmpegPath, segmentArgs(plan), {
      tracks: (tracks) => this.#onTracks(tracks),
      packet: (packet) => this.#onPacket(packet),
      formatError: (message) => this.#end('error', message, 'media_unreadable'),
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
      this.#end(
        'error',
        `ffmpeg produced no H.264 video (got ${video?.codecId ?? 'none'})`,
        'media_unreadable',
      );
      return;
    }
    this.#video = { track: video.number, avc: parseAvcDecoderConfig(video.codecPrivate) };
    this.#audioTrack = tracks.find((t) => t.kind === 'audio' && t.codecId === 'A_OPUS')?.number ?? null;
  }

  /**
   * Source position of a packet: copy mode keeps the file's timestamps; a transcode, the worker's or
   * Jellyfin's, counts from where its segment starts.
   */
  #mediaMs(packet: MatroskaPacket): number {
    const source = this.#source!;
    return source.mode === 'copy' && !source.jellyfin
      ? packet.timestampMs - source.info.startTimeSeconds * 1000
      : this.#segmentStartMs + packet.timestampMs;
  }

  #onPacket(packet: MatroskaPacket): void {
    if (this.#ended || !this.#pacer) return;
    const mediaMs = this.#mediaMs(packet);
    if (this.#video && packet.track === this.#video.track) {
      if (mediaMs <= this.#newestPushed.video) return;
      this.#newestPushed.video = mediaMs;
      this.#segmentProgressed = true;
      this.#pacer.push({
        kind: 'video',
        mediaMs,
        keyframe: packet.keyframe,
        data: toAnnexB(packet.data, packet.keyframe, this.#video.avc),
      });
    } else if (packet.track === this.#audioTrack) {
      if (mediaMs <= this.#newestPushed.audio) return;
      this.#newestPushed.audio = mediaMs;
      this.#segmentProgressed = true;
      this.#pacer.push({ kind: 'audio', mediaMs, keyframe: true, data: Buffer.from(packet.data) });
    }
  }

  /**
   * ffmpeg stopped on its own. At the end of the media it is done; short of it, its input was lost
   * (ffmpeg exits 0 on a dropped connection too) and a new ffmpeg continues from where it got to.
   * Only a run that got further earns another: a fresh ffmpeg that finds nothing past that point
   * means the file itself stops there (cut short), and retrying it would change nothing. Whatever
   * the ending, the media already queued plays out first, so viewers see all the file holds.
   * A GPU encoder's run that fails while its input is fine is taken for the device failing (ffmpeg's
   * words for that differ by driver): x264 continues from where it stopped, and should the failure
   * have been the media's after all, x264's run ends the item as any failure does.
   */
  #onSegmentExit(exit: SegmentExit): void {
    if (this.#ended) return;
    const proxyFailure = this.#source?.proxied.lastFailure() ?? null;
    const durationMs = (this.durationSeconds ?? 0) * 1000;
    const reachedMs = Math.max(this.#newestPushed.video, this.#newestPushed.audio, this.#segmentStartMs);
    const encoder = this.#videoEncoder;
    if (exit.exitCode === 0 && (durationMs <= 0 || reachedMs >= durationMs - TRUNCATION_TOLERANCE_MS)) {
      this.#playOut(FINISHED);
    } else if (this.#source?.jellyfin && !this.#segmentProgressed) {
      this.#leaveJellyfin(this.#source.jellyfin, exit);
    } else if (
      this.#source?.mode === 'transcode' &&
      encoder.name !== 'x264' &&
      exit.exitCode !== 0 &&
      proxyFailure === null
    ) {
      const cause = exit.stderrTail.at(-1) ?? describeFfmpegFailure(exit, null);
      this.#videoEncoder = this.#deps.videoEncoders?.fallBack(encoder.name, cause) ?? SOFTWARE_ENCODER;
      this.#deps.logger.warn(
        { failed: encoder.name, encoder: this.#videoEncoder.name, reachedSeconds: reachedMs / 1000, cause },
        'GPU encoder failed; continuing with x264 where it stopped',
      );
      // From the newest picture sent, so none goes missing; audio already sent is not sent twice.
      const newestPicture = Math.max(this.#newestPushed.video, this.#segmentStartMs);
      this.#startSegment(this.#segmentProgressed ? newestPicture + 1 : this.#segmentStartMs);
    } else if (this.#segmentProgressed) {
      this.#deps.logger.warn(
        { reachedSeconds: reachedMs / 1000, cause: proxyFailure ?? exit.stderrTail.at(-1) },
        'media input ended early; restarting ffmpeg where it stopped',
      );
      // +1 ms: a transcode restart opens with a keyframe, which must not be dropped as a repeat.
      this.#startSegment(reachedMs + 1);
    } else if (exit.exitCode === 0 && proxyFailure === null) {
      this.#deps.logger.warn(
        { reachedSeconds: reachedMs / 1000, durationSeconds: durationMs / 1000 },
        'the media has no data past this point; playing out what is queued',
      );
      this.#playOut({
        reason: 'truncated',
        error: `the file ended early: no media past ${seconds(reachedMs)} of its ${seconds(durationMs)}`,
        failure: 'media_ended_early',
      });
    } else {
      this.#playOut({
        reason: 'error',
        error: describeFfmpegFailure(exit, proxyFailure),
        failure: this.#source?.proxied.lastFailureKind() ?? 'media_unreadable',
      });
    }
  }

  /**
   * Ends the item once every frame already queued has gone out. A failure with nothing left to show
   * ends at once, even while paused: waiting for a resume would only hide it.
   */
  #playOut(end: ItemEnd): void {
    if (end.reason === 'error' && this.#pacer?.queuedFrames === 0) {
      this.#end(end.reason, end.error, end.failure);
      return;
    }
    this.#endWhenDrained = end;
    this.#pacer?.endSegment();
  }
}
