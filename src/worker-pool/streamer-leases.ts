// Streaming accounts (STREAMER_TOKENS), leased one per live watch party: a user account can run only
// one Go Live at a time, so a party without a free account must wait or be told why.
import { NoStreamerAvailableError } from '../watchparty/worker-pool.ts';

export interface StreamerLease {
  /** Position in STREAMER_TOKENS, safe to log (the token itself never is). */
  readonly index: number;
  readonly token: string;
}

export class StreamerLeases {
  readonly #tokens: readonly string[];
  readonly #holders = new Map<number, string>();

  constructor(tokens: readonly string[]) {
    this.#tokens = tokens;
  }

  /** Leases a free account to `sessionId`; throws NoStreamerAvailableError when all are busy. */
  acquire(sessionId: string): StreamerLease {
    const index = this.#tokens.findIndex((_, i) => !this.#holders.has(i));
    if (index === -1) throw new NoStreamerAvailableError(this.#tokens.length);
    this.#holders.set(index, sessionId);
    return { index, token: this.#tokens[index]! };
  }

  release(lease: StreamerLease): void {
    this.#holders.delete(lease.index);
  }
}
