// The stream's media clock across pauses (protocol.md §8.5). The player's timestamps stand still
// while the stream is paused; the wall clock does not. Moving the timeline on by the time the pause
// took keeps RTP timestamps truthful across the gap, as the sender reports (§4.7) pair them with
// the wall clock.

export class PauseTimeline {
  readonly #now: () => number;
  #pausedAt = 0;
  #resumePending = false;
  #lastPtsMs = 0;
  /** Wall-clock time spent paused beyond what the timestamps moved, summed over every pause. */
  #offsetMs = 0;

  /** `now` is any monotonic millisecond clock; production passes `performance.now`. */
  constructor(now: () => number) {
    this.#now = now;
  }

  pause(): void {
    this.#pausedAt = this.#now();
  }

  /** The next frame's time is measured against the pause. */
  resume(): void {
    this.#resumePending = true;
  }

  /**
   * The stream time for a frame's presentation time. The first frame after a resume moves it on by
   * the wall-clock gap since the pause, or by the timestamps' own gap if they moved further (a seek).
   */
  streamTimeMs(ptsMs: number): number {
    if (this.#resumePending) {
      this.#resumePending = false;
      const wallGap = this.#now() - this.#pausedAt;
      const ptsGap = ptsMs - this.#lastPtsMs;
      if (wallGap > ptsGap) this.#offsetMs += wallGap - ptsGap;
    }
    this.#lastPtsMs = ptsMs;
    return ptsMs + this.#offsetMs;
  }
}
