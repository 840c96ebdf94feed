// Every way a client strays from what the simulated Discord accepts is recorded here, so a test fails
// on any field a real voice server would refuse (protocol.md), plus, under the `orb-transport`
// profile, every choice our transport promised (profile.ts). Repeats of one kind are counted, not
// re-listed: a wrong nonce on every packet is one line with a count, not ten thousand lines.
import { profileChecks, type SimProfile } from './profile.ts';

const MAX_LISTED = 500;

export class DivergenceLog {
  /** One human-readable line per distinct kind, in the order first seen. */
  readonly list: string[] = [];
  readonly profile: SimProfile;
  readonly #counts = new Map<string, number>();

  constructor(profile: SimProfile = 'discord') {
    this.profile = profile;
  }

  /**
   * Records a divergence, unless the profile does not check that kind. `kind` groups repeats (e.g.
   * `stream:nonce`); `detail` says what was seen against what is wanted, naming the field.
   */
  record(kind: string, detail: string): void {
    if (!profileChecks(this.profile, kind)) return;
    const seen = this.#counts.get(kind) ?? 0;
    this.#counts.set(kind, seen + 1);
    if (seen === 0 && this.list.length < MAX_LISTED) this.list.push(`${kind}: ${detail}`);
  }

  /** How many times each kind happened. */
  counts(): Record<string, number> {
    return Object.fromEntries(this.#counts);
  }
}
