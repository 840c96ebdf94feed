// The ffmpeg arguments the worker builds for each kind of source: which filters run, in which order,
// and that a source already fit for viewers is passed through untouched.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type EncodeMode, segmentArgs } from '../../src/worker/media/ffmpeg-args.ts';
import { parseFrameRate, sourceFrameRate } from '../../src/worker/media/frame-rate.ts';
import type { SourceInfo } from '../../src/worker/media/probe.ts';
import { type StreamEncoding, streamEncoding } from '../../src/worker/media/stream-encoding.ts';
import { probedFilm } from './support/probed-source.ts';

function args(
  info: SourceInfo,
  mode: EncodeMode = 'transcode',
  encoding: StreamEncoding = streamEncoding('720p30'),
) {
  const argv = segmentArgs({
    url: 'http://127.0.0.1:1/source',
    source: info,
    encoding,
    mode,
    startSeconds: 0,
  });
  const value = (option: string): string | undefined => {
    const index = argv.indexOf(option);
    return index < 0 ? undefined : argv[index + 1];
  };
  return { argv, videoFilters: value('-vf')?.split(','), audioFilters: value('-af'), gop: value('-g') };
}

describe('the ffmpeg arguments', () => {
  test('a 23.976 film keeps its rate, with a one-second GOP of 24 frames', () => {
    const { videoFilters, gop } = args(probedFilm());
    assert.deepEqual(videoFilters, [
      'fps=24000/1001:eof_action=pass',
      'scale=1280:720',
      'setsar=1',
      'format=yuv420p',
    ]);
    assert.equal(gop, '24');
  });

  test('25 fps stays 25; 59.94 and 50 drop every other frame', () => {
    const at = (text: string) => args(probedFilm({ frameRate: sourceFrameRate(parseFrameRate(text), null) }));
    assert.equal(at('25/1').videoFilters?.[0], 'fps=25/1:eof_action=pass');
    assert.equal(at('60000/1001').videoFilters?.[0], 'fps=30000/1001:eof_action=pass');
    assert.equal(at('60000/1001').gop, '30');
    assert.equal(at('50/1').videoFilters?.[0], 'fps=25/1:eof_action=pass');
  });

  test('an interlaced anamorphic DVD is deinterlaced first, then scaled to square pixels', () => {
    const { videoFilters } = args(
      probedFilm({ width: 720, height: 480, pixelAspect: 32 / 27, fieldOrder: 'top-first' }),
    );
    assert.deepEqual(videoFilters, [
      'bwdif=mode=send_frame:parity=tff:deint=all',
      'fps=24000/1001:eof_action=pass',
      'scale=854:480',
      'setsar=1',
      'format=yuv420p',
    ]);
  });

  test('a source of unknown field order is deinterlaced only where its frames say interlaced', () => {
    const { videoFilters } = args(probedFilm({ fieldOrder: 'unknown' }));
    assert.equal(videoFilters?.[0], 'bwdif=mode=send_frame:parity=auto:deint=interlaced');
  });

  test('HDR is tone-mapped after scaling (fewer pixels), and the output is 8-bit BT.709', () => {
    const { videoFilters } = args(probedFilm({ hdr: 'arib-std-b67', width: 3840, height: 2160 }));
    assert.deepEqual(videoFilters, [
      'fps=24000/1001:eof_action=pass',
      'scale=1280:720',
      'zscale=transferin=arib-std-b67:primariesin=bt2020:matrixin=bt2020nc:transfer=linear:npl=100',
      'format=gbrpf32le',
      'zscale=primaries=bt709',
      'tonemap=tonemap=hable:desat=0',
      'zscale=transfer=bt709:matrix=bt709:range=tv',
      'setsar=1',
      'format=yuv420p',
    ]);
  });

  test('5.1 and 7.1 are downmixed with the centre first; stereo is not remixed', () => {
    for (const channels of [6, 8]) {
      const { audioFilters } = args(probedFilm({}, { audioChannels: channels }));
      assert.match(
        audioFilters ?? '',
        /^pan=stereo\|FL<1\.0\*FC\+0\.6\*FL.*\|FR<1\.0\*FC\+0\.6\*FR.*,aresample=/,
      );
    }
    assert.equal(args(probedFilm()).audioFilters, 'aresample=async=1:first_pts=0');
  });

  test('AUDIO_NORMALIZE adds the loudness leveller after the downmix', () => {
    const encoding = streamEncoding('720p30', undefined, { normalizeAudio: true });
    const filters =
      args(probedFilm({}, { audioChannels: 6 }), 'transcode', encoding).audioFilters?.split(',') ?? [];
    assert.ok(filters[0]?.startsWith('pan=stereo'));
    assert.ok(filters.at(-2)?.startsWith('dynaudnorm='));
  });

  test('copy mode passes the picture through without any video filter', () => {
    const { argv, videoFilters } = args(probedFilm(), 'copy');
    assert.equal(videoFilters, undefined);
    assert.equal(argv[argv.indexOf('-c:v') + 1], 'copy');
  });
});
