// The tracks a playing entry may switch to are saved as facts and worded when shown: a menu for a
// German server reads German, the API reads English. An entry saved before facts were kept shows
// the English label it was saved with.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MediaTrack } from '../../src/watchparty/media-library.ts';
import { readTrackOffer, trackOffer, trackOptionLabel } from '../../src/watchparty/tracks.ts';

const track = (index: number, facts: Partial<MediaTrack>): MediaTrack => ({
  index,
  codec: null,
  language: null,
  title: null,
  channels: null,
  isDefault: false,
  isForced: false,
  isText: true,
  isExternal: false,
  deliveryUrl: null,
  ...facts,
});

test('a saved offer keeps facts, no delivery address, and words them in each language', () => {
  const audio = track(1, { codec: 'aac', language: 'eng', channels: 6, isDefault: true, isText: false });
  const subtitle = track(3, {
    codec: 'mov_text',
    language: 'jpn',
    isExternal: true,
    deliveryUrl: 'http://jellyfin:8096/Videos/x/Subtitles/3/Stream.srt',
  });
  const saved = JSON.stringify(
    trackOffer({ audioTracks: [audio], subtitleTracks: [subtitle] }, { audio, subtitle }),
  );
  assert.doesNotMatch(saved, /jellyfin:8096|Stream\.srt/);
  const offer = readTrackOffer(saved);
  assert.ok(offer);
  assert.equal(offer.audio[0]?.label, 'English · AAC 5.1 · default');
  assert.equal(trackOptionLabel(offer.audio[0]!, 'audio', 'de'), 'Englisch · AAC 5.1 · Standard');
  assert.equal(trackOptionLabel(offer.audio[0]!, 'audio', 'ja'), '英語 · AAC 5.1ch · 既定');
  assert.equal(offer.subtitles[0]?.label, 'Japanese · Timed text · external file');
  assert.equal(
    trackOptionLabel(offer.subtitles[0]!, 'subtitles', 'fr'),
    'japonais · Texte synchronisé · fichier externe',
  );
  assert.equal(offer.playingSubtitle, 3);
});

test('an offer saved with labels only shows them as saved', () => {
  const old = JSON.stringify({
    audio: [{ index: 1, label: 'English · AAC stereo' }],
    subtitles: [],
    playingAudio: 1,
    playingSubtitle: null,
  });
  const offer = readTrackOffer(old);
  assert.deepEqual(offer?.audio, [{ index: 1, label: 'English · AAC stereo', facts: null }]);
  assert.equal(trackOptionLabel(offer!.audio[0]!, 'audio', 'ja'), 'English · AAC stereo');
});
