import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { H264Depacketizer } from '../../../../sim/discord/voice/h264-depacketizer.ts';
import {
  accessUnitProblems,
  parseSps,
  splitAnnexB,
} from '../../../../sim/discord/voice/h264-stream-checks.ts';
import type { RtpPacket } from '../../../../sim/discord/voice/rtp-packet.ts';
import { resolveFfmpeg } from '../../../../src/media/ffmpeg-binary.ts';

const accessUnit = execFileSync(resolveFfmpeg(), [
  ...['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=1'],
  ...['-frames:v', '1', '-c:v', 'libx264', '-bf', '0', '-pix_fmt', 'yuv420p', '-f', 'h264', '-'],
]);
const nals = splitAnnexB(accessUnit);
const typeOf = (nal: Buffer): number => (nal[0] ?? 0) & 0x1f;

function rtp(sequence: number, payload: Buffer, marker: boolean): RtpPacket {
  return {
    marker,
    payloadType: 101,
    sequence,
    timestamp: 9000,
    ssrc: 1,
    nonce: sequence,
    extension: null,
    extensionProfile: null,
    payload,
  };
}

test('an x264 access unit with -bf 0 passes the protocol.md §4.4 checks and reports its size', () => {
  const sps = nals.find((nal) => typeOf(nal) === 7)!;
  assert.deepEqual(parseSps(sps), { width: 320, height: 180, vuiOk: true });
  assert.deepEqual(accessUnitProblems(nals).problems, []);
});

test('an AUD unit and an IDR without SPS/PPS are reported', () => {
  const aud = Buffer.from([0x09, 0xf0]);
  const withoutParameterSets = nals.filter((nal) => typeOf(nal) !== 7 && typeOf(nal) !== 8);
  const { problems } = accessUnitProblems([aud, ...withoutParameterSets]);
  assert.ok(problems.some((line) => line.includes('AUD')));
  assert.ok(problems.some((line) => line.includes('IDR slice without SPS and PPS')));
});

test('STAP-A and FU-A packets rebuild the access unit with 4-byte start codes', () => {
  const problems: string[] = [];
  const depacketizer = new H264Depacketizer((kind, detail) => problems.push(`${kind}: ${detail}`));
  const [sps, pps, ...rest] = nals.filter((nal) => typeOf(nal) !== 6);
  assert.equal(typeOf(sps!), 7);
  assert.equal(typeOf(pps!), 8);
  const size = (nal: Buffer): Buffer => Buffer.from([nal.length >> 8, nal.length & 0xff]);
  const stapA = Buffer.concat([Buffer.from([0x78]), size(sps!), sps!, size(pps!), pps!]);
  const idr = rest[0]!;
  const fragments: Buffer[] = [];
  for (let at = 1; at < idr.length; at += 500) {
    const start = at === 1 ? 0x80 : 0;
    const end = at + 500 >= idr.length ? 0x40 : 0;
    const fuHeader = start | end | typeOf(idr);
    fragments.push(
      Buffer.concat([Buffer.from([(idr[0]! & 0xe0) | 28, fuHeader]), idr.subarray(at, at + 500)]),
    );
  }
  assert.equal(depacketizer.push(rtp(1, stapA, false)), null);
  const units = fragments.map((payload, i) =>
    depacketizer.push(rtp(2 + i, payload, i === fragments.length - 1)),
  );
  const unit = units.at(-1);
  const fourByte = (nal: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 0, 1]), nal]);
  assert.deepEqual(unit?.data, Buffer.concat([fourByte(sps!), fourByte(pps!), fourByte(idr)]));
  assert.equal(unit?.complete, true);
  assert.deepEqual(problems, []);
});

test('an FU-A that is both the start and the end of its NAL is reported (RFC 6184 §5.8)', () => {
  const problems: string[] = [];
  const depacketizer = new H264Depacketizer((kind, detail) => problems.push(`${kind}: ${detail}`));
  const slice = Buffer.from([0x41, 1, 2, 3, 4]);
  const whole = Buffer.concat([
    Buffer.from([(slice[0]! & 0xe0) | 28, 0x80 | 0x40 | typeOf(slice)]),
    slice.subarray(1),
  ]);
  depacketizer.push(rtp(1, whole, true));
  assert.deepEqual(problems, ['video-fu-a: FU-A with both S and E set (RFC 6184 §5.8 forbids it)']);
});
