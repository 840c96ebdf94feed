// Pause bookkeeping for one Go Live stream (op 22, protocol.md §8.5): media must stop while paused. The
// main gateway (op 22) and UDP are separate paths, so packets within a short window around a pause
// change are in flight, not a divergence.
import type { DivergenceLog } from './divergences.ts';

const IN_FLIGHT_MS = 300;

export class StreamPause {
  paused = false;
  /** RTP packets that arrived while paused (after the in-flight window). */
  packetsWhilePaused = 0;
  readonly #log: DivergenceLog;
  readonly #label: string;
  #since = 0;
  #firstSuspect: number | null = null;

  constructor(log: DivergenceLog, label: string) {
    this.#log = log;
    this.#label = label;
  }

  set(paused: boolean, now: number): void {
    if (paused === this.paused) return;
    if (!paused) this.settle(now);
    this.paused = paused;
    this.#since = now;
    this.#firstSuspect = null;
  }

  onMedia(now: number): void {
    if (!this.paused || now - this.#since < IN_FLIGHT_MS) return;
    this.packetsWhilePaused++;
    this.#firstSuspect ??= now;
  }

  /** Judges the media seen during the current pause (on unpause, stream end, or when asked). */
  settle(now: number): void {
    if (this.#firstSuspect !== null && now - this.#firstSuspect > IN_FLIGHT_MS) {
      this.#log.record(
        `${this.#label}:media-while-paused`,
        'RTP media sent while the stream is paused (op 22 paused:true)',
      );
      this.#firstSuspect = null;
    }
  }
}
