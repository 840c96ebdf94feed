// What a watcher of the Go Live stream would see: every frame the stream connection delivers is
// DAVE-decrypted with the viewer's own davey member, checked, counted, and written out as H.264
// (Annex B) and Ogg Opus that ffmpeg can decode. A second H.264 file holds the frames exactly as
// someone holding only the transport key would see them (they must not decode while DAVE is on).
// In `count` mode (setMode) the viewer only counts and times the frames, intact or not, without
// decrypting, checking or writing them, so a benchmark with many streams spends little on watching.

import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { MediaType } from '@snazzah/davey';
import { daveTrailerProblem, hasDaveMarker, isOpusSilence } from './dave-frame.ts';
import { containsIdr, DecodeChain } from './decode-chain.ts';
import type { DivergenceLog } from './divergences.ts';
import type { AccessUnit } from './h264-depacketizer.ts';
import { accessUnitProblems, splitAnnexB } from './h264-stream-checks.ts';
import type { MediaSession } from './media-session.ts';
import { OggOpusWriter } from './ogg-opus-writer.ts';

const AUDIO: MediaType = 0;
const VIDEO: MediaType = 1;
/** Frames in flight when the sender confirmed its transition may still be clear (protocol.md §10 items 3 and 4). */
const TRANSITION_GRACE_MS = 500;

/** `watch`: decrypt, check and write every frame; `count`: count and time them only. */
export type ViewerMode = 'watch' | 'count';

export interface ReceivedFrame {
  readonly rtpTimestamp: number;
  /**
   * Wall-clock ms, to a fraction of a millisecond, when the frame's last packet arrived at the media
   * port (media-port.ts): jitter targets are a few ms, which whole milliseconds would blur.
   */
  readonly receivedAtMs: number;
  readonly bytes: number;
  /** Decrypted with DAVE (false: sent in clear, undecryptable, or only counted). */
  readonly daveDecrypted: boolean;
  readonly ssrc: number;
  /** Shown as sent: for video, complete and every frame it refers to was too; audio frames always are. */
  readonly intact: boolean;
  /**
   * Where a watcher finds it in the output: for video the frame's index in video.h264, for audio its
   * first sample (48 kHz) on the audio.ogg timeline (the Ogg pts). Null when it was not written.
   */
  readonly outputPosition: number | null;
}

export interface ViewerOutputFiles {
  readonly video: string;
  readonly audio: string;
  /** The video frames as an eavesdropper with the transport key alone sees them. */
  readonly videoTransportOnly: string;
}

/** Where a frame came from: the connection it arrived on and what that connection declared. */
export interface FrameSource {
  readonly label: string;
  readonly senderId: string;
  readonly media: MediaSession;
  readonly ssrc: number;
  readonly declaredSize: { width: number; height: number } | null;
}

export class Viewer {
  videoFramesReceived = 0;
  audioFramesReceived = 0;
  /** Incomplete access units (a packet missing or malformed), not written out. */
  videoFramesIncomplete = 0;
  /** Video frames a decoder shows as sent: complete, and every frame they refer to was too. */
  videoFramesIntact = 0;
  /** Complete video frames shown corrupted: an earlier frame they refer to was lost or incomplete. */
  videoFramesCorrupted = 0;
  daveDecryptOk = 0;
  daveDecryptFailed = 0;
  /** Frames without the DAVE marker: readable with the transport key alone. */
  framesReadableWithTransportKeyAlone = 0;
  /** Video frames written to the H.264 file. */
  videoFramesWritten = 0;
  readonly videoFrames: ReceivedFrame[] = [];
  readonly audioFrames: ReceivedFrame[] = [];
  /** The last SPS's picture size. */
  lastVideoSize: { width: number; height: number } | null = null;
  readonly files: ViewerOutputFiles | null;
  readonly #log: DivergenceLog;
  readonly #chain = new DecodeChain();
  readonly #video: WriteStream | null;
  readonly #videoTransportOnly: WriteStream | null;
  readonly #audio: OggOpusWriter | null;
  readonly #startedAt = Date.now();
  /** Per audio SSRC: where its RTP clock sits on the output timeline (48 kHz samples). */
  readonly #audioClock = new Map<number, { rtpBase: number; sampleBase: bigint }>();
  #lastAudioSample = -1n;
  #mode: ViewerMode = 'watch';

  constructor(outputDir: string | null, log: DivergenceLog) {
    this.#log = log;
    if (!outputDir) {
      this.files = null;
      this.#video = null;
      this.#videoTransportOnly = null;
      this.#audio = null;
      return;
    }
    mkdirSync(outputDir, { recursive: true });
    this.files = {
      video: join(outputDir, 'video.h264'),
      audio: join(outputDir, 'audio.ogg'),
      videoTransportOnly: join(outputDir, 'video-transport-only.h264'),
    };
    this.#video = createWriteStream(this.files.video);
    this.#videoTransportOnly = createWriteStream(this.files.videoTransportOnly);
    this.#audio = new OggOpusWriter(this.files.audio);
  }

  get mode(): ViewerMode {
    return this.#mode;
  }

  /** From now on, watch (decrypt, check, write) or only count and time what arrives. */
  setMode(mode: ViewerMode): void {
    this.#mode = mode;
  }

