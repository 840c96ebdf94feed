// RTP for the Go Live stream (protocol.md §4): one packetizer per codec, each owning its SSRC's sequence
// counter. Packets come out as {header, body}: the header is the AEAD's additional data and the
// body is what gets encrypted (the extension data plus the payload, the "rtpsize" rule of §5.1).
import { NalType, nalType, splitAnnexB } from '../media/h264-nal.ts';

/** Payload types we advertise in SELECT_PROTOCOL; the server uses what we advertise. */
export const PayloadType = { opus: 120, h264: 101, h264Rtx: 102 } as const;

export const ClockRate = { audio: 48_000, video: 90_000 } as const;

/** Largest RTP payload chunk (Discord-RE's cap), so a packet stays under a typical MTU. */
export const MAX_PAYLOAD_BYTES = 1200;

/** RFC 8285 one-byte extension preamble: profile 0xBEDE, one 32-bit word of data. */
const EXTENSION_PREAMBLE = Buffer.from([0xbe, 0xde, 0x00, 0x01]);

/**
 * The extension's one word: element id 5 (playout-delay) with 3 data bytes, min then max in 12 bits
 * each, counted in 10 ms. Discord-video-stream 6 sends 0-100 ms on video and 0-10 ms on audio
 * (protocol.md §4.3). No client known to work with Discord sends 0-0 ms, which we used to.
 */
function playoutDelayElement(minMs: number, maxMs: number): Buffer {
  const min = minMs / 10;
  const max = maxMs / 10;
  return Buffer.from([0x52, min >> 4, ((min & 0x0f) << 4) | (max >> 8), max & 0xff]);
}

const VIDEO_PLAYOUT_DELAY = playoutDelayElement(0, 100);
const AUDIO_PLAYOUT_DELAY = playoutDelayElement(0, 10);

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
  readonly #clockRate: number;
  readonly timestampBase = randomUint(32);
  #sequence = randomUint(16);
  packetsSent = 0;
  octetsSent = 0;

  constructor(ssrc: number, payloadType: number, clockRate: number) {
    this.ssrc = ssrc;
    this.payloadType = payloadType;
    this.#clockRate = clockRate;
  }

  /** This SSRC's RTP time for a point on the sink's timeline (media packets and sender reports). */
  rtpTime(ptsMs: number): number {
    return rtpTimestamp(this.timestampBase, ptsMs, this.#clockRate);
  }

  /** Every media packet carries the one-word extension (its element travels in the body). */
  protected header(timestamp: number, marker: boolean): Buffer {
    const header = Buffer.allocUnsafe(16);
    header[0] = 0x90;
    header[1] = (marker ? 0x80 : 0) | this.payloadType;
    header.writeUInt16BE(this.#sequence, 2);
    header.writeUInt32BE(timestamp >>> 0, 4);
    header.writeUInt32BE(this.ssrc, 8);
    EXTENSION_PREAMBLE.copy(header, 12);
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
    super(ssrc, PayloadType.opus, ClockRate.audio);
  }

  packetize(frame: Buffer, ptsMs: number): RtpPacket {
    const timestamp = this.rtpTime(ptsMs);
    this.count(frame.length);
    const body = Buffer.concat([AUDIO_PLAYOUT_DELAY, frame]);
    return { header: this.header(timestamp, false), body, marker: false };
  }
}

/** RFC 6184 packetization-mode 1: single NAL units, STAP-A for runs of small NALs, FU-A for big ones. */
export class H264Packetizer extends Packetizer {
  /**
   * Every payload of a frame is built here in turn: a body lives only until it is encrypted, so one
   * buffer serves them all and a 1 MB/s stream allocates no plaintext copies (fewer full GCs).
   */
  readonly #scratch = Buffer.allocUnsafe(VIDEO_PLAYOUT_DELAY.length + 2 + MAX_PAYLOAD_BYTES);

  constructor(ssrc: number) {
    super(ssrc, PayloadType.h264, ClockRate.video);
  }

  /**
   * Hands the packets of `accessUnit` (the DAVE-wrapped Annex B frame; its NAL bytes are never
   * altered) to `emit` in order. A packet's body is overwritten by the next one, so `emit` must be
   * done with it (seal it) before it returns.
   */
  packetize(accessUnit: Buffer, ptsMs: number, emit: (packet: RtpPacket) => void): void {
    const timestamp = this.rtpTime(ptsMs);
    const groups = payloadGroups(splitAnnexB(accessUnit));
    groups.forEach((group, index) => {
      const lastGroup = index === groups.length - 1;
      writePayloads(group, VIDEO_PLAYOUT_DELAY, this.#scratch, (body, lastOfGroup) => {
        const marker = lastGroup && lastOfGroup;
        this.count(body.length - VIDEO_PLAYOUT_DELAY.length);
        emit({ header: this.header(timestamp, marker), body, marker });
      });
    });
  }
}

