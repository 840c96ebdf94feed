// What protocol.md §4.4 requires of each H.264 access unit a Go Live sender emits: no AUD NAL units,
// SPS and PPS in front of every IDR, and an SPS whose VUI WebRTC would not rewrite (DAVE
// authenticates the SPS, so a receiver-side rewrite would break the frame).

export interface SpsSummary {
  readonly width: number;
  readonly height: number;
  /** WebRTC's receive-side check passes: nothing would be rewritten. */
  readonly vuiOk: boolean;
}

/** Splits Annex B bytes into NAL units (start codes of 3 or 4 bytes). */
export function splitAnnexB(data: Buffer): Buffer[] {
  const nals: Buffer[] = [];
  let start = -1;
  let i = 0;
  while (i + 2 < data.length) {
    if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1) {
      if (start >= 0) nals.push(data.subarray(start, data[i - 1] === 0 ? i - 1 : i));
      i += 3;
      start = i;
    } else i++;
  }
  if (start >= 0 && start < data.length) nals.push(data.subarray(start));
  return nals;
}

/** Bit reader over an RBSP (emulation-prevention bytes removed). */
class BitReader {
  readonly #bytes: Buffer;
  #bit = 0;

  constructor(nal: Buffer) {
    const out: number[] = [];
    for (let i = 0; i < nal.length; i++) {
      if (i >= 2 && nal[i] === 3 && nal[i - 1] === 0 && nal[i - 2] === 0) continue;
      out.push(nal[i]!);
    }
    this.#bytes = Buffer.from(out);
  }

  u(bits: number): number {
    let value = 0;
    for (let k = 0; k < bits; k++) {
      const byte = this.#bytes[this.#bit >> 3];
      if (byte === undefined) throw new RangeError('SPS ended early');
      value = value * 2 + ((byte >> (7 - (this.#bit & 7))) & 1);
      this.#bit++;
    }
    return value;
  }

  ue(): number {
    let zeros = 0;
    while (this.u(1) === 0) {
      zeros++;
      if (zeros > 31) throw new RangeError('bad Exp-Golomb code in SPS');
    }
    return 2 ** zeros - 1 + this.u(zeros);
  }

  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }
}

const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

function skipScalingList(r: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + r.se() + 256) % 256;
    last = next === 0 ? last : next;
  }
}

function skipHrd(r: BitReader): void {
  const count = r.ue() + 1;
  r.u(8);
  for (let i = 0; i < count; i++) {
    r.ue();
    r.ue();
    r.u(1);
  }
  r.u(20);
}

/** Parses an SPS NAL unit (header byte included) far enough for size and the VUI verdict. */
export function parseSps(nal: Buffer): SpsSummary {
  const r = new BitReader(nal.subarray(1));
  const profile = r.u(8);
  r.u(16);
  r.ue();
  let chromaFormat = 1;
  if (HIGH_PROFILES.has(profile)) {
    chromaFormat = r.ue();
    if (chromaFormat === 3) r.u(1);
    r.ue();
    r.ue();
    r.u(1);
    const scalingMatrixPresent = r.u(1) === 1;
    const lists = scalingMatrixPresent ? (chromaFormat === 3 ? 12 : 8) : 0;
    for (let i = 0; i < lists; i++) {
      const listPresent = r.u(1) === 1;
      if (listPresent) skipScalingList(r, i < 6 ? 16 : 64);
    }
  }
  r.ue();
  const pocType = r.ue();
  if (pocType === 0) r.ue();
  else if (pocType === 1) {
    r.u(1);
    r.se();
    r.se();
    const cycle = r.ue();
    for (let i = 0; i < cycle; i++) r.se();
  }
  const maxRefFrames = r.ue();
  r.u(1);
  const widthMbs = r.ue() + 1;
  const heightMapUnits = r.ue() + 1;
  const frameMbsOnly = r.u(1);
  if (!frameMbsOnly) r.u(1);
  r.u(1);
  const crop = r.u(1) ? [r.ue(), r.ue(), r.ue(), r.ue()] : [0, 0, 0, 0];
  const cropX = chromaFormat === 0 || chromaFormat === 3 ? 1 : 2;
  const cropY = (chromaFormat === 1 ? 2 : 1) * (2 - frameMbsOnly);
  const width = widthMbs * 16 - cropX * (crop[0]! + crop[1]!);
  const height = (2 - frameMbsOnly) * heightMapUnits * 16 - cropY * (crop[2]! + crop[3]!);
  return { width, height, vuiOk: r.u(1) === 1 && vuiPassesWebRtcCheck(r, maxRefFrames) };
}

function vuiPassesWebRtcCheck(r: BitReader, maxRefFrames: number): boolean {
  if (r.u(1) && r.u(8) === 255) r.u(32);
  if (r.u(1)) r.u(1);
  if (r.u(1)) {
    r.u(4);
    if (r.u(1)) r.u(24);
  }
  if (r.u(1)) {
    r.ue();
    r.ue();
  }
  if (r.u(1)) r.u(65);
  const nalHrd = r.u(1);
  if (nalHrd) skipHrd(r);
  const vclHrd = r.u(1);
  if (vclHrd) skipHrd(r);
  if (nalHrd || vclHrd) r.u(1);
  r.u(1);
  if (!r.u(1)) return false; // no bitstream_restriction: WebRTC would rewrite
  r.u(1);
  r.ue();
  r.ue();
  r.ue();
  r.ue();
  const maxNumReorderFrames = r.ue();
  const maxDecFrameBuffering = r.ue();
  return maxNumReorderFrames === 0 && maxDecFrameBuffering <= maxRefFrames;
}

/** Returns the protocol.md §4.4 problems of one access unit (empty when it is fine) and its SPS, if any. */
export function accessUnitProblems(nals: Buffer[]): { problems: string[]; sps: SpsSummary | null } {
  const problems: string[] = [];
  let sps: SpsSummary | null = null;
  let seenSps = false;
  let seenPps = false;
  for (const nal of nals) {
    const type = (nal[0] ?? 0) & 0x1f;
    if (type === 9) problems.push('access unit carries an AUD NAL unit (type 9); senders remove them');
    if (type === 7) {
      seenSps = true;
      try {
        sps = parseSps(nal);
        if (!sps.vuiOk)
          problems.push(
            'SPS VUI would be rewritten by WebRTC (bitstream_restriction missing or reordering allowed)',
          );
      } catch (error) {
        problems.push(`SPS does not parse: ${(error as Error).message}`);
      }
    }
    if (type === 8) seenPps = true;
    if (type === 5 && !(seenSps && seenPps)) problems.push('IDR slice without SPS and PPS in front of it');
  }
  return { problems, sps };
}
