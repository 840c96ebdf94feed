// Tells the session when viewers have been left waiting for the source: the pacer has had nothing
// to send for longer than a blip (a seek while the media server is slow, a network that cannot keep
// up), and again when frames flow. A short wait is not reported, so an ordinary seek does not make
// the party flash "Buffering…".

/** Longer than a quick seek takes to deliver its first frame; short enough to say so within a second. */
export const STARVED_AFTER_MS = 500;

export class StarvationSignal {
  readonly #onChange: (starved: boolean) => void;
  readonly #afterMs: number;
  #timer: NodeJS.Timeout | null = null;
  #starved = false;

  constructor(onChange: (starved: boolean) => void, afterMs = STARVED_AFTER_MS) {
    this.#onChange = onChange;
    this.#afterMs = afterMs;
  }

  /** Frames are due but none is queued; reported as starved if this lasts. */
  waiting(): void {
    if (this.#starved || this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#starved = true;
      this.#onChange(true);
    }, this.#afterMs);
  }

  /** A frame went out, or none is due for now (paused): nobody is waiting any more. */
  satisfied(): void {
    this.cancel();
    if (!this.#starved) return;
    this.#starved = false;
    this.#onChange(false);
  }

  /** Pacing is over for good: nothing more is said, so an ended item does not report playing. */
  cancel(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
