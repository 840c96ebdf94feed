// RTCP feedback as the SFU writes it to a sender (protocol.md §4.8): generic NACK (RFC 4585
// §6.2.1), PLI (RFC 4585 §6.3.1) and FIR (RFC 5104 §4.3.1), sealed like every RTCP packet under
// aead_aes256_gcm_rtpsize (§5.1): the first 8 bytes in clear as additional data, the rest
// encrypted, then the 16-byte tag and the 4-byte nonce.
import { createCipheriv } from 'node:crypto';

const RTPFB = 205;
const PSFB = 206;

function feedbackPacket(
  type: number,
  format: number,
  senderSsrc: number,
  mediaSsrc: number,
  fci: Buffer,
): Buffer {
  const packet = Buffer.alloc(12 + fci.length);
  packet[0] = 0x80 | format;
  packet[1] = type;
  packet.writeUInt16BE(packet.length / 4 - 1, 2);
  packet.writeUInt32BE(senderSsrc, 4);
  packet.writeUInt32BE(mediaSsrc, 8);
  fci.copy(packet, 12);
  return packet;
}

/** A generic NACK for `sequences` (any order): one FCI entry per packet id and the 16 after it. */
export function nackPacket(senderSsrc: number, mediaSsrc: number, sequences: readonly number[]): Buffer {
  const entries: Array<{ id: number; mask: number }> = [];
  for (const sequence of [...sequences].sort((a, b) => a - b)) {
    const entry = entries.at(-1);
    const offset = entry ? (sequence - entry.id) & 0xffff : 0;
    if (entry && offset >= 1 && offset <= 16) entry.mask |= 1 << (offset - 1);
    else if (!entry || offset !== 0) entries.push({ id: sequence & 0xffff, mask: 0 });
  }
  const fci = Buffer.alloc(entries.length * 4);
  entries.forEach((entry, index) => {
    fci.writeUInt16BE(entry.id, index * 4);
    fci.writeUInt16BE(entry.mask, index * 4 + 2);
  });
  return feedbackPacket(RTPFB, 1, senderSsrc, mediaSsrc, fci);
}

export function pliPacket(senderSsrc: number, mediaSsrc: number): Buffer {
  return feedbackPacket(PSFB, 1, senderSsrc, mediaSsrc, Buffer.alloc(0));
}

/** A FIR asking `mediaSsrc` for a keyframe; `sequence` is the request's command sequence number. */
export function firPacket(senderSsrc: number, mediaSsrc: number, sequence: number): Buffer {
  const fci = Buffer.alloc(8);
  fci.writeUInt32BE(mediaSsrc, 0);
  fci[4] = sequence & 0xff;
  return feedbackPacket(PSFB, 4, senderSsrc, 0, fci);
}

/** Seals a (compound) RTCP packet under nonce counter `nonce`. */
export function sealRtcp(compound: Buffer, key: Buffer, nonce: number): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeUInt32BE(nonce, 0);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(compound.subarray(0, 8));
  const body = Buffer.concat([cipher.update(compound.subarray(8)), cipher.final()]);
  const suffix = Buffer.alloc(4);
  suffix.writeUInt32BE(nonce, 0);
  return Buffer.concat([compound.subarray(0, 8), body, cipher.getAuthTag(), suffix]);
}
