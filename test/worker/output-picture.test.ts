// The picture the worker sends: a film keeps its own frame rate (or a whole-number fraction of it),
// pixels become square at the size op 12 announces, and what cannot be copied says why.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  announcedFrameRate,
  outputFrameRate,
  parseFrameRate,
  sourceFrameRate,
} from '../../src/worker/media/frame-rate.ts';
import {
  announcedVideo,
  type PictureFacts,
  pictureCopyBlocker,
  planPicture,
} from '../../src/worker/media/output-picture.ts';
import { streamEncoding } from '../../src/worker/media/stream-encoding.ts';

const profile30 = streamEncoding('720p30');
const profile60 = streamEncoding('1080p60');

function rate(text: string) {
  return sourceFrameRate(parseFrameRate(text), parseFrameRate(text));
}

function facts(overrides: Partial<PictureFacts> = {}): PictureFacts {
  return {
    codec: 'h264',
    width: 640,
    height: 360,
    pixelAspect: 1,
    frameRate: rate('24000/1001'),
    fieldOrder: 'progressive',
    hdr: null,
    ...overrides,
  };
}

describe('the output frame rate', () => {
  const cases: [source: string, profile: number, expected: string][] = [
    ['24000/1001', 30, '24000/1001'],
    ['24/1', 30, '24/1'],
    ['25/1', 30, '25/1'],
    ['30000/1001', 30, '30000/1001'],
    ['30/1', 30, '30/1'],
    ['60000/1001', 30, '30000/1001'],
    ['50/1', 30, '25/1'],
    ['120/1', 30, '30/1'],
    ['60000/1001', 60, '60000/1001'],
    ['50/1', 60, '50/1'],
  ];
  for (const [source, maxFps, expected] of cases) {
    test(`${source} under a ${maxFps} fps maximum is sent at ${expected}`, () => {
      const output = outputFrameRate(parseFrameRate(source)!, maxFps);
      assert.equal(`${output.num}/${output.den}`, expected);
    });
  }

  test('a variable-rate source becomes the standard rate nearest its average', () => {
    // A film in a container whose timestamps step at 1 ms: base rate 1000, average 23.98.
    assert.deepEqual(sourceFrameRate(parseFrameRate('1000/1'), parseFrameRate('2997/125')), {
      rate: { num: 24_000, den: 1001 },
      variable: true,
    });
    // A phone recording averaging 29.3 fps keeps that average.
    assert.deepEqual(sourceFrameRate(parseFrameRate('30/1'), parseFrameRate('293/10')), {
      rate: { num: 293, den: 10 },
      variable: true,
    });
  });

  test('a container that rounds its average a little is still constant-rate', () => {
    assert.deepEqual(sourceFrameRate(parseFrameRate('24000/1001'), parseFrameRate('1439/60')), {
      rate: { num: 24_000, den: 1001 },
      variable: false,
    });
  });

  test('rates ffprobe cannot state are unknown', () => {
    assert.equal(parseFrameRate('0/0'), null);
    assert.equal(sourceFrameRate(null, null), null);
  });

  test('op 12 announces a whole number that is never below the real rate', () => {
    assert.equal(announcedFrameRate({ num: 24_000, den: 1001 }), 24);
    assert.equal(announcedFrameRate({ num: 30_000, den: 1001 }), 30);
    assert.equal(announcedFrameRate({ num: 25, den: 1 }), 25);
  });
});

