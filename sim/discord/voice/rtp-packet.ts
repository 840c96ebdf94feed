// RTP/RTCP under aead_aes256_gcm_rtpsize (brief 4.2, 4.3, 5.1): parse the clear header, decrypt the
// rest with the connection's key, and split off the header-extension data.
import { createDecipheriv } from 'node:crypto';

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

function aesGcmOpen(key: Buffer, aad: Buffer, sealed: Buffer, nonce: number): Buffer {
  if (sealed.length < TAG_BYTES) throw new MediaPacketError('packet shorter than its AEAD tag');
  const iv = Buffer.alloc(12);
  iv.writeUInt32BE(nonce, 0);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
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

/** An encrypted SR: 8 clear bytes (AAD), 20 encrypted bytes of sender info, tag, nonce (brief 5.1). */
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

/** Brief 4.3: the one-byte-header form (`BE DE`) with exactly one element, playout-delay (id 5, L 2). */
export function videoExtensionProblem(packet: RtpPacket): string | null {
  if (!packet.extension) return 'video packet without the header extension (X=0)';
  if (packet.extensionProfile !== 0xbede)
    return `extension profile 0x${packet.extensionProfile?.toString(16)}, want 0xBEDE`;
  if (packet.extension.length !== 4) return `extension length ${packet.extension.length / 4} words, want 1`;
  if (packet.extension[0] !== 0x52)
    return `extension element 0x${packet.extension[0]?.toString(16)}, want 0x52 (playout-delay)`;
  return null;
}
