// RTP for the Go Live stream (brief §4): one packetizer per codec, each owning its SSRC's sequence
// counter. Packets come out as {header, body}: the header is the AEAD's additional data and the
// body is what gets encrypted (the extension data plus the payload, the "rtpsize" rule of §5.1).
import { NalType, nalType, splitAnnexB } from './h264.ts';

/** Payload types we advertise in SELECT_PROTOCOL; the server uses what we advertise. */
export const PayloadType = { opus: 120, h264: 101, h264Rtx: 102 } as const;

export const ClockRate = { audio: 48_000, video: 90_000 } as const;

/** Largest RTP payload chunk (Discord-RE's cap), so a packet stays under a typical MTU. */
export const MAX_PAYLOAD_BYTES = 1200;

/** RFC 8285 one-byte extension preamble: profile 0xBEDE, one 32-bit word of data. */
const VIDEO_EXTENSION_PREAMBLE = Buffer.from([0xbe, 0xde, 0x00, 0x01]);
/** Extension id 5 (playout-delay), 3 data bytes: min 0, max 0 (render as soon as possible). */
const PLAYOUT_DELAY_ELEMENT = Buffer.from([0x52, 0x00, 0x00, 0x00]);

export interface RtpPacket {
  /** Sent in clear and authenticated. */
  header: Buffer;
  /** Encrypted. */
  body: Buffer;
  marker: boolean;
}

/** RTP arithmetic is modulo 2^16 (sequence) and 2^32 (timestamp). */
export function rtpTimestamp(base: number, ptsMs: number, clockRate: number): number {
  return (base + Math.round((ptsMs * clockRate) / 1000)) >>> 0;
}

function randomUint(bits: 16 | 32): number {
  return Math.floor(Math.random() * 2 ** bits) >>> 0;
}

abstract class Packetizer {
  readonly ssrc: number;
  readonly payloadType: number;
  readonly timestampBase = randomUint(32);
  #sequence = randomUint(16);
  packetsSent = 0;
  octetsSent = 0;

  constructor(ssrc: number, payloadType: number) {
    this.ssrc = ssrc;
    this.payloadType = payloadType;
  }

  protected header(timestamp: number, marker: boolean, extension: boolean): Buffer {
    const header = Buffer.allocUnsafe(extension ? 16 : 12);
    header[0] = extension ? 0x90 : 0x80;
    header[1] = (marker ? 0x80 : 0) | this.payloadType;
    header.writeUInt16BE(this.#sequence, 2);
    header.writeUInt32BE(timestamp >>> 0, 4);
    header.writeUInt32BE(this.ssrc, 8);
    if (extension) VIDEO_EXTENSION_PREAMBLE.copy(header, 12);
    this.#sequence = (this.#sequence + 1) & 0xffff;
    return header;
  }

  protected count(payloadBytes: number): void {
    this.packetsSent += 1;
    this.octetsSent += payloadBytes;
  }
}

export class OpusPacketizer extends Packetizer {
  constructor(ssrc: number) {
    super(ssrc, PayloadType.opus);
  }

  packetize(frame: Buffer, ptsMs: number): RtpPacket {
    const timestamp = rtpTimestamp(this.timestampBase, ptsMs, ClockRate.audio);
    this.count(frame.length);
    return { header: this.header(timestamp, false, false), body: frame, marker: false };
  }
}

/** RFC 6184 packetization-mode 1: single NAL units, STAP-A for runs of small NALs, FU-A for big ones. */
export class H264Packetizer extends Packetizer {
  constructor(ssrc: number) {
    super(ssrc, PayloadType.h264);
  }

