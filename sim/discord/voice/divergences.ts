// Every way a client strays from the protocol brief (shared/research/golive-protocol.md) is recorded
// here, so a test fails on any field the brief says otherwise. Repeats of one kind are counted, not
// re-listed: a wrong nonce on every packet is one line with a count, not ten thousand lines.

const MAX_LISTED = 500;

export class DivergenceLog {
  /** One human-readable line per distinct kind, in the order first seen. */
  readonly list: string[] = [];
  readonly #counts = new Map<string, number>();

  /**
   * Records a divergence. `kind` groups repeats (e.g. `stream:nonce-not-increasing`); `detail` says
   * what was seen against what the brief wants, naming the field.
   */
  record(kind: string, detail: string): void {
    const seen = this.#counts.get(kind) ?? 0;
    this.#counts.set(kind, seen + 1);
    if (seen === 0 && this.list.length < MAX_LISTED) this.list.push(`${kind}: ${detail}`);
  }

  /** How many times each kind happened. */
  counts(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }
}
