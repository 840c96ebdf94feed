// Writes received Opus packets as an Ogg Opus file (RFC 7845) that ffmpeg decodes, one packet per
// page, with granule positions taken from the RTP timestamps so gaps (pauses) stay gaps.
import { createWriteStream, type WriteStream } from 'node:fs';

const OGG_CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let k = 0; k < 8; k++) r = r & 0x8000_0000 ? (r << 1) ^ 0x04c1_1db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

function oggCrc(page: Buffer): number {
  let crc = 0;
  for (const byte of page) crc = ((crc << 8) ^ OGG_CRC_TABLE[((crc >>> 24) ^ byte) & 0xff]!) >>> 0;
  return crc;
}

const SAMPLES_PER_FRAME = 960;
const PRE_SKIP = 312;

export class OggOpusWriter {
  readonly #out: WriteStream;
  readonly #serial = 0x0057_4154;
  #page = 0;

  constructor(path: string) {
    this.#out = createWriteStream(path);
    const head = Buffer.alloc(19);
    head.write('OpusHead', 0, 'latin1');
    head[8] = 1;
    head[9] = 2;
    head.writeUInt16LE(PRE_SKIP, 10);
    head.writeUInt32LE(48_000, 12);
    this.#writePage(head, 0n, 0x02);
    const vendor = Buffer.from('orb-watch-party sim');
    const tags = Buffer.alloc(8 + 4 + vendor.length + 4);
    tags.write('OpusTags', 0, 'latin1');
    tags.writeUInt32LE(vendor.length, 8);
    vendor.copy(tags, 12);
    this.#writePage(tags, 0n, 0);
  }

  /** @param startSample the packet's position in 48 kHz samples from the start of the stream. */
  write(packet: Buffer, startSample: bigint): void {
    this.#writePage(packet, startSample + BigInt(SAMPLES_PER_FRAME + PRE_SKIP), 0);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#out.end(resolve));
  }

  #writePage(packet: Buffer, granule: bigint, flags: number): void {
    const segments: number[] = [];
    let left = packet.length;
    while (left >= 255) {
      segments.push(255);
      left -= 255;
    }
    segments.push(left);
    const header = Buffer.alloc(27 + segments.length);
    header.write('OggS', 0, 'latin1');
    header[5] = flags;
    header.writeBigInt64LE(granule, 6);
    header.writeUInt32LE(this.#serial, 14);
    header.writeUInt32LE(this.#page++, 18);
    header[26] = segments.length;
    Buffer.from(segments).copy(header, 27);
    const page = Buffer.concat([header, packet]);
    page.writeUInt32LE(oggCrc(page), 22);
    this.#out.write(page);
  }
}
