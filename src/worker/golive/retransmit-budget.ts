// How much a loss burst may make us send again (protocol.md §4.8). Retransmissions earn their
// budget as a share of the video actually sent, so the cap follows the stream's bitrate without
// a clock of its own; the bucket bounds a burst. A NACK storm (a receiver asking for everything,
// over and over) then costs at most RETRANSMIT_SHARE of the stream, never a multiple of it.
/** Retransmitted bytes may reach a quarter of the media bytes: 2% loss needs about 2%. */
export const RETRANSMIT_SHARE = 0.25;
/** The most a burst may spend at once: a keyframe's worth of packets at 1080p. */
export const RETRANSMIT_BURST_BYTES = 128 * 1024;

export class RetransmitBudget {
  #tokens = RETRANSMIT_BURST_BYTES;

  /** Media bytes went out: a share of them becomes budget. */
  earn(mediaBytes: number): void {
    this.#tokens = Math.min(RETRANSMIT_BURST_BYTES, this.#tokens + mediaBytes * RETRANSMIT_SHARE);
  }

  /** True (and charged) when `bytes` may be retransmitted now. */
  spend(bytes: number): boolean {
    if (bytes > this.#tokens) return false;
    this.#tokens -= bytes;
    return true;
  }
}
