// Whether a watcher's decoder shows a video frame as it was sent. H.264 P-frames refer to the frames
// before them, so once a frame is missing or incomplete every frame after it is corrupted until the
// next IDR restarts the chain. Each video SSRC has its own chain, broken until its first IDR.
import { splitAnnexB } from './h264-stream-checks.ts';

const NAL_IDR = 5;

/** True when the access unit (Annex B; DAVE leaves NAL headers in clear) holds an IDR slice. */
export function containsIdr(annexB: Buffer): boolean {
  return splitAnnexB(annexB).some((nal) => ((nal[0] ?? 0) & 0x1f) === NAL_IDR);
}

export class DecodeChain {
  readonly #intact = new Map<number, boolean>();

  /** Judges one frame as it leaves the depacketizer: intact, or shown corrupted (or not at all). */
  onFrame(ssrc: number, complete: boolean, keyframe: boolean): 'intact' | 'corrupted' {
    const intact = complete && (keyframe || (this.#intact.get(ssrc) ?? false));
    this.#intact.set(ssrc, intact);
    return intact ? 'intact' : 'corrupted';
  }
}
