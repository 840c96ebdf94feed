// The ffmpeg arguments for each H.264 encoder (this machine has no GPU, so the GPU paths are checked
// as argv): where the device is opened, where the frames are uploaded and scaled, and that every
// encoder keeps the stream's rules (no B-frames, an IDR every second of output frames, the profile's
// bitrate as a constant rate).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type SegmentPlan, segmentArgs } from '../../src/worker/media/ffmpeg-args.ts';
import type { PictureFacts } from '../../src/worker/media/output-picture.ts';
import type { SourceInfo } from '../../src/worker/media/probe.ts';
import { streamEncoding } from '../../src/worker/media/stream-encoding.ts';
import { encoderSelfTestArgs, type VideoEncoder } from '../../src/worker/media/video-encoder.ts';
import { probedFilm } from './support/probed-source.ts';

const VAAPI: VideoEncoder = { name: 'vaapi', device: '/dev/dri/renderD128' };
const NVENC: VideoEncoder = { name: 'nvenc' };
const QSV: VideoEncoder = { name: 'qsv' };
const X264: VideoEncoder = { name: 'x264' };

/** A film whose codec (HEVC) keeps it from being copied through. */
function film(video: Partial<PictureFacts> = {}): SourceInfo {
  return probedFilm({ codec: 'hevc', ...video }, { copyBlocker: 'codec hevc' });
}

function argv(videoEncoder: VideoEncoder, overrides: Partial<SegmentPlan> = {}) {
  const args = segmentArgs({
    url: 'http://127.0.0.1:1/source',
    source: film(),
    encoding: streamEncoding('720p30'),
    mode: 'transcode',
    startSeconds: 12.5,
    videoEncoder,
    ...overrides,
  });
  const value = (option: string): string | undefined => {
    const index = args.indexOf(option);
    return index < 0 ? undefined : args[index + 1];
  };
  const before = (option: string, other: string) => args.indexOf(option) < args.indexOf(other);
  return {
    args,
    value,
    before,
    videoFilters: (value('-vf') ?? value('-filter_complex'))?.split(','),
  };
}

