// The seam between the player and whatever carries frames away: the Go Live transport in
// production, a capture sink in tests. The player owns timing; a sink sends what it is given, now
// (audio may come a little early, and then says so).
import type { StreamFigures } from '../worker-contract/http.ts';

/** One H.264 access unit in Annex B form (start codes), SPS/PPS in front of every keyframe. */
export interface VideoFrame {
  data: Buffer;
  /** Presentation time on the sink's continuous timeline, in milliseconds (continuous across seeks). */
  ptsMs: number;
  keyframe: boolean;
}

/** One Opus packet of 20 ms, 48 kHz stereo. */
export interface AudioFrame {
  data: Buffer;
  ptsMs: number;
  /**
   * How many milliseconds before its time the player hands this packet over (audio rides along
   * with the video frame before it; 0 or absent when on time). The timeline's position now is
   * `ptsMs - aheadMs`, which is what a sink's clock (e.g. RTCP sender reports) must use.
   */
  aheadMs?: number;
}

export interface StreamVideoParameters {
  width: number;
  height: number;
  fps: number;
  /** Upper bound the sink may announce to viewers, in kbit/s. */
  maxBitrateKbps: number;
}

/** What is playing, so the sink can show it (the Go Live preview tile shows the poster). */
export interface NowPlaying {
  title: string;
  posterUrl: string | null;
}

export interface MediaSink {
  /** Joins and opens the stream; resolves when frames can flow. */
  open(video: StreamVideoParameters): Promise<void>;
  /** Announces a new item (new preview); video parameters may change between items. */
  beginItem(item: NowPlaying, video: StreamVideoParameters): Promise<void>;
  sendVideo(frame: VideoFrame): void;
  sendAudio(frame: AudioFrame): void;
  /** Paused: nothing is sent, and viewers are told the stream is paused. */
  setPaused(paused: boolean): void;
  /** Leaves everything; safe to call twice. */
  close(reason: string): Promise<void>;
  /**
   * Registers the listener for failures the sink cannot recover from by itself (kicked, refused,
   * reconnects exhausted). The worker reports them as the session's lastError.
   */
  onFatal(listener: (error: Error) => void): void;
  /**
   * Registers the listener for outages the sink recovers from by itself: true when frames stop
   * reaching viewers while it reconnects, false once they reach them again.
   */
  onInterruption(listener: (interrupted: boolean) => void): void;
  /** What the stream has done so far, for the bot's /metrics; null before it is open. */
  figures(): StreamFigures | null;
}
