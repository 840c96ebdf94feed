// Which tracks an entry plays when nobody picks, when settings name languages (in either ISO 639
// form), and when a member picks; what a member may type for a track; and the worker's ffmpeg graph
// for picture subtitles (no file here has them: ffmpeg cannot make PGS, VobSub or DVB from text).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonicalLanguage, languageCodeSchema } from '../../src/language-code.ts';
import type { MediaTrack } from '../../src/watchparty/media-library.ts';
import {
  automaticTracks,
  noTrackDefaults,
  parseTrackRequest,
  resolveTracks,
  SUBTITLES_OFF,
  trackSelection,
} from '../../src/watchparty/tracks.ts';
import { pictureGraph } from '../../src/worker/media/track-choice.ts';
import { fakeAudioTracks, fakeSubtitleTracks } from '../support/fake-media-library.ts';

const film = { audioTracks: fakeAudioTracks, subtitleTracks: fakeSubtitleTracks };
const indexes = (resolved: ReturnType<typeof resolveTracks>) => [
  resolved.audio?.index ?? null,
  resolved.subtitle?.index ?? null,
];

describe('choosing tracks', () => {
  test('ISO 639-1 and both 639-2 forms name one language; other text is refused', () => {
    assert.equal(canonicalLanguage('ja'), canonicalLanguage('jpn'));
    assert.equal(canonicalLanguage('fre'), canonicalLanguage('fra'));
    assert.equal(canonicalLanguage('ger'), 'de');
    for (const bad of ['und', 'xyz', 'english', '', null])
      assert.equal(canonicalLanguage(bad), null, `${bad}`);
    assert.equal(languageCodeSchema.parse(' JPN '), 'ja');
    assert.throws(() => languageCodeSchema.parse('klingon'), /ISO 639 language code such as ja or jpn/);
  });

  test('without settings: the file’s default audio, and forced subtitles in its language', () => {
    // English audio is the file's default; the English "Signs" track is forced.
    assert.deepEqual(indexes(resolveTracks(film, automaticTracks, noTrackDefaults)), [1, 4]);
  });

  test('settings’ languages (read as 639-1) pick the file’s tracks (tagged 639-2)', () => {
    const defaults = { audioLanguage: languageCodeSchema.parse('jpn'), subtitleLanguage: 'en' };
    assert.deepEqual(indexes(resolveTracks(film, automaticTracks, defaults)), [2, 3]);
    // The audio already speaks the subtitle language: only forced subtitles, as without settings.
    const english = { audioLanguage: 'en', subtitleLanguage: 'en' };
    assert.deepEqual(indexes(resolveTracks(film, automaticTracks, english)), [1, 4]);
    // A language the file lacks falls back to the file's default.
    const german = { audioLanguage: 'de', subtitleLanguage: null };
    assert.deepEqual(indexes(resolveTracks(film, automaticTracks, german)), [1, 4]);
  });

  test('a member’s choice wins over every default; off means no subtitles', () => {
    const defaults = { audioLanguage: 'ja', subtitleLanguage: 'en' };
    const chosen = { audioStreamIndex: 1, subtitleStreamIndex: 6 };
    assert.deepEqual(indexes(resolveTracks(film, chosen, defaults)), [1, 6]);
    const off = { audioStreamIndex: null, subtitleStreamIndex: SUBTITLES_OFF };
    assert.deepEqual(indexes(resolveTracks(film, off, defaults)), [2, null]);
  });

  test('what a member may type: a suggested index, a language code, or off', () => {
    assert.equal(parseTrackRequest('2', fakeAudioTracks, 'audio'), 2);
    assert.equal(parseTrackRequest('jpn', fakeAudioTracks, 'audio'), 2);
    assert.equal(parseTrackRequest('ja', fakeAudioTracks, 'audio'), 2);
    assert.equal(parseTrackRequest('en', fakeSubtitleTracks, 'subtitles'), 3, 'full subtitles before forced');
    assert.equal(parseTrackRequest('Off', fakeSubtitleTracks, 'subtitles'), SUBTITLES_OFF);
    assert.throws(
      () => parseTrackRequest('off', fakeAudioTracks, 'audio'),
      /This item has no audio track "off"\. Pick one from the suggestions: English · AAC stereo · default; Japanese/,
    );
    assert.throws(() => parseTrackRequest('9', fakeSubtitleTracks, 'subtitles'), /no subtitle track "9"/);
  });

  test('the worker gets text subtitles as their delivered file, picture ones by stream', () => {
    const pgs = fakeSubtitleTracks.find((track) => track.codec === 'hdmv_pgs_subtitle') as MediaTrack;
    assert.deepEqual(trackSelection({ audio: fakeAudioTracks[1]!, subtitle: pgs }), {
      audioStreamIndex: 2,
      subtitle: { format: 'image', streamIndex: 5 },
    });
    assert.deepEqual(trackSelection({ audio: null, subtitle: fakeSubtitleTracks[0]! }).subtitle, {
      format: 'text',
      streamIndex: 3,
      url: 'http://127.0.0.1:8096/Videos/x/x/Subtitles/3/Stream.srt',
    });
  });

  test('picture subtitles are overlaid at the output size before the final format steps', () => {
    const graph = pictureGraph(
      0,
      ['fps=24', 'scale=1280:720'],
      ['setsar=1', 'format=yuv420p'],
      {
        format: 'image',
        streamIndex: 5,
      },
      { width: 1280, height: 720, startSeconds: 90 },
    );
    assert.deepEqual(graph, {
      filterArgs: [
        '-filter_complex',
        '[0:0]fps=24,scale=1280:720[picture];[0:5]scale=1280:720[subtitles];' +
          '[picture][subtitles]overlay=eof_action=pass,setsar=1,format=yuv420p[video]',
      ],
      videoMap: '[video]',
    });
  });
});
