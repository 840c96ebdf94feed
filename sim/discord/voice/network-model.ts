// A network between the client and the voice server, one per direction of the media path: random
// or bursty loss, reordering, duplication, delay and jitter, drawn from a seeded generator so a run
// can be repeated packet for packet. Without impairments a datagram passes at once, as before.

export interface NetworkConditions {
  /** Share of datagrams lost, 0-100 (default 0). */
  lossPercent?: number;
  /**
   * Losses come in runs of exactly this many datagrams (default 1: each loss on its own). The runs
   * start often enough for `lossPercent` to hold on average.
   */
  burstLength?: number;
  /** Share of datagrams held back by `reorderDelayMs`, so later ones overtake them, 0-100 (default 0). */
  reorderPercent?: number;
  /** How long a reordered datagram is held back (default 10 ms). */
  reorderDelayMs?: number;
  /** Share of datagrams delivered twice, 0-100 (default 0). */
  duplicatePercent?: number;
  /** One-way delay (default 0 ms). */
  delayMs?: number;
  /** Extra delay drawn uniformly from [0, jitterMs) per datagram; it never reorders by itself (default 0). */
  jitterMs?: number;
  /** The generator's seed (default 1). */
  seed?: number;
}

export interface NetworkCounters {
  sent: number;
  /** Bytes of the datagrams sent into the path (lost ones included). */
  bytesSent: number;
  lost: number;
  duplicated: number;
  reordered: number;
}

/** mulberry32: a small, fast 32-bit generator; plenty for drawing packet fates. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 2 ** 32;
  };
}

function percent(name: string, value: number | undefined): number {
  const given = value ?? 0;
  if (!Number.isFinite(given) || given < 0 || given > 100)
    throw new RangeError(`network ${name} must be a percentage from 0 to 100, got ${value}`);
  return given;
}

function milliseconds(name: string, value: number | undefined, fallback: number): number {
  const given = value ?? fallback;
  if (!Number.isFinite(given) || given < 0)
    throw new RangeError(`network ${name} must be a duration of 0 ms or more, got ${value}`);
  return given;
}

/** Conditions checked and with defaults filled in; throws RangeError naming a bad field. */
function settle(conditions: NetworkConditions): Required<NetworkConditions> {
  const burstLength = conditions.burstLength ?? 1;
  if (!Number.isInteger(burstLength) || burstLength < 1)
    throw new RangeError(`network burstLength must be a whole number of datagrams ≥ 1, got ${burstLength}`);
  const seed = conditions.seed ?? 1;
  if (!Number.isInteger(seed)) throw new RangeError(`network seed must be an integer, got ${seed}`);
  return {
    lossPercent: percent('lossPercent', conditions.lossPercent),
    burstLength,
    reorderPercent: percent('reorderPercent', conditions.reorderPercent),
    reorderDelayMs: milliseconds('reorderDelayMs', conditions.reorderDelayMs, 10),
    duplicatePercent: percent('duplicatePercent', conditions.duplicatePercent),
    delayMs: milliseconds('delayMs', conditions.delayMs, 0),
    jitterMs: milliseconds('jitterMs', conditions.jitterMs, 0),
    seed,
  };
}

interface InFlight {
  at: number;
  deliver: () => void;
}

/** One direction of the media path. */
export class NetworkPath {
  readonly counters: NetworkCounters = { sent: 0, bytesSent: 0, lost: 0, duplicated: 0, reordered: 0 };
  /** True when anything at all is impaired: receivers then expect gaps, repeats and disorder. */
  readonly impaired: boolean;
  readonly #conditions: Required<NetworkConditions>;
  readonly #random: () => number;
  /** Chance that a datagram outside a burst starts one (see `burstStartChance`). */
  readonly #burstStart: number;
  #burstLeft = 0;
  /** Datagrams in flight, by delivery time. */
  #inFlight: InFlight[] = [];
  /** When the last datagram that keeps its place arrives: jitter must not reorder. */
  #lastInOrderAt = 0;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(conditions: NetworkConditions = {}) {
    this.#conditions = settle(conditions);
    this.#random = seededRandom(this.#conditions.seed);
    const { lossPercent, burstLength, reorderPercent, duplicatePercent, delayMs, jitterMs } =
      this.#conditions;
    this.#burstStart = burstStartChance(lossPercent / 100, burstLength);
    this.impaired = lossPercent + reorderPercent + duplicatePercent + delayMs + jitterMs > 0;
  }

  /** Sends `datagram`: `deliver` runs when (and as often as) it arrives, `lost` when it does not. */
  send(datagram: Buffer, deliver: () => void, lost?: () => void): void {
    if (this.#closed) return;
    this.counters.sent += 1;
    this.counters.bytesSent += datagram.length;
    if (!this.impaired) {
      deliver();
      return;
    }
    if (this.#lose()) {
      this.counters.lost += 1;
      lost?.();
      return;
    }
    const { reorderPercent, reorderDelayMs, duplicatePercent, delayMs, jitterMs } = this.#conditions;
    const now = performance.now();
    let at = now + delayMs + this.#random() * jitterMs;
    if (this.#random() * 100 < reorderPercent) {
      this.counters.reordered += 1;
      at += reorderDelayMs;
    } else {
      at = Math.max(at, this.#lastInOrderAt);
      this.#lastInOrderAt = at;
    }
    this.#schedule(at, deliver);
    if (this.#random() * 100 < duplicatePercent) {
      this.counters.duplicated += 1;
      this.#schedule(at + 1, deliver);
    }
  }

  /** Datagrams still in flight are dropped. */
  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#inFlight = [];
  }

  #lose(): boolean {
    if (this.#burstLeft > 0) {
      this.#burstLeft -= 1;
      return true;
    }
    if (this.#random() >= this.#burstStart) return false;
    this.#burstLeft = this.#conditions.burstLength - 1;
    return true;
  }

  #schedule(at: number, deliver: () => void): void {
    // Nearly always in order already: insert from the end.
    let index = this.#inFlight.length;
    while (index > 0 && this.#inFlight[index - 1]!.at > at) index -= 1;
    this.#inFlight.splice(index, 0, { at, deliver });
    if (index === 0) this.#arm();
  }

  #arm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    const head = this.#inFlight[0];
    this.#timer = head
      ? setTimeout(() => this.#deliverDue(), Math.max(0, head.at - performance.now()))
      : null;
    this.#timer?.unref();
  }

  #deliverDue(): void {
    this.#timer = null;
    const now = performance.now();
    let due = 0;
    while (due < this.#inFlight.length && this.#inFlight[due]!.at <= now + 0.5) due += 1;
    const arrived = this.#inFlight.splice(0, due);
    for (const datagram of arrived) datagram.deliver();
    if (!this.#closed) this.#arm();
  }
}

/**
 * Runs of `burstLength` losses start with this chance per datagram outside a run, so that the lost
 * share is `lossRatio`: each run takes burstLength datagrams and is preceded on average by
 * (1 − p) / p kept ones, so lossRatio = L / (L + (1 − p) / p), solved for p.
 */
export function burstStartChance(lossRatio: number, burstLength: number): number {
  if (lossRatio <= 0) return 0;
  if (lossRatio >= 1) return 1;
  return lossRatio / (burstLength * (1 - lossRatio) + lossRatio);
}
