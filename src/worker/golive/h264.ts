// H.264 access-unit preparation before DAVE (protocol.md §4.4): no AUD units, SPS/PPS in front of every
// IDR, and every SPS rewritten so that WebRTC's receive side leaves it alone. With DAVE the SPS is
// sent in clear but authenticated, so a receiver that rewrites it afterwards breaks the frame's tag.
// The NAL walk and the AUD and SPS/PPS rule are media/h264-nal.ts's, shared with the demuxer path;
// this file adds the SPS rewrite and remembers parameter sets across access units.
import {
  addMissingParameterSets,
  joinAnnexB,
  NalType,
  nalType,
  readAccessUnit,
  splitAnnexB,
} from '../media/h264-nal.ts';

/**
 * Keeps the last SPS/PPS seen so an IDR that arrives without them still gets them in-band: viewers
 * have no out-of-band parameter sets and can only start at an IDR that carries both.
 */
export class H264Preparer {
  readonly #known: { sps: Buffer[]; pps: Buffer[] } = { sps: [], pps: [] };

  /** Returns the access unit to encrypt and send: 4-byte start codes, no AUD, rewritten SPS. */
  prepare(accessUnit: Buffer): { data: Buffer; keyframe: boolean } {
    const fast = deltaFrameWithoutAud(accessUnit);
    if (fast) return { data: fast, keyframe: false };
    const unit = readAccessUnit(splitAnnexB(accessUnit), rewriteSpsVuiOrKeep);
    if (unit.idr) addMissingParameterSets(unit, this.#known);
    if (unit.sps) this.#known.sps = [unit.sps];
    if (unit.pps) this.#known.pps = [unit.pps];
    return { data: joinAnnexB(unit.nals), keyframe: unit.idr };
  }
}

/**
 * Most access units are one delta slice behind an optional AUD: then the slice's bytes can be used
 * as they are (a view, no copy), since nothing needs rewriting or inserting.
 */
function deltaFrameWithoutAud(accessUnit: Buffer): Buffer | null {
  const nals = splitAnnexB(accessUnit);
  const last = nals.at(-1);
  if (!last || nalType(last) !== NalType.slice) return null;
  for (const nal of nals) if (nal !== last && nalType(nal) !== NalType.aud) return null;
  const start = last.byteOffset - accessUnit.byteOffset;
  return accessUnit.subarray(start >= 4 && accessUnit[start - 4] === 0 ? start - 4 : start - 3);
}

/** A malformed SPS is passed on unchanged: the decoder may still cope, and the stream must not stop. */
function rewriteSpsVuiOrKeep(nal: Buffer): Buffer {
  try {
    return rewriteSpsVui(nal);
  } catch {
    return nal;
  }
}

class BitReader {
  readonly #bytes: Uint8Array;
  #bit = 0;
  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }
  get bitsLeft(): number {
    return this.#bytes.length * 8 - this.#bit;
  }
  bit(): number {
    if (this.#bit >= this.#bytes.length * 8) throw new RangeError('SPS ended early');
    const byte = this.#bytes[this.#bit >> 3] ?? 0;
    const value = (byte >> (7 - (this.#bit & 7))) & 1;
    this.#bit += 1;
    return value;
  }
  bits(count: number): number {
    let value = 0;
    for (let i = 0; i < count; i += 1) value = value * 2 + this.bit();
    return value;
  }
  ue(): number {
    let zeros = 0;
    while (this.bit() === 0) {
      zeros += 1;
      if (zeros > 31) throw new RangeError('SPS has an invalid Exp-Golomb value');
    }
    return 2 ** zeros - 1 + this.bits(zeros);
  }
  se(): number {
    const code = this.ue();
    return code % 2 === 1 ? (code + 1) / 2 : -(code / 2);
  }
}

class BitWriter {
  readonly #bytes: number[] = [];
  #current = 0;
  #count = 0;
  bit(value: number): void {
    this.#current = (this.#current << 1) | (value & 1);
    this.#count += 1;
    if (this.#count === 8) {
      this.#bytes.push(this.#current);
      this.#current = 0;
      this.#count = 0;
    }
  }
  bits(value: number, count: number): void {
    for (let i = count - 1; i >= 0; i -= 1) this.bit(Math.floor(value / 2 ** i) % 2);
  }
  ue(value: number): void {
    const code = value + 1;
    const length = Math.floor(Math.log2(code));
    this.bits(0, length);
    this.bits(code, length + 1);
  }
  se(value: number): void {
    this.ue(value > 0 ? value * 2 - 1 : -value * 2);
  }
  /** rbsp_trailing_bits: a stop bit, then zeros to the byte boundary. */
  finish(): Uint8Array {
    this.bit(1);
    while (this.#count !== 0) this.bit(0);
    return Uint8Array.from(this.#bytes);
  }
}

/** Reads a field and writes it unchanged: most of the SPS is copied through bit for bit. */
class BitCopier {
  readonly reader: BitReader;
  readonly writer: BitWriter;
  constructor(reader: BitReader, writer: BitWriter) {
    this.reader = reader;
    this.writer = writer;
  }
  u(count: number): number {
    const value = this.reader.bits(count);
    this.writer.bits(value, count);
    return value;
  }
  ue(): number {
    const value = this.reader.ue();
    this.writer.ue(value);
    return value;
  }
  se(): number {
    const value = this.reader.se();
    this.writer.se(value);
    return value;
  }
}

export function removeEmulationPrevention(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length);
  let length = 0;
  let zeros = 0;
  for (const byte of data) {
    if (zeros >= 2 && byte === 3) {
      zeros = 0;
      continue;
    }
    out[length++] = byte;
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return out.subarray(0, length);
}

export function addEmulationPrevention(rbsp: Uint8Array): Uint8Array {
  const out: number[] = [];
  let zeros = 0;
  for (const byte of rbsp) {
    if (zeros >= 2 && byte <= 3) {
      out.push(3);
      zeros = 0;
    }
    out.push(byte);
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return Uint8Array.from(out);
}

const profilesWithChromaInfo = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

function copyScalingList(copy: BitCopier, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j += 1) {
    if (next !== 0) next = (last + copy.se() + 256) % 256;
    last = next === 0 ? last : next;
  }
}

function copyHrdParameters(copy: BitCopier): void {
  const cpbCount = copy.ue() + 1;
  copy.u(4);
  copy.u(4);
  for (let i = 0; i < cpbCount; i += 1) {
    copy.ue();
    copy.ue();
    copy.u(1);
  }
  copy.u(20);
}

/** Fields of the VUI bitstream restriction we emit: WebRTC's values (protocol.md §4.4 item 6). */
function writeBitstreamRestriction(
  writer: BitWriter,
  copied: readonly [number, number, number, number, number] | null,
  maxNumRefFrames: number,
): void {
  writer.bit(1);
  const [mvOverBoundaries, maxBytesPerPicDenom, maxBitsPerMbDenom, log2MvH, log2MvV] = copied ?? [
    1, 2, 1, 16, 16,
  ];
  writer.bit(mvOverBoundaries);
  writer.ue(maxBytesPerPicDenom);
  writer.ue(maxBitsPerMbDenom);
  writer.ue(log2MvH);
  writer.ue(log2MvV);
  writer.ue(0);
  writer.ue(maxNumRefFrames);
}

/**
 * Returns the SPS NAL (header byte included) rewritten as Discord-video-stream 6 writes it, the form
 * known to decode under DAVE on real Discord (protocol.md §4.4): always a VUI, whose bitstream
 * restriction declares no frame reordering, and no `video_signal_type`. Receivers then assume
 * limited range and their default colours: right for the transcoder's yuv420p, a possible tint for
 * a copied source tagged otherwise (docs/golive-open-points.md item 7).
 */
export function rewriteSpsVui(nal: Buffer): Buffer {
  const reader = new BitReader(removeEmulationPrevention(nal.subarray(1)));
  const writer = new BitWriter();
  const copy = new BitCopier(reader, writer);

  const profile = copy.u(8);
  copy.u(8);
  copy.u(8);
  copy.ue();
  if (profilesWithChromaInfo.has(profile)) {
    const chromaFormat = copy.ue();
    if (chromaFormat === 3) copy.u(1);
    copy.ue();
    copy.ue();
    copy.u(1);
    if (copy.u(1) === 1) {
      const lists = chromaFormat === 3 ? 12 : 8;
      for (let i = 0; i < lists; i += 1) if (copy.u(1) === 1) copyScalingList(copy, i < 6 ? 16 : 64);
    }
  }
  copy.ue();
  const pocType = copy.ue();
  if (pocType === 0) copy.ue();
  else if (pocType === 1) {
    copy.u(1);
    copy.se();
    copy.se();
    const cycle = copy.ue();
    for (let i = 0; i < cycle; i += 1) copy.se();
  }
  const maxNumRefFrames = copy.ue();
  copy.u(1);
  copy.ue();
  copy.ue();
  if (copy.u(1) === 0) copy.u(1);
  copy.u(1);
  if (copy.u(1) === 1) for (let i = 0; i < 4; i += 1) copy.ue();

  const vuiPresent = reader.bit();
  writer.bit(1);
  let restriction: [number, number, number, number, number] | null = null;
  if (vuiPresent === 1) {
    if (copy.u(1) === 1 && copy.u(8) === 255) copy.u(32);
    if (copy.u(1) === 1) copy.u(1);
    // video_signal_type: read past, written as absent.
    if (reader.bit() === 1) {
      reader.bits(4);
      if (reader.bit() === 1) reader.bits(24);
    }
    writer.bit(0);
    if (copy.u(1) === 1) {
      copy.ue();
      copy.ue();
    }
    if (copy.u(1) === 1) {
      copy.u(32);
      copy.u(32);
      copy.u(1);
    }
    const nalHrd = copy.u(1);
    if (nalHrd === 1) copyHrdParameters(copy);
    const vclHrd = copy.u(1);
    if (vclHrd === 1) copyHrdParameters(copy);
    if (nalHrd === 1 || vclHrd === 1) copy.u(1);
    copy.u(1);
    if (reader.bit() === 1) restriction = [reader.bit(), reader.ue(), reader.ue(), reader.ue(), reader.ue()];
  } else {
    // A minimal VUI: nothing present but the bitstream restriction.
    writer.bits(0, 8);
  }
  writeBitstreamRestriction(writer, restriction, maxNumRefFrames);
  const rbsp = writer.finish();
  return Buffer.concat([nal.subarray(0, 1), addEmulationPrevention(rbsp)]);
}
