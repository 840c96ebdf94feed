// Discord takes about 5 message writes (posts and edits alike) per 5 s in one channel, and the
// now-playing panel and the party's public lines share that channel. One budget per bot says when
// the next write in a channel may go, so neither starves the other and neither draws a 429; each
// writer keeps its own pace (the panel coalesces, the announcer batches) within it.

export interface ChannelWriteBudgetOptions {
  /** Writes allowed in one window (Discord: 5; one is kept in reserve by default). */
  writes?: number;
  windowMs?: number;
}

export class ChannelWriteBudget {
  readonly #writes: number;
  readonly #windowMs: number;
  /** Times of the recent writes of each channel, oldest first. */
  readonly #recent = new Map<string, number[]>();

  constructor(options: ChannelWriteBudgetOptions = {}) {
    this.#writes = options.writes ?? 4;
    this.#windowMs = options.windowMs ?? 5_000;
  }

  /** How long a write in `channelId` must wait to stay within the budget (0: it may go now). */
  delayMs(channelId: string, nowMs = Date.now()): number {
    const recent = this.#current(channelId, nowMs);
    if (recent.length < this.#writes) return 0;
    return Math.max(0, (recent[recent.length - this.#writes] ?? nowMs) + this.#windowMs - nowMs);
  }

  /** Counts a write made in `channelId` now. */
  spend(channelId: string, nowMs = Date.now()): void {
    const recent = this.#current(channelId, nowMs);
    recent.push(nowMs);
    this.#recent.set(channelId, recent);
  }

  #current(channelId: string, nowMs: number): number[] {
    const recent = (this.#recent.get(channelId) ?? []).filter((at) => at > nowMs - this.#windowMs);
    if (recent.length === 0) this.#recent.delete(channelId);
    else this.#recent.set(channelId, recent);
    return recent;
  }
}
