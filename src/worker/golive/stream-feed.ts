// The player's frames on their way into the stream connection (protocol.md §7 step 2): each one is
// counted as offered whether or not it can go anywhere, since the stall watchdog and the stats tell
// "nothing offered" from "offered but not sent"; video is prepared for the wire (§4.4), and both
// kinds are put on the stream's timeline, which runs on across pauses (§8.5).
import type { AudioFrame, VideoFrame } from '../media-sink.ts';
import { H264Preparer } from './h264.ts';
import type { PauseTimeline } from './pause-timeline.ts';
import type { VoiceConnection } from './voice-connection.ts';

export interface FeedCounts {
  videoOffered: number;
  audioOffered: number;
  /** Video frames the stream connection could not send: none up, waiting for a keyframe, DAVE. */
  videoDropped: number;
}

export class StreamFeed {
  readonly #preparer = new H264Preparer();
  readonly #timeline: PauseTimeline;
  readonly #now: () => number;
  readonly #counts: FeedCounts = { videoOffered: 0, audioOffered: 0, videoDropped: 0 };
  #lastOfferedAt = 0;

  /** `now` is the clock the stall watchdog reads `lastOfferedAt` on. */
  constructor(timeline: PauseTimeline, now: () => number) {
    this.#timeline = timeline;
    this.#now = now;
  }

  get counts(): Readonly<FeedCounts> {
    return this.#counts;
  }

  /** When the player last offered a video frame (0: never). */
  get lastOfferedAt(): number {
    return this.#lastOfferedAt;
  }

  /** Sends the frame on `stream`; with none (not live, paused, reconnecting) it is dropped. */
  video(frame: VideoFrame, stream: VoiceConnection | null): void {
    this.#counts.videoOffered += 1;
    this.#lastOfferedAt = this.#now();
    if (!stream) {
      this.#counts.videoDropped += 1;
      return;
    }
    const prepared = this.#preparer.prepare(frame.data);
    const sent = stream.sendVideo(
      prepared.data,
      this.#timeline.streamTimeMs(frame.ptsMs),
      prepared.keyframe || frame.keyframe,
    );
    if (!sent) this.#counts.videoDropped += 1;
  }

  audio(frame: AudioFrame, stream: VoiceConnection | null): void {
    this.#counts.audioOffered += 1;
    stream?.sendAudio(frame.data, this.#timeline.streamTimeMs(frame.ptsMs), frame.aheadMs ?? 0);
  }
}
