// Matroska stores H.264 as avcC: length-prefixed NAL units, with SPS/PPS in CodecPrivate. Viewers
// need Annex B access units with SPS/PPS in front of every keyframe and no AUD (protocol.md
// §4.4). ffmpeg's dump_extra already puts SPS/PPS in-band; this is the second safety net.
import { addMissingParameterSets, joinAnnexB, type ParameterSets, readAccessUnit } from './h264-nal.ts';

export interface AvcConfig {
  nalLengthSize: number;
  /** The SPS and PPS NAL units of CodecPrivate, for keyframes that do not carry their own. */
  parameterSets: ParameterSets;
}

export function parseAvcDecoderConfig(avcC: Buffer): AvcConfig {
  if (avcC.length < 7 || avcC[0] !== 1) throw new Error('the H.264 track has no avcC configuration');
  const nalLengthSize = (avcC[4]! & 0x03) + 1;
  let offset = 5;
  const readSets = (count: number): Buffer[] => {
    const sets: Buffer[] = [];
    for (let i = 0; i < count && offset + 2 <= avcC.length; i++) {
      const length = avcC.readUInt16BE(offset);
      sets.push(avcC.subarray(offset + 2, offset + 2 + length));
      offset += 2 + length;
    }
    return sets;
  };
  const sps = readSets(avcC[5]! & 0x1f);
  const pps = offset < avcC.length ? readSets(avcC[offset++]!) : [];
  return { nalLengthSize, parameterSets: { sps, pps } };
}

function lengthPrefixedNals(sample: Buffer, nalLengthSize: number): Buffer[] {
  const nals: Buffer[] = [];
  let offset = 0;
  while (offset + nalLengthSize <= sample.length) {
    const length = sample.readUIntBE(offset, nalLengthSize);
    offset += nalLengthSize;
    const nal = sample.subarray(offset, offset + length);
    offset += length;
    if (nal.length > 0) nals.push(nal);
  }
  return nals;
}

/** One access unit from length-prefixed form to Annex B, dropping AUDs and adding SPS/PPS to keyframes. */
export function toAnnexB(sample: Buffer, keyframe: boolean, config: AvcConfig): Buffer {
  const unit = readAccessUnit(lengthPrefixedNals(sample, config.nalLengthSize));
  if (keyframe) addMissingParameterSets(unit, config.parameterSets);
  return joinAnnexB(unit.nals);
}