  onAudioFrame(source: FrameSource, frame: Buffer, rtpTimestamp: number, arrivedAtMs: number): void {
    this.audioFramesReceived++;
    const watching = this.#mode === 'watch';
    const plain = !watching ? null : isOpusSilence(frame) ? frame : this.#unwrap(source, AUDIO, frame);
    const sample = plain ? this.#audioSample(source.ssrc, rtpTimestamp) : null;
    if (plain && sample !== null) this.#audio?.write(plain, sample);
    this.audioFrames.push({
      rtpTimestamp,
      receivedAtMs: arrivedAtMs,
      bytes: frame.length,
      daveDecrypted: plain !== null && plain !== frame,
      ssrc: source.ssrc,
      intact: true,
      outputPosition: sample === null ? null : Number(sample),
    });
  }

  onVideoFrame(source: FrameSource, unit: AccessUnit, arrivedAtMs: number): void {
    const decoded = this.#chain.onFrame(source.ssrc, unit.complete, unit.complete && containsIdr(unit.data));
    if (unit.complete && decoded === 'intact') this.videoFramesIntact++;
    else if (unit.complete) this.videoFramesCorrupted++;
    if (!unit.complete) {
      this.videoFramesIncomplete++;
      return;
    }
    this.videoFramesReceived++;
    const watching = this.#mode === 'watch';
    if (watching) this.#videoTransportOnly?.write(unit.data);
    const plain = watching ? this.#unwrap(source, VIDEO, unit.data) : null;
    this.videoFrames.push({
      rtpTimestamp: unit.rtpTimestamp,
      receivedAtMs: arrivedAtMs,
      bytes: unit.data.length,
      daveDecrypted: plain !== null && plain !== unit.data,
      ssrc: source.ssrc,
      intact: decoded === 'intact',
      outputPosition: plain ? this.videoFramesWritten : null,
    });
    if (!plain) return;
    const { problems, sps } = accessUnitProblems(splitAnnexB(plain));
    for (const problem of problems) this.#log.record(`${source.label}:h264`, problem);
    if (sps) {
      this.lastVideoSize = { width: sps.width, height: sps.height };
      const declared = source.declaredSize;
      if (declared && (declared.width !== sps.width || declared.height !== sps.height)) {
        this.#log.record(
          `${source.label}:h264-size`,
          `SPS says ${sps.width}x${sps.height} but op 12 max_resolution declared ${declared.width}x${declared.height}`,
        );
      }
    }
    this.#video?.write(plain);
    this.videoFramesWritten++;
  }

  /**
   * Drops the frame records that arrived before `atMs` (the counters stay): a benchmark with many
   * streams for many minutes would otherwise keep every frame it ever timed, and this process's
   * garbage collector would mark them all, again and again, on the cores the streams need.
   */
  forgetFramesBefore(atMs: number): void {
    for (const frames of [this.videoFrames, this.audioFrames]) {
      const kept = frames.findIndex((frame) => frame.receivedAtMs >= atMs);
      frames.splice(0, kept < 0 ? frames.length : kept);
    }
  }

  /** The counters at a glance, for logs and assertion messages. */
  counters(): Record<string, number> {
    return {
      videoFramesReceived: this.videoFramesReceived,
      audioFramesReceived: this.audioFramesReceived,
      videoFramesIncomplete: this.videoFramesIncomplete,
      videoFramesIntact: this.videoFramesIntact,
      videoFramesCorrupted: this.videoFramesCorrupted,
      videoFramesWritten: this.videoFramesWritten,
      daveDecryptOk: this.daveDecryptOk,
      daveDecryptFailed: this.daveDecryptFailed,
      framesReadableWithTransportKeyAlone: this.framesReadableWithTransportKeyAlone,
    };
  }

  async close(): Promise<void> {
    const ends = [this.#video, this.#videoTransportOnly].map(
      (stream) => new Promise<void>((resolve) => (stream ? stream.end(resolve) : resolve())),
    );
    await Promise.all([...ends, this.#audio?.close()]);
  }

  /** DAVE-decrypts a frame; returns the clear frame, or null when a watcher would see nothing. */
  #unwrap(source: FrameSource, mediaType: MediaType, frame: Buffer): Buffer | null {
    const activeSince = source.media.group?.activeSince(source.senderId) ?? null;
    if (!hasDaveMarker(frame)) {
      this.framesReadableWithTransportKeyAlone++;
      if (activeSince === null) return frame; // no group yet: a watcher in passthrough sees it
      if (Date.now() - activeSince > TRANSITION_GRACE_MS) {
        this.#log.record(
          `${source.label}:dave-plaintext`,
          'unencrypted media frame while the sender is an active member of the DAVE group (protocol.md §6.5)',
        );
      }
      return null;
    }
    const problem = daveTrailerProblem(frame);
    if (problem) this.#log.record(`${source.label}:dave-frame`, `malformed DAVE frame: ${problem}`);
    const viewer = source.media.viewer;
    try {
      if (!viewer) throw new Error('no viewer in this media session');
      const plain = viewer.decrypt(source.senderId, mediaType, frame);
      this.daveDecryptOk++;
      return plain;
    } catch {
      this.daveDecryptFailed++;
      return null;
    }
  }

  #audioSample(ssrc: number, rtpTimestamp: number): bigint {
    let clock = this.#audioClock.get(ssrc);
    if (!clock) {
      const wall = BigInt(Math.round((Date.now() - this.#startedAt) * 48));
      clock = {
        rtpBase: rtpTimestamp,
        sampleBase: wall > this.#lastAudioSample ? wall : this.#lastAudioSample + 960n,
      };
      this.#audioClock.set(ssrc, clock);
    }
    let sample = clock.sampleBase + BigInt((rtpTimestamp - clock.rtpBase) >>> 0);
    if (sample <= this.#lastAudioSample) sample = this.#lastAudioSample + 960n;
    this.#lastAudioSample = sample;
    return sample;
  }
}
