// RTP/RTCP under aead_aes256_gcm_rtpsize (protocol.md §4.2, 4.3, 5.1): parse the clear header, decrypt the
// rest with the connection's key, and split off the header-extension data.
import { createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';

const TAG_BYTES = 16;
const NONCE_SUFFIX_BYTES = 4;

export interface RtpPacket {
  readonly marker: boolean;
  readonly payloadType: number;
  readonly sequence: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly nonce: number;
  /** The extension elements (decrypted), or null when X = 0. */
  readonly extension: Buffer | null;
  readonly extensionProfile: number | null;
  readonly payload: Buffer;
}

export interface RtcpSenderReport {
  readonly ssrc: number;
  readonly nonce: number;
  readonly ntpSeconds: number;
  readonly ntpFraction: number;
  readonly rtpTimestamp: number;
  readonly packetCount: number;
  readonly octetCount: number;
}

/** Thrown for a datagram the server cannot take apart; the message names what is wrong. */
export class MediaPacketError extends Error {
  override readonly name = 'MediaPacketError';
}

/** RTCP packet types 200-204 sit where RTP would have marker + PT 72-76 (RFC 5761). */
export function isRtcp(datagram: Buffer): boolean {
  const type = datagram[1] ?? 0;
  return datagram.length >= 8 && type >= 200 && type <= 204;
}

/**
 * Each connection key imported once: a decipher made from a raw key imports it again every time,
 * which costs about three times the decryption itself per packet.
 */
const importedKeys = new WeakMap<Buffer, KeyObject>();

function importedKey(key: Buffer): KeyObject {
  let imported = importedKeys.get(key);
  if (!imported) {
    imported = createSecretKey(key);
    importedKeys.set(key, imported);
  }
  return imported;
}

function aesGcmOpen(key: Buffer, aad: Buffer, sealed: Buffer, nonce: number): Buffer {
  if (sealed.length < TAG_BYTES) throw new MediaPacketError('packet shorter than its AEAD tag');
  const iv = Buffer.alloc(12);
  iv.writeUInt32BE(nonce, 0);
  const decipher = createDecipheriv('aes-256-gcm', importedKey(key), iv);
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    // GCM's final() only checks the tag: everything comes out of update().
    const plain = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES));
    decipher.final();
    return plain;
  } catch {
    throw new MediaPacketError('AEAD tag does not verify with this connection key and nonce');
  }
}

export function openRtp(datagram: Buffer, key: Buffer): RtpPacket {
  if (datagram.length < 12 + TAG_BYTES + NONCE_SUFFIX_BYTES)
    throw new MediaPacketError('datagram too short for RTP');
  const first = datagram[0]!;
  if (first >> 6 !== 2) throw new MediaPacketError(`RTP version ${first >> 6}, want 2`);
  if (first & 0x20) throw new MediaPacketError('RTP padding bit set');
  const csrcCount = first & 0x0f;
  const hasExtension = (first & 0x10) !== 0;
  // rtpsize: the clear header is the fixed header, the CSRCs and the extension preamble only.
  let clear = 12 + 4 * csrcCount;
  let extensionWords = 0;
  let extensionProfile: number | null = null;
  if (hasExtension) {
    extensionProfile = datagram.readUInt16BE(clear);
    extensionWords = datagram.readUInt16BE(clear + 2);
    clear += 4;
  }
  const nonce = datagram.readUInt32BE(datagram.length - NONCE_SUFFIX_BYTES);
  const plain = aesGcmOpen(
    key,
    datagram.subarray(0, clear),
    datagram.subarray(clear, datagram.length - NONCE_SUFFIX_BYTES),
    nonce,
  );
  const extensionBytes = 4 * extensionWords;
  if (plain.length < extensionBytes) throw new MediaPacketError('extension longer than the packet');
  return {
    marker: (datagram[1]! & 0x80) !== 0,
    payloadType: datagram[1]! & 0x7f,
    sequence: datagram.readUInt16BE(2),
    timestamp: datagram.readUInt32BE(4),
    ssrc: datagram.readUInt32BE(8),
    nonce,
    extension: hasExtension ? plain.subarray(0, extensionBytes) : null,
    extensionProfile,
    payload: plain.subarray(extensionBytes),
  };
}

