// Which video packets the SFU is missing and when to ask for them again, the way libwebrtc's NACK
// module does it: a gap in the sequence numbers is NACKed after a short wait for reordering, then
// again once a round trip has passed without it, up to a retry limit. Sequence numbers here are
// unwrapped (they keep counting past 65535), so ordering is plain arithmetic.

/** How long a gap may be plain reordering before its packets are asked for. */
export const NACK_REORDER_WAIT_MS = 5;
export const NACK_MAX_RETRIES = 10;
/** A gap wider than this is not worth NACKing: the receiver asks for a keyframe instead. */
export const NACK_MAX_MISSING = 1000;
/** Until the first round trip is measured (libwebrtc's default). */
const INITIAL_RTT_MS = 100;
const MIN_RENACK_INTERVAL_MS = 10;

interface Missing {
  readonly detectedAt: number;
  sentAt: number;
  retries: number;
}

export class NackTracker {
  readonly #missing = new Map<number, Missing>();
  #highest: number | null = null;
  /** The smoothed round trip, from NACKs answered on their first ask. */
  #rttMs = INITIAL_RTT_MS;

  get missing(): number {
    return this.#missing.size;
  }

  /**
   * A packet arrived (original or recovered). Returns false when the gap it opens is too wide to
   * NACK: the caller gives up on what lies before it.
   */
  onPacket(sequence: number, now: number, recovered: boolean): boolean {
    const missing = this.#missing.get(sequence);
    if (missing) {
      // Karn: only an answer to a single ask says how long the round trip is.
      if (recovered && missing.retries === 1)
        this.#rttMs = 0.875 * this.#rttMs + 0.125 * (now - missing.sentAt);
      this.#missing.delete(sequence);
    }
    const highest = this.#highest;
    if (highest === null || sequence <= highest) {
      this.#highest ??= sequence;
      return true;
    }
    this.#highest = sequence;
    if (sequence - highest - 1 + this.#missing.size > NACK_MAX_MISSING) {
      this.#missing.clear();
      return false;
    }
    for (let lost = highest + 1; lost < sequence; lost += 1)
      this.#missing.set(lost, { detectedAt: now, sentAt: Number.NEGATIVE_INFINITY, retries: 0 });
    return true;
  }

  /** The sequence numbers to NACK now; packets out of retries are dropped from the list. */
  due(now: number): number[] {
    const ask: number[] = [];
    const interval = Math.max(MIN_RENACK_INTERVAL_MS, this.#rttMs);
    for (const [sequence, missing] of this.#missing) {
      if (now - missing.detectedAt < NACK_REORDER_WAIT_MS || now - missing.sentAt < interval) continue;
      if (missing.retries >= NACK_MAX_RETRIES) {
        this.#missing.delete(sequence);
        continue;
      }
      missing.retries += 1;
      missing.sentAt = now;
      ask.push(sequence);
    }
    return ask;
  }

  /** The receiver stopped waiting for everything before `sequence`. */
  forgetBefore(sequence: number): void {
    for (const missing of this.#missing.keys()) if (missing < sequence) this.#missing.delete(missing);
  }
}
