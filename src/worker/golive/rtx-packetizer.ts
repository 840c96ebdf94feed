// RTX (RFC 4588 §4) for the Go Live video (protocol.md §4.8): a packet sent again goes on the RTX
// SSRC with the RTX payload type we advertised in SELECT_PROTOCOL, under the RTX stream's own
// sequence numbers, with the original sequence number (OSN) as the first two bytes of its payload.
// Timestamp, marker and header extensions stay the original's; the payload stays the DAVE-encrypted
// bytes that were sent, never encrypted again.
import type { RememberedPacket } from './retransmit-history.ts';
import type { RtpPacket } from './rtp.ts';

/** The original sequence number that leads an RTX payload. */
export const OSN_BYTES = 2;

export class RtxPacketizer {
  readonly ssrc: number;
  readonly payloadType: number;
  #sequence = Math.floor(Math.random() * 2 ** 16);

  constructor(ssrc: number, payloadType: number) {
    this.ssrc = ssrc;
    this.payloadType = payloadType;
  }

  /** The RTX packet carrying `original` (split like any RtpPacket: clear header, body to encrypt). */
  packetize(original: RememberedPacket): RtpPacket {
    const header = Buffer.from(original.header);
    header[1] = (header[1]! & 0x80) | this.payloadType;
    header.writeUInt16BE(this.#sequence, 2);
    header.writeUInt32BE(this.ssrc, 8);
    this.#sequence = (this.#sequence + 1) & 0xffff;
    // Under rtpsize the extension data leads the body (protocol.md §5.1); the OSN goes after it.
    const extensionBytes = header[0]! & 0x10 ? 4 * header.readUInt16BE(header.length - 2) : 0;
    const body = Buffer.allocUnsafe(original.body.length + OSN_BYTES);
    original.body.copy(body, 0, 0, extensionBytes);
    body.writeUInt16BE(original.sequence, extensionBytes);
    original.body.copy(body, extensionBytes + OSN_BYTES, extensionBytes);
    return { header, body, marker: (header[1]! & 0x80) !== 0 };
  }
}