  /** `accessUnit` is the (DAVE-wrapped) Annex B frame; its NAL bytes are never altered. */
  packetize(accessUnit: Buffer, ptsMs: number): RtpPacket[] {
    const timestamp = rtpTimestamp(this.timestampBase, ptsMs, ClockRate.video);
    const bodies = payloadsOf(splitAnnexB(accessUnit), PLAYOUT_DELAY_ELEMENT);
    return bodies.map((body, index) => {
      const marker = index === bodies.length - 1;
      this.count(body.length - PLAYOUT_DELAY_ELEMENT.length);
      return { header: this.header(timestamp, marker, true), body, marker };
    });
  }
}

/**
 * The RTP payloads for the NAL units of one access unit, in order, each behind `prefix` (the
 * extension data), built in place so a packet's body is allocated once.
 */
export function payloadsOf(nals: readonly Buffer[], prefix: Buffer): Buffer[] {
  const payloads: Buffer[] = [];
  let run: Buffer[] = [];
  const flushRun = (): void => {
    if (run.length === 1) payloads.push(prefixed(prefix, run[0]!));
    else if (run.length > 1) payloads.push(stapA(run, prefix));
    run = [];
  };
  for (const nal of nals) {
    if (nal.length > MAX_PAYLOAD_BYTES) {
      flushRun();
      payloads.push(...fuA(nal, prefix));
      continue;
    }
    if (stapASize([...run, nal]) > MAX_PAYLOAD_BYTES) flushRun();
    run.push(nal);
  }
  flushRun();
  return payloads;
}

function prefixed(prefix: Buffer, nal: Buffer): Buffer {
  const payload = Buffer.allocUnsafe(prefix.length + nal.length);
  prefix.copy(payload, 0);
  nal.copy(payload, prefix.length);
  return payload;
}

function stapASize(nals: readonly Buffer[]): number {
  if (nals.length === 1) return nals[0]!.length;
  return 1 + nals.reduce((sum, nal) => sum + 2 + nal.length, 0);
}

function stapA(nals: readonly Buffer[], prefix: Buffer): Buffer {
  let forbidden = 0;
  let nri = 0;
  const parts: Buffer[] = [prefix, Buffer.alloc(1)];
  for (const nal of nals) {
    const headerByte = nal[0] ?? 0;
    forbidden |= headerByte & 0x80;
    nri = Math.max(nri, headerByte & 0x60);
    const size = Buffer.allocUnsafe(2);
    size.writeUInt16BE(nal.length, 0);
    parts.push(size, nal);
  }
  parts[1]![0] = forbidden | nri | NalType.stapA;
  return Buffer.concat(parts);
}

function fuA(nal: Buffer, prefix: Buffer): Buffer[] {
  const headerByte = nal[0] ?? 0;
  const indicator = (headerByte & 0xe0) | NalType.fuA;
  const type = nalType(nal);
  const chunks: Buffer[] = [];
  const body = nal.subarray(1);
  for (let offset = 0; offset < body.length; offset += MAX_PAYLOAD_BYTES) {
    const chunk = body.subarray(offset, offset + MAX_PAYLOAD_BYTES);
    const start = offset === 0 ? 0x80 : 0;
    const end = offset + MAX_PAYLOAD_BYTES >= body.length ? 0x40 : 0;
    const packet = Buffer.allocUnsafe(prefix.length + 2 + chunk.length);
    prefix.copy(packet, 0);
    packet[prefix.length] = indicator;
    packet[prefix.length + 1] = start | end | type;
    chunk.copy(packet, prefix.length + 2);
    chunks.push(packet);
  }
  return chunks;
}

/** Seconds between 1900-01-01 (NTP epoch) and 1970-01-01 (Unix epoch). */
const NTP_UNIX_OFFSET_SECONDS = 2_208_988_800;

/**
 * An RTCP sender report, split like an RTP packet: the first 8 bytes are the AEAD's additional
 * data, the 20-byte sender info is encrypted (§4.7, §5.1).
 */
export function senderReport(
  ssrc: number,
  wallClockMs: number,
  rtpTime: number,
  packetCount: number,
  octetCount: number,
): RtpPacket {
  const header = Buffer.allocUnsafe(8);
  header[0] = 0x80;
  header[1] = 200;
  header.writeUInt16BE(6, 2);
  header.writeUInt32BE(ssrc, 4);
  const body = Buffer.allocUnsafe(20);
  const seconds = Math.floor(wallClockMs / 1000);
  body.writeUInt32BE((seconds + NTP_UNIX_OFFSET_SECONDS) >>> 0, 0);
  body.writeUInt32BE(Math.floor(((wallClockMs - seconds * 1000) / 1000) * 2 ** 32) >>> 0, 4);
  body.writeUInt32BE(rtpTime >>> 0, 8);
  body.writeUInt32BE(packetCount >>> 0, 12);
  body.writeUInt32BE(octetCount >>> 0, 16);
  return { header, body, marker: false };
}