describe('the encoder arguments', () => {
  test('every encoder: no B-frames, a 24-frame GOP for a 23.976 film, 2500 kbit/s as a constant rate', () => {
    for (const encoder of [X264, VAAPI, NVENC, QSV]) {
      const { value } = argv(encoder);
      assert.equal(value('-bf'), '0', encoder.name);
      assert.equal(value('-g'), '24', encoder.name);
      for (const option of ['-b:v', '-maxrate', '-bufsize'])
        assert.equal(value(option), '2500k', encoder.name);
      assert.equal(value('-bsf:v'), 'dump_extra', `${encoder.name}: SPS/PPS ride with every keyframe`);
    }
    assert.equal(argv(X264).value('-c:v'), 'libx264');
    assert.equal(argv(VAAPI).value('-c:v'), 'h264_vaapi');
    assert.equal(argv(NVENC).value('-c:v'), 'h264_nvenc');
    assert.equal(argv(QSV).value('-c:v'), 'h264_qsv');
  });

  test('every I-frame is an IDR and no scene cut adds one', () => {
    assert.equal(argv(X264).value('-sc_threshold'), '0');
    assert.equal(argv(X264).value('-keyint_min'), '24');
    assert.equal(argv(VAAPI).value('-idr_interval'), '0');
    assert.equal(argv(QSV).value('-idr_interval'), '0');
    assert.equal(argv(NVENC).value('-no-scenecut'), '1');
  });

  test('VAAPI opens its render node before the input, uploads NV12 and scales on the device', () => {
    const { value, before, videoFilters } = argv(VAAPI);
    assert.equal(value('-vaapi_device'), '/dev/dri/renderD128');
    assert.ok(before('-vaapi_device', '-i'));
    assert.equal(value('-profile:v'), 'main');
    assert.deepEqual(videoFilters, [
      'fps=24000/1001:eof_action=pass',
      'format=nv12',
      'hwupload',
      'scale_vaapi=w=1280:h=720',
      'setsar=1',
    ]);
  });

  test('Quick Sync opens its device for the filters, uploads NV12 and scales on the device', () => {
    const { args, value, before, videoFilters } = argv(QSV);
    assert.equal(value('-init_hw_device'), 'qsv=hw');
    assert.equal(value('-filter_hw_device'), 'hw');
    assert.ok(before('-init_hw_device', '-i'));
    assert.ok(args.includes('-look_ahead'));
    assert.deepEqual(videoFilters, [
      'fps=24000/1001:eof_action=pass',
      'format=nv12',
      'hwupload=extra_hw_frames=64',
      'scale_qsv=w=1280:h=720',
      'setsar=1',
    ]);
  });

  test('NVENC scales on the CPU and takes the frames from system memory, low-latency preset p4', () => {
    const { args, value, videoFilters } = argv(NVENC);
    assert.equal(value('-preset'), 'p4');
    assert.equal(value('-tune'), 'll');
    assert.equal(value('-rc'), 'cbr');
    assert.equal(args.includes('-init_hw_device') || args.includes('-vaapi_device'), false);
    assert.deepEqual(videoFilters, [
      'fps=24000/1001:eof_action=pass',
      'scale=1280:720',
      'setsar=1',
      'format=yuv420p',
    ]);
  });

  test('HDR keeps the CPU scaler before the tone mapping; the upload comes last', () => {
    const { videoFilters } = argv(VAAPI, { source: film({ hdr: 'smpte2084' }) });
    assert.equal(videoFilters?.[1], 'scale=1280:720');
    assert.ok(videoFilters?.some((filter) => filter.startsWith('tonemap=')));
    assert.deepEqual(videoFilters?.slice(-3), ['setsar=1', 'format=nv12', 'hwupload']);
    assert.equal(
      videoFilters?.some((filter) => filter.startsWith('scale_vaapi')),
      false,
    );
  });

  test('burned-in subtitles are drawn at the output size on the CPU, then uploaded', () => {
    const text = argv(QSV, { subtitle: { format: 'text', url: 'http://127.0.0.1:1/subtitle' } }).videoFilters;
    assert.equal(text?.[1], 'scale=1280:720');
    const drawn = text?.findIndex((filter) => filter.startsWith('subtitles=')) ?? -1;
    const upload = text?.indexOf('hwupload=extra_hw_frames=64') ?? -1;
    assert.ok(drawn > 0 && upload > drawn, 'subtitles before the upload');
    const image = argv(VAAPI, { subtitle: { format: 'image', streamIndex: 3 } }).value('-filter_complex');
    assert.match(image ?? '', /overlay=eof_action=pass,setsar=1,format=nv12,hwupload\[video\]$/);
  });

  test('copy mode opens no device', () => {
    const { args } = argv(VAAPI, { mode: 'copy' });
    assert.equal(args.includes('-vaapi_device'), false);
    assert.equal(args[args.indexOf('-c:v') + 1], 'copy');
  });

  test("the self-test encodes one second of ffmpeg's test picture through the same device and filters", () => {
    const args = encoderSelfTestArgs(VAAPI);
    assert.equal(args[args.indexOf('-i') + 1], 'testsrc=size=640x360:rate=30:duration=1');
    assert.equal(args[args.indexOf('-vaapi_device') + 1], '/dev/dri/renderD128');
    assert.equal(args[args.indexOf('-vf') + 1], 'format=nv12,hwupload,scale_vaapi=w=320:h=180,setsar=1');
    assert.equal(args[args.indexOf('-c:v') + 1], 'h264_vaapi');
    assert.deepEqual(args.slice(-3), ['-f', 'null', '-']);
    assert.equal(
      encoderSelfTestArgs(NVENC)[encoderSelfTestArgs(NVENC).indexOf('-vf') + 1],
      'scale=320:180,setsar=1,format=yuv420p',
    );
  });
});
