// The DAVE protocol frame trailer (protocol.md §6.6): tag (8), ULEB128 nonce, ULEB128 unencrypted ranges,
// supplemental size (1), magic marker 0xFAFA. Checked on every frame before davey decrypts it.

const MAGIC = 0xfafa;
const TAG_BYTES = 8;
/** protocol.md §4.6: the Opus silence frame passes through DAVE unencrypted. */
const OPUS_SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);

export function isOpusSilence(frame: Buffer): boolean {
  return frame.equals(OPUS_SILENCE);
}

export function hasDaveMarker(frame: Buffer): boolean {
  return frame.length >= 3 && frame.readUInt16BE(frame.length - 2) === MAGIC;
}

function readUleb128(bytes: Buffer, start: number, end: number): { value: number; next: number } | null {
  let value = 0;
  let shift = 0;
  for (let at = start; at < end && shift <= 28; at++) {
    const byte = bytes[at]!;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return { value, next: at + 1 };
    shift += 7;
  }
  return null;
}

/** Returns what is wrong with a frame that carries the DAVE marker, or null when it is well formed. */
export function daveTrailerProblem(frame: Buffer): string | null {
  const supplemental = frame[frame.length - 3]!;
  if (supplemental < TAG_BYTES + 1 + 1 + 2 || supplemental > frame.length) {
    return `supplemental size ${supplemental} does not fit a ${frame.length}-byte frame`;
  }
  const mediaEnd = frame.length - supplemental;
  const nonce = readUleb128(frame, mediaEnd + TAG_BYTES, frame.length - 3);
  if (!nonce) return 'nonce is not a ULEB128 of at most 32 bits';
  if (nonce.value > 0xffff_ffff) return 'nonce exceeds 32 bits';
  let at = nonce.next;
  let previousEnd = 0;
  while (at < frame.length - 3) {
    const offset = readUleb128(frame, at, frame.length - 3);
    const length = offset && readUleb128(frame, offset.next, frame.length - 3);
    if (!offset || !length) return 'unencrypted ranges are not ULEB128 (offset, length) pairs';
    if (offset.value < previousEnd) return 'unencrypted ranges are not ascending';
    previousEnd = offset.value + length.value;
    if (previousEnd > mediaEnd) return 'an unencrypted range runs past the media bytes';
    at = length.next;
  }
  return null;
}
