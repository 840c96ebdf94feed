// H.264 NAL units in Annex B form, and the one rule every access unit leaving the worker follows
// (protocol.md §4.4): no AUD, and SPS/PPS in front of every keyframe, since viewers have no
// out-of-band parameter sets. The demuxer path (h264-annexb.ts) and Go Live (golive/h264.ts) both
// apply it through readAccessUnit and addMissingParameterSets.

const START_CODE = Buffer.from([0, 0, 1]);
const FOUR_BYTE_START_CODE = Buffer.from([0, 0, 0, 1]);

export const NalType = {
  slice: 1,
  idr: 5,
  sei: 6,
  sps: 7,
  pps: 8,
  aud: 9,
  stapA: 24,
  fuA: 28,
} as const;

export function nalType(nal: Buffer): number {
  return (nal[0] ?? 0) & 0x1f;
}

/** Splits an Annex B buffer into NAL units (without start codes); 3- and 4-byte start codes both work. */
export function splitAnnexB(data: Buffer): Buffer[] {
  const nals: Buffer[] = [];
  let start = data.indexOf(START_CODE);
  if (start < 0) return data.length > 0 ? [data] : [];
  start += 3;
  while (start < data.length) {
    const next = data.indexOf(START_CODE, start);
    if (next < 0) {
      nals.push(data.subarray(start));
      break;
    }
    // A 4-byte start code leaves one zero byte at the end of the previous NAL: it belongs to the code.
    const end = next > start && data[next - 1] === 0 ? next - 1 : next;
    if (end > start) nals.push(data.subarray(start, end));
    start = next + 3;
  }
  return nals;
}

export function joinAnnexB(nals: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const nal of nals) parts.push(FOUR_BYTE_START_CODE, nal);
  return Buffer.concat(parts);
}

export interface ParameterSets {
  sps: readonly Buffer[];
  pps: readonly Buffer[];
}

/** One access unit's NAL units without AUDs, and what it carries itself. */
export interface AccessUnitNals {
  nals: Buffer[];
  idr: boolean;
  /** The last SPS of the unit (as `rewriteSps` returned it), or null. */
  sps: Buffer | null;
  pps: Buffer | null;
}

/** Drops AUDs and notes the unit's own parameter sets; `rewriteSps` may replace each SPS. */
export function readAccessUnit(
  nals: Iterable<Buffer>,
  rewriteSps: (nal: Buffer) => Buffer = (nal) => nal,
): AccessUnitNals {
  const unit: AccessUnitNals = { nals: [], idr: false, sps: null, pps: null };
  for (const nal of nals) {
    const type = nalType(nal);
    if (type === NalType.aud) continue;
    if (type === NalType.sps) {
      unit.sps = rewriteSps(nal);
      unit.nals.push(unit.sps);
      continue;
    }
    if (type === NalType.pps) unit.pps = nal;
    else if (type === NalType.idr) unit.idr = true;
    unit.nals.push(nal);
  }
  return unit;
}

/** Puts the known SPS and PPS the unit lacks in front of it (SPS first), for a keyframe. */
export function addMissingParameterSets(unit: AccessUnitNals, known: ParameterSets): void {
  if (!unit.pps) unit.nals.unshift(...known.pps);
  if (!unit.sps) unit.nals.unshift(...known.sps);
}
