import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { resolveFfmpeg } from '../../../src/media/ffmpeg-binary.ts';
import {
  addEmulationPrevention,
  H264Preparer,
  removeEmulationPrevention,
  rewriteSpsVui,
} from '../../../src/worker/golive/h264.ts';
import { joinAnnexB, NalType, nalType, splitAnnexB } from '../../../src/worker/media/h264-nal.ts';
import { fromLavfi } from './clip.ts';

const ffmpeg = resolveFfmpeg();
let dir: string;

function encode(name: string, extra: string[]): Buffer {
  const path = join(dir, name);
  fromLavfi('testsrc=size=320x240:rate=25', [
    '-t',
    '1',
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    ...extra,
    '-f',
    'h264',
    path,
  ]);
  return readFileSync(path);
}

/** ffmpeg's own reading of every header field, as "name = value" lines, for the first SPS. */
function spsFields(stream: Buffer): Map<string, string> {
  const path = join(dir, `trace-${Math.random()}.h264`);
  writeFileSync(path, stream);
  const trace = execFileSync(
    'sh',
    ['-c', `"${ffmpeg}" -hide_banner -i "${path}" -c copy -bsf:v trace_headers -f null - 2>&1`],
    {
      encoding: 'utf8',
    },
  );
  const fields = new Map<string, string>();
  let inSps = false;
  for (const line of trace.split('\n')) {
    if (line.includes('Sequence Parameter Set')) inSps = fields.size === 0;
    else if (line.includes('Parameter Set') || line.includes('Slice')) inSps = false;
    const match = /\]\s+(\d+)\s+(\w+)\s+[01]+ = (-?\d+)/.exec(line);
    if (inSps && match) fields.set(match[2]!, match[3]!);
  }
  return fields;
}

function decodedFrames(stream: Buffer): { frames: number; size: string } {
  const path = join(dir, `decode-${Math.random()}.h264`);
  writeFileSync(path, stream);
  const out = execFileSync(
    'sh',
    ['-c', `"${ffmpeg}" -hide_banner -v error -i "${path}" -f rawvideo -pix_fmt gray - | wc -c`],
    { encoding: 'utf8' },
  );
  return { frames: Number(out.trim()) / (320 * 240), size: '320x240' };
}

function replaceSps(stream: Buffer, replace: (sps: Buffer) => Buffer): Buffer {
  return joinAnnexB(splitAnnexB(stream).map((nal) => (nalType(nal) === NalType.sps ? replace(nal) : nal)));
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'golive-h264-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('splitAnnexB', () => {
  test('splits on 3- and 4-byte start codes without leaking the extra zero', () => {
    const data = Buffer.from([0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 0, 1, 0x65, 4, 5]);
    assert.deepEqual(
      splitAnnexB(data).map((nal) => [...nal]),
      [
        [0x67, 1, 2],
        [0x68, 3],
        [0x65, 4, 5],
      ],
    );
  });

  test('emulation prevention round-trips', () => {
    const rbsp = Uint8Array.from([0, 0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 3, 7]);
    const escaped = addEmulationPrevention(rbsp);
    assert.deepEqual([...escaped], [0, 0, 3, 0, 0, 3, 0, 1, 0, 0, 3, 2, 0, 0, 3, 3, 7]);
    assert.deepEqual([...removeEmulationPrevention(escaped)], [...rbsp]);
  });
});

