// When the SFU asks the sender for a keyframe, as a libwebrtc receiver does: a PLI as soon as a
// frame cannot be decoded (it is incomplete, or a frame it refers to was), and again every
// PLI_REPEAT_MS until a keyframe arrives whole. Each wait is measured, first PLI to keyframe.

export const PLI_REPEAT_MS = 200;

export class KeyframeRequests {
  /** How long each wait for a keyframe lasted (ms), in order. */
  readonly latenciesMs: number[] = [];
  #waitingSince: number | null = null;
  #lastPliAt = Number.NEGATIVE_INFINITY;
  readonly #sendPli: () => void;

  constructor(sendPli: () => void) {
    this.#sendPli = sendPli;
  }

  get waiting(): boolean {
    return this.#waitingSince !== null;
  }

  /** A frame came out of the depacketizer. */
  onFrame(complete: boolean, keyframe: boolean, now: number): void {
    if (complete && keyframe) {
      if (this.#waitingSince !== null) this.latenciesMs.push(now - this.#waitingSince);
      this.#waitingSince = null;
      return;
    }
    if (complete || this.#waitingSince !== null) return;
    this.#waitingSince = now;
    this.tick(now);
  }

  /** Repeats the request while the wait lasts. */
  tick(now: number): void {
    if (this.#waitingSince === null || now - this.#lastPliAt < PLI_REPEAT_MS) return;
    this.#lastPliAt = now;
    this.#sendPli();
  }
}