/** An encrypted SR: 8 clear bytes (AAD), 20 encrypted bytes of sender info, tag, nonce (protocol.md §5.1). */
export function openRtcpSenderReport(datagram: Buffer, key: Buffer): RtcpSenderReport {
  if (datagram[1] !== 200)
    throw new MediaPacketError(`RTCP packet type ${datagram[1]}, only SR (200) is expected`);
  if (datagram.length !== 48) throw new MediaPacketError(`encrypted SR is ${datagram.length} bytes, want 48`);
  const nonce = datagram.readUInt32BE(datagram.length - NONCE_SUFFIX_BYTES);
  const info = aesGcmOpen(
    key,
    datagram.subarray(0, 8),
    datagram.subarray(8, datagram.length - NONCE_SUFFIX_BYTES),
    nonce,
  );
  if ((datagram[0]! & 0xc0) !== 0x80 || datagram.readUInt16BE(2) !== 6) {
    throw new MediaPacketError('SR header is not V=2, length 6');
  }
  return {
    ssrc: datagram.readUInt32BE(4),
    nonce,
    ntpSeconds: info.readUInt32BE(0),
    ntpFraction: info.readUInt32BE(4),
    rtpTimestamp: info.readUInt32BE(8),
    packetCount: info.readUInt32BE(12),
    octetCount: info.readUInt32BE(16),
  };
}

/** One RFC 8285 header-extension element. */
export interface ExtensionElement {
  readonly id: number;
  readonly data: Buffer;
}

const ONE_BYTE_PROFILE = 0xbede;
/** RFC 8285 §4.3: 0x100 followed by 4 "appbits". */
const TWO_BYTE_PROFILE_MASK = 0xfff0;
const TWO_BYTE_PROFILE = 0x1000;
const PLAYOUT_DELAY_ID = 5;

/**
 * The elements of an RFC 8285 extension block (none for X = 0, or for a profile that is neither the
 * one-byte nor the two-byte form: RFC 3550 lets a receiver skip those, as libwebrtc does). Throws a
 * MediaPacketError naming what is malformed.
 */
export function extensionElements(packet: RtpPacket): ExtensionElement[] {
  const block = packet.extension;
  const profile = packet.extensionProfile;
  if (!block || profile === null) return [];
  const oneByte = profile === ONE_BYTE_PROFILE;
  if (!oneByte && (profile & TWO_BYTE_PROFILE_MASK) !== TWO_BYTE_PROFILE) return [];
  const elements: ExtensionElement[] = [];
  let at = 0;
  while (at < block.length) {
    const first = block[at]!;
    if (first === 0) {
      at += 1; // padding between or after elements
      continue;
    }
    // One-byte form: id 15 is reserved and ends the parse (RFC 8285 §4.2).
    if (oneByte && first >> 4 === 15) break;
    const id = oneByte ? first >> 4 : first;
    const headerBytes = oneByte ? 1 : 2;
    if (!oneByte && at + 1 >= block.length)
      throw new MediaPacketError(`extension element ${id} has no length byte`);
    const length = oneByte ? (first & 0x0f) + 1 : block[at + 1]!;
    const end = at + headerBytes + length;
    if (end > block.length) {
      throw new MediaPacketError(
        `extension element ${id} claims ${length} bytes, past the end of its ${block.length}-byte block`,
      );
    }
    elements.push({ id, data: block.subarray(at + headerBytes, end) });
    at = end;
  }
  return elements;
}

/**
 * What a receiver reads from the playout-delay element (id 5: min and max in 12 bits each, counted
 * in 10 ms), or null when there is none or it is not the 3 bytes libwebrtc reads (it ignores those).
 */
export function playoutDelayMs(packet: RtpPacket): { min: number; max: number } | null {
  const data = extensionElements(packet).find((element) => element.id === PLAYOUT_DELAY_ID)?.data;
  if (data?.length !== 3) return null;
  return { min: ((data[0]! << 4) | (data[1]! >> 4)) * 10, max: (((data[1]! & 0x0f) << 8) | data[2]!) * 10 };
}

/** What our transport promised to send: Discord-video-stream 6's delays (protocol.md §4.3). */
const ORB_TRANSPORT_PLAYOUT_DELAY_MS = { audio: { min: 0, max: 10 }, video: { min: 0, max: 100 } } as const;

/**
 * The orb-transport rule: exactly one one-byte-form word holding the playout-delay element with
 * DVS 6's values. Discord itself accepts any well-formed extension, or none.
 */
export function orbTransportExtensionProblem(packet: RtpPacket, media: 'audio' | 'video'): string | null {
  const want = ORB_TRANSPORT_PLAYOUT_DELAY_MS[media];
  const wanted = `one 0xBEDE word holding playout-delay ${want.min}-${want.max} ms`;
  if (packet.extensionProfile !== ONE_BYTE_PROFILE || packet.extension?.length !== 4)
    return `${media} packet without ${wanted}`;
  const delay = playoutDelayMs(packet);
  if (!delay) return `${media} packet extension ${packet.extension.toString('hex')}, want ${wanted}`;
  if (delay.min !== want.min || delay.max !== want.max)
    return `${media} playout delay ${delay.min}-${delay.max} ms, want ${want.min}-${want.max} ms`;
  return null;
}