describe('the output picture', () => {
  test('an anamorphic DVD frame (720x480, 32:27) becomes square pixels at 854x480, and op 12 says so', () => {
    const anamorphic = facts({
      width: 720,
      height: 480,
      pixelAspect: 32 / 27,
      frameRate: rate('30000/1001'),
    });
    const picture = planPicture(anamorphic, profile30);
    assert.deepEqual([picture.width, picture.height], [854, 480]);
    assert.deepEqual(announcedVideo(anamorphic, 'transcode', profile30), {
      width: 854,
      height: 480,
      fps: 30,
      maxBitrateKbps: profile30.bitrateKbps,
    });
  });

  test('a 4:3 DVD frame (720x480, 8:9) becomes 640x480', () => {
    const picture = planPicture(facts({ width: 720, height: 480, pixelAspect: 8 / 9 }), profile30);
    assert.deepEqual([picture.width, picture.height], [640, 480]);
  });

  test('large pictures fit the profile box with even sides and are never upscaled', () => {
    const scope = planPicture(facts({ width: 1920, height: 800 }), profile30);
    assert.deepEqual([scope.width, scope.height], [1280, 534]);
    const full = planPicture(facts({ width: 3840, height: 2160 }), profile30);
    assert.deepEqual([full.width, full.height], [1280, 720]);
    const small = planPicture(facts({ width: 320, height: 240 }), profile30);
    assert.deepEqual([small.width, small.height], [320, 240]);
  });

  test('a picture whose size the probe could not read fills the profile box, as announced', () => {
    const unsized = facts({ width: 0, height: 0 });
    const picture = planPicture(unsized, profile30);
    assert.deepEqual([picture.width, picture.height], [1280, 720]);
    assert.equal(announcedVideo(unsized, 'transcode', profile30).width, 1280);
    assert.equal(pictureCopyBlocker(unsized, profile30), 'unknown picture size');
  });

  test('a 23.976 film is announced and sent at its own rate', () => {
    const film = facts();
    assert.deepEqual(planPicture(film, profile30).frameRate, { num: 24_000, den: 1001 });
    assert.equal(announcedVideo(film, 'transcode', profile30).fps, 24);
    assert.equal(announcedVideo(film, 'copy', profile30).fps, 24);
  });

  test('interlaced sources are deinterlaced in their field order; an unknown order only where flagged', () => {
    assert.deepEqual(planPicture(facts({ fieldOrder: 'top-first' }), profile30).deinterlace, {
      parity: 'tff',
      frames: 'all',
    });
    assert.deepEqual(planPicture(facts({ fieldOrder: 'bottom-first' }), profile30).deinterlace, {
      parity: 'bff',
      frames: 'all',
    });
    assert.deepEqual(planPicture(facts({ fieldOrder: 'unknown' }), profile30).deinterlace, {
      parity: 'auto',
      frames: 'interlaced',
    });
    assert.equal(planPicture(facts(), profile30).deinterlace, null);
  });

  test('HDR10 and HLG are tone-mapped, SDR is left alone', () => {
    assert.equal(planPicture(facts({ hdr: 'smpte2084' }), profile30).toneMap, 'smpte2084');
    assert.equal(planPicture(facts({ hdr: 'arib-std-b67' }), profile30).toneMap, 'arib-std-b67');
    assert.equal(planPicture(facts(), profile30).toneMap, null);
  });
});

describe('copying the picture', () => {
  test('a progressive, square-pixel, SDR film at its own rate within the profile is copied', () => {
    assert.equal(pictureCopyBlocker(facts(), profile30), null);
    assert.equal(pictureCopyBlocker(facts({ frameRate: rate('25/1') }), profile30), null);
    assert.equal(pictureCopyBlocker(facts({ frameRate: rate('60000/1001') }), profile60), null);
  });

  test('anything that needs a filter is transcoded, with the reason', () => {
    assert.equal(pictureCopyBlocker(facts({ fieldOrder: 'top-first' }), profile30), 'interlaced');
    assert.equal(pictureCopyBlocker(facts({ hdr: 'smpte2084' }), profile30), 'HDR (smpte2084)');
    assert.match(pictureCopyBlocker(facts({ pixelAspect: 32 / 27 }), profile30) ?? '', /^non-square pixels/);
    assert.equal(pictureCopyBlocker(facts({ frameRate: rate('60000/1001') }), profile30), 'frame rate 59.94');
    assert.equal(
      pictureCopyBlocker(
        facts({ frameRate: sourceFrameRate(parseFrameRate('1000/1'), parseFrameRate('2997/125')) }),
        profile30,
      ),
      'variable frame rate',
    );
    assert.equal(
      pictureCopyBlocker(facts({ width: 1920, height: 1080 }), profile30),
      'resolution 1920x1080 above 1280x720',
    );
  });
});
