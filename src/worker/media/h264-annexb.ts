// Matroska stores H.264 as avcC: length-prefixed NAL units, with SPS/PPS in CodecPrivate. Viewers
// need Annex B access units with SPS/PPS in front of every keyframe and no AUD (protocol.md
// §4.4). ffmpeg's dump_extra already puts SPS/PPS in-band; this is the second safety net.

const START_CODE = Buffer.from([0, 0, 0, 1]);
const NAL_SPS = 7;
const NAL_AUD = 9;

export interface AvcConfig {
  nalLengthSize: number;
  /** SPS and PPS NAL units, each with a start code, ready to prepend to a keyframe. */
  parameterSets: Buffer;
}

export function parseAvcDecoderConfig(avcC: Buffer): AvcConfig {
  if (avcC.length < 7 || avcC[0] !== 1) throw new Error('the H.264 track has no avcC configuration');
  const nalLengthSize = (avcC[4]! & 0x03) + 1;
  const parts: Buffer[] = [];
  let offset = 5;
  const readSets = (count: number) => {
    for (let i = 0; i < count && offset + 2 <= avcC.length; i++) {
      const length = avcC.readUInt16BE(offset);
      parts.push(START_CODE, avcC.subarray(offset + 2, offset + 2 + length));
      offset += 2 + length;
    }
  };
  readSets(avcC[5]! & 0x1f);
  if (offset < avcC.length) readSets(avcC[offset++]!);
  return { nalLengthSize, parameterSets: Buffer.concat(parts) };
}

/** One access unit from length-prefixed form to Annex B, dropping AUDs and adding SPS/PPS to keyframes. */
export function toAnnexB(sample: Buffer, keyframe: boolean, config: AvcConfig): Buffer {
  const parts: Buffer[] = [];
  let hasSps = false;
  let offset = 0;
  while (offset + config.nalLengthSize <= sample.length) {
    const length = sample.readUIntBE(offset, config.nalLengthSize);
    offset += config.nalLengthSize;
    const nal = sample.subarray(offset, offset + length);
    offset += length;
    if (nal.length === 0) continue;
    const type = nal[0]! & 0x1f;
    if (type === NAL_AUD) continue;
    if (type === NAL_SPS) hasSps = true;
    parts.push(START_CODE, nal);
  }
  if (keyframe && !hasSps) parts.unshift(config.parameterSets);
  return Buffer.concat(parts);
}
