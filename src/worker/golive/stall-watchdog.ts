// Notices a Go Live stream that should be sending and is not (protocol.md §8.2 item 10): frames are
// offered but no datagram leaves, or viewers wait for a DAVE group that never forms. Pure logic: the
// session reads its connections at each tick and passes the clock in, so tests can step time.

/** How often the watchdog looks and how long a stall may last before it reconnects. */
export interface WatchdogTimings {
  intervalMs: number;
  /** Frames offered but none leaving for this long is a stall. */
  stallMs: number;
  /** Viewers present but the DAVE group not ready for this long is a stall too. */
  daveStallMs: number;
}

export const DEFAULT_WATCHDOG_TIMINGS: WatchdogTimings = {
  intervalMs: 2_000,
  stallMs: 10_000,
  daveStallMs: 30_000,
};

/** What the session sees at one tick; every time is on the clock `check` is given. */
export interface StreamReading {
  /** The stream connection now, by identity; a different one starts the clocks afresh. */
  stream: object | null;
  /** Nothing is expected to leave: a recovery is running or the stream is paused. */
  resting: boolean;
  /** The stream's DAVE session is on but its group is not ready. */
  daveWaiting: boolean;
  viewers: number;
  /** When the player last offered a frame (0: never). */
  lastOfferedAt: number;
  /** When the stream connection last handed media to the network unrefused (0: never). */
  lastSentAt: number;
}

export class StallWatchdog {
  readonly #timings: WatchdogTimings;
  #watched: object | null = null;
  /** Since when this connection should be sending (unpaused, frames offered, DAVE ready). */
  #sendExpectedSince: number | null = null;
  /** Since when viewers have been waiting for this connection's DAVE group. */
  #daveWaitingSince: number | null = null;

  constructor(timings: WatchdogTimings) {
    for (const [name, value] of Object.entries(timings)) {
      if (!Number.isFinite(value) || value <= 0) {
        throw new Error(`watchdog ${name} must be a positive number of milliseconds, not ${value}`);
      }
    }
    this.#timings = { ...timings };
  }

  get intervalMs(): number {
    return this.#timings.intervalMs;
  }

  /** The stall to recover from, as a reason for the log, or null while all is well. */
  check(now: number, reading: StreamReading): string | null {
    const { intervalMs, stallMs, daveStallMs } = this.#timings;
    const replaced = reading.stream !== this.#watched;
    this.#watched = reading.stream;
    // The clocks run only while sending is expected on this very connection: never across a
    // reconnect, a pause, a gap between items or a wait for DAVE, nor while nobody watches.
    const resting = reading.resting || reading.stream === null;
    const daveWaiting = !resting && reading.daveWaiting;
    const offering = now - reading.lastOfferedAt <= intervalMs * 2;
    if (replaced || resting || daveWaiting || !offering) this.#sendExpectedSince = null;
    if (replaced || !daveWaiting || reading.viewers === 0) this.#daveWaitingSince = null;
    if (resting) return null;
    if (daveWaiting) {
      // Alone in a DAVE session nothing may leave; with viewers it must not last.
      if (reading.viewers === 0) return null;
      this.#daveWaitingSince ??= now;
      if (now - this.#daveWaitingSince <= daveStallMs) return null;
      this.#daveWaitingSince = null;
      return 'watchdog: viewers present but the DAVE group never became ready';
    }
    if (!offering) return null;
    this.#sendExpectedSince ??= now;
    const lastSent = Math.max(reading.lastSentAt, this.#sendExpectedSince);
    if (now - lastSent <= stallMs) return null;
    return `watchdog: frames offered but none left for ${Math.round((now - lastSent) / 1000)} s`;
  }
}