/** NAL units that travel together: one big NAL cut into FU-A fragments, or a run of small ones. */
type PayloadGroup = { kind: 'fuA'; nal: Buffer } | { kind: 'run'; nals: Buffer[] };

/** The access unit's NAL units grouped into payloads: a run of one is a single NAL packet. */
function payloadGroups(nals: readonly Buffer[]): PayloadGroup[] {
  const groups: PayloadGroup[] = [];
  let run: Buffer[] = [];
  // The run's size as a STAP-A: its header byte, then a 2-byte size before each NAL.
  let stapBytes = 1;
  const closeRun = (): void => {
    if (run.length > 0) groups.push({ kind: 'run', nals: run });
    run = [];
    stapBytes = 1;
  };
  for (const nal of nals) {
    if (nal.length > MAX_PAYLOAD_BYTES) {
      closeRun();
      groups.push({ kind: 'fuA', nal });
      continue;
    }
    if (run.length > 0 && stapBytes + 2 + nal.length > MAX_PAYLOAD_BYTES) closeRun();
    run.push(nal);
    stapBytes += 2 + nal.length;
  }
  closeRun();
  return groups;
}

/**
 * FU-A fragments for a NAL's body (its header byte travels in the FU header): at least two, since
 * one fragment may not carry both the start and the end bit (RFC 6184 §5.8), as a 1201-byte NAL
 * would otherwise. The body is cut evenly, so no fragment is a runt.
 */
function fragmentCount(nal: Buffer): number {
  return Math.max(2, Math.ceil((nal.length - 1) / MAX_PAYLOAD_BYTES));
}

/**
 * Writes each payload of `group` behind `prefix` (the extension data) into `scratch`, in order,
 * saying which one is the group's last.
 */
function writePayloads(
  group: PayloadGroup,
  prefix: Buffer,
  scratch: Buffer,
  each: (payload: Buffer, last: boolean) => void,
): void {
  let at = prefix.copy(scratch, 0);
  if (group.kind === 'run' && group.nals.length === 1) {
    at += group.nals[0]!.copy(scratch, at);
    each(scratch.subarray(0, at), true);
  } else if (group.kind === 'run') {
    const stapAt = at;
    let forbidden = 0;
    let nri = 0;
    at += 1;
    for (const nal of group.nals) {
      const headerByte = nal[0] ?? 0;
      forbidden |= headerByte & 0x80;
      nri = Math.max(nri, headerByte & 0x60);
      at = scratch.writeUInt16BE(nal.length, at);
      at += nal.copy(scratch, at);
    }
    scratch[stapAt] = forbidden | nri | NalType.stapA;
    each(scratch.subarray(0, at), true);
  } else {
    const { nal } = group;
    scratch[at] = ((nal[0] ?? 0) & 0xe0) | NalType.fuA;
    const type = nalType(nal);
    const fragmentBytes = Math.ceil((nal.length - 1) / fragmentCount(nal));
    for (let offset = 1; offset < nal.length; offset += fragmentBytes) {
      const start = offset === 1 ? 0x80 : 0;
      const end = offset + fragmentBytes >= nal.length ? 0x40 : 0;
      scratch[at + 1] = start | end | type;
      const copied = nal.copy(scratch, at + 2, offset, offset + fragmentBytes);
      each(scratch.subarray(0, at + 2 + copied), end !== 0);
    }
  }
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