describe('rewriteSpsVui', () => {
  test('an SPS that allows reordering is rewritten as DVS 6 writes it: no reordering, no video_signal_type', () => {
    const source = encode('bframes.h264', [
      '-bf',
      '2',
      '-refs',
      '3',
      '-colorspace',
      'bt709',
      '-color_primaries',
      'bt709',
      '-color_trc',
      'bt709',
    ]);
    const before = spsFields(source);
    assert.equal(before.get('max_num_reorder_frames'), '2', 'the fixture must need a rewrite');
    const rewritten = replaceSps(source, rewriteSpsVui);
    const after = spsFields(rewritten);
    assert.equal(after.get('bitstream_restriction_flag'), '1');
    assert.equal(after.get('max_num_reorder_frames'), '0');
    assert.equal(after.get('max_dec_frame_buffering'), after.get('max_num_ref_frames'));
    assert.equal(before.get('video_signal_type_present_flag'), '1', 'the fixture carries colour tags');
    assert.equal(after.get('video_signal_type_present_flag'), '0');
    assert.equal(after.has('colour_primaries'), false);
    for (const field of [
      'pic_width_in_mbs_minus1',
      'pic_height_in_map_units_minus1',
      'profile_idc',
      'level_idc',
      'timing_info_present_flag',
      'num_units_in_tick',
      'time_scale',
      'max_num_ref_frames',
      'log2_max_mv_length_horizontal',
    ]) {
      assert.equal(after.get(field), before.get(field), field);
    }
    assert.equal(decodedFrames(rewritten).frames, 25);
  });

  test('an SPS WebRTC already accepts still loses its video_signal_type, and the DVS 6 form is kept as it is', () => {
    const colourTags = ['-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709'];
    const source = encode('nob.h264', ['-bf', '0', ...colourTags]);
    const before = spsFields(source);
    assert.equal(before.get('max_num_reorder_frames'), '0', 'WebRTC would take this SPS as it is');
    assert.equal(before.get('video_signal_type_present_flag'), '1');
    const rewritten = replaceSps(source, rewriteSpsVui);
    const after = spsFields(rewritten);
    assert.equal(after.get('video_signal_type_present_flag'), '0');
    for (const field of ['max_num_reorder_frames', 'max_dec_frame_buffering', 'max_bytes_per_pic_denom'])
      assert.equal(after.get(field), before.get(field), field);
    const sps = splitAnnexB(rewritten).find((nal) => nalType(nal) === NalType.sps)!;
    assert.deepEqual(rewriteSpsVui(sps), sps, 'rewriting the rewritten SPS changes nothing');
    assert.equal(decodedFrames(rewritten).frames, 25);
  });

  test('an SPS without VUI gets a minimal VUI with only the bitstream restriction', () => {
    const source = encode('novui.h264', ['-bf', '0']);
    const vuiBit = Number(
      /(\d+)\s+vui_parameters_present_flag/.exec(
        execFileSync(
          'sh',
          [
            '-c',
            `"${ffmpeg}" -hide_banner -i "${join(dir, 'novui.h264')}" -c copy -bsf:v trace_headers -f null - 2>&1`,
          ],
          { encoding: 'utf8' },
        ),
      )![1],
    );
    const withoutVui = (sps: Buffer): Buffer => {
      // Cut the SPS right at vui_parameters_present_flag, write it as 0, end the RBSP.
      const bits = [...removeEmulationPrevention(sps)].map((b) => b.toString(2).padStart(8, '0')).join('');
      assert.equal(bits[vuiBit], '1');
      let cut = `${bits.slice(0, vuiBit)}01`;
      while (cut.length % 8 !== 0) cut += '0';
      const bytes = Uint8Array.from(cut.match(/.{8}/g)!.map((byte) => Number.parseInt(byte, 2)));
      return Buffer.concat([bytes.subarray(0, 1), addEmulationPrevention(bytes.subarray(1))]);
    };
    const stripped = replaceSps(source, withoutVui);
    assert.equal(spsFields(stripped).get('vui_parameters_present_flag'), '0');
    const rewritten = replaceSps(stripped, rewriteSpsVui);
    const fields = spsFields(rewritten);
    assert.equal(fields.get('vui_parameters_present_flag'), '1');
    assert.equal(fields.get('aspect_ratio_info_present_flag'), '0');
    assert.equal(fields.get('timing_info_present_flag'), '0');
    assert.equal(fields.get('max_num_reorder_frames'), '0');
    assert.equal(fields.get('max_bytes_per_pic_denom'), '2');
    assert.equal(fields.get('log2_max_mv_length_vertical'), '16');
    assert.equal(fields.get('max_dec_frame_buffering'), fields.get('max_num_ref_frames'));
    assert.equal(decodedFrames(rewritten).frames, 25);
  });
});

describe('H264Preparer', () => {
  test('a malformed SPS passes unchanged instead of stopping the stream', () => {
    const broken = Buffer.from([0x67, 0x64, 0x00]);
    const prepared = new H264Preparer().prepare(Buffer.concat([Buffer.from([0, 0, 0, 1]), broken]));
    assert.deepEqual([...splitAnnexB(prepared.data)[0]!], [...broken]);
  });

  test('drops AUDs, uses 4-byte start codes and puts the last SPS/PPS in front of a bare IDR', () => {
    const [sps, pps] = splitAnnexB(encode('prep.h264', ['-bf', '0', '-frames:v', '1'])).filter(
      (nal) => nalType(nal) === NalType.sps || nalType(nal) === NalType.pps,
    ) as [Buffer, Buffer];
    const aud = Buffer.from([0x09, 0xf0]);
    const idr = Buffer.from([0x65, 0x88, 0x84, 0x00]);
    const slice = Buffer.from([0x41, 0x9a, 0x02]);
    const preparer = new H264Preparer();
    const first = preparer.prepare(
      Buffer.concat([
        Buffer.from([0, 0, 1]),
        aud,
        Buffer.from([0, 0, 1]),
        sps,
        Buffer.from([0, 0, 1]),
        pps,
        Buffer.from([0, 0, 1]),
        idr,
      ]),
    );
    assert.equal(first.keyframe, true);
    const firstTypes = splitAnnexB(first.data).map(nalType);
    assert.deepEqual(firstTypes, [NalType.sps, NalType.pps, NalType.idr]);
    assert.equal(first.data.subarray(0, 4).toString('hex'), '00000001');
    const delta = preparer.prepare(
      Buffer.concat([Buffer.from([0, 0, 0, 1]), aud, Buffer.from([0, 0, 0, 1]), slice]),
    );
    assert.equal(delta.keyframe, false);
    assert.deepEqual(splitAnnexB(delta.data).map(nalType), [1]);
    const bareIdr = preparer.prepare(Buffer.concat([Buffer.from([0, 0, 0, 1]), idr]));
    assert.deepEqual(splitAnnexB(bareIdr.data).map(nalType), [NalType.sps, NalType.pps, NalType.idr]);
  });
});
