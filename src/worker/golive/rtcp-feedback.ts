// RTCP feedback the SFU sends back on the media socket (protocol.md §4.8). It is sealed the way our
// own RTCP is (§5.1): the first 8 bytes in clear as the AEAD's additional data, then the
// ciphertext, the 16-byte tag and the 4-byte nonce suffix. The opened plaintext may be a compound
// packet; we take generic NACKs (RFC 4585 §6.2.1), PLIs (RFC 4585 §6.3.1) and FIRs (RFC 5104
// §4.3.1) out of it and skip every other RTCP type (receiver reports, SDES, REMB, ...).
import { createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import { NONCE_SUFFIX_BYTES, TAG_BYTES } from './transport-crypto.ts';

export type Feedback =
  /** The media SSRC's packets the receiver misses, by sequence number. */
  | { kind: 'nack'; mediaSsrc: number; sequences: number[] }
  /** The receiver cannot decode on without a keyframe of this SSRC. */
  | { kind: 'keyframe'; request: 'pli' | 'fir'; mediaSsrc: number };

/** A datagram that claims to be feedback but cannot be opened or walked; the message says why. */
export class FeedbackError extends Error {
  override readonly name = 'FeedbackError';
}

const HEADER_BYTES = 8;
/** Payload types (RFC 4585 §6.1): transport-layer and payload-specific feedback. */
const RTPFB = 205;
const PSFB = 206;
const FMT_GENERIC_NACK = 1;
const FMT_PLI = 1;
const FMT_FIR = 4;
/** The feedback header's two SSRCs (packet sender, media source) that follow the common header. */
const FEEDBACK_SSRCS_BYTES = 8;

/**
 * RTCP and RTP share the socket (RFC 5761 §4): RTCP packet types 192-223 sit where an RTP marker
 * bit plus payload types 64-95 would, which no payload type we use occupies.
 */
export function isRtcpDatagram(datagram: Buffer): boolean {
  const type = datagram[1] ?? 0;
  return datagram.length >= HEADER_BYTES && (datagram[0]! & 0xc0) === 0x80 && type >= 192 && type <= 223;
}

/** Opens SFU → client RTCP with the connection's key. */
export class FeedbackOpener {
  readonly #key: KeyObject;
  readonly #iv = Buffer.alloc(12);

  constructor(secretKey: readonly number[] | Uint8Array) {
    this.#key = createSecretKey(Buffer.from(secretKey));
  }

  /** The plaintext compound packet, its clear 8-byte header first. */
  open(datagram: Buffer): Buffer {
    if (datagram.length < HEADER_BYTES + TAG_BYTES + NONCE_SUFFIX_BYTES)
      throw new FeedbackError(
        `RTCP datagram of ${datagram.length} bytes is shorter than header, tag and nonce`,
      );
    const tagAt = datagram.length - NONCE_SUFFIX_BYTES - TAG_BYTES;
    datagram.copy(this.#iv, 0, datagram.length - NONCE_SUFFIX_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.#key, this.#iv);
    decipher.setAAD(datagram.subarray(0, HEADER_BYTES));
    decipher.setAuthTag(datagram.subarray(tagAt, tagAt + TAG_BYTES));
    try {
      const body = decipher.update(datagram.subarray(HEADER_BYTES, tagAt));
      decipher.final();
      return Buffer.concat([datagram.subarray(0, HEADER_BYTES), body]);
    } catch {
      throw new FeedbackError('RTCP AEAD tag does not verify with this connection key');
    }
  }
}

/** Walks a plaintext (compound) RTCP packet; throws FeedbackError when a length does not add up. */
export function parseFeedback(compound: Buffer): Feedback[] {
  const found: Feedback[] = [];
  let at = 0;
  while (at < compound.length) {
    if (compound.length - at < 4)
      throw new FeedbackError(`${compound.length - at} stray bytes after RTCP packet`);
    const first = compound[at]!;
    if (first >> 6 !== 2) throw new FeedbackError(`RTCP version ${first >> 6} at byte ${at}, want 2`);
    const bytes = (compound.readUInt16BE(at + 2) + 1) * 4;
    if (at + bytes > compound.length)
      throw new FeedbackError(
        `RTCP packet at byte ${at} claims ${bytes} bytes, ${compound.length - at} remain`,
      );
    // Padding (P bit) counts in the length; its last byte says how much of it to leave out.
    const padding = first & 0x20 ? compound[at + bytes - 1]! : 0;
    const packet = compound.subarray(at, at + bytes - padding);
    readFeedback(packet, first & 0x1f, compound[at + 1]!, found);
    at += bytes;
  }
  return found;
}

function readFeedback(packet: Buffer, format: number, type: number, found: Feedback[]): void {
  if (type !== RTPFB && type !== PSFB) return;
  if (packet.length < 4 + FEEDBACK_SSRCS_BYTES)
    throw new FeedbackError(`feedback packet (PT ${type}) of ${packet.length} bytes has no media SSRC`);
  const mediaSsrc = packet.readUInt32BE(8);
  const fci = packet.subarray(4 + FEEDBACK_SSRCS_BYTES);
  if (type === RTPFB && format === FMT_GENERIC_NACK) {
    if (fci.length === 0 || fci.length % 4 !== 0)
      throw new FeedbackError(`generic NACK with ${fci.length} bytes of FCI, want a multiple of 4`);
    found.push({ kind: 'nack', mediaSsrc, sequences: nackSequences(fci) });
  } else if (type === PSFB && format === FMT_PLI) {
    found.push({ kind: 'keyframe', request: 'pli', mediaSsrc });
  } else if (type === PSFB && format === FMT_FIR) {
    if (fci.length === 0 || fci.length % 8 !== 0)
      throw new FeedbackError(`FIR with ${fci.length} bytes of FCI, want a multiple of 8`);
    // The media SSRC field of a FIR is unused: each FCI entry names the SSRC it asks of.
    for (let entry = 0; entry < fci.length; entry += 8)
      found.push({ kind: 'keyframe', request: 'fir', mediaSsrc: fci.readUInt32BE(entry) });
  }
}

/** Each FCI entry: a packet id and a bitmask of the 16 sequence numbers after it (RFC 4585 §6.2.1). */
function nackSequences(fci: Buffer): number[] {
  const sequences: number[] = [];
  for (let entry = 0; entry < fci.length; entry += 4) {
    const id = fci.readUInt16BE(entry);
    const mask = fci.readUInt16BE(entry + 2);
    sequences.push(id);
    for (let bit = 0; bit < 16; bit += 1) if (mask & (1 << bit)) sequences.push((id + bit + 1) & 0xffff);
  }
  return sequences;
}
