// Every language has every text: the same keys as English (none missing, none extra), each a
// non-empty text that takes the same parameters, and counts read by each language's plural rules.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { firstSpokenLocale, localeOf, locales } from '../../src/i18n/locales.ts';
import { catalogs, phrase, render, t } from '../../src/i18n/translate.ts';

/** A value for every parameter any text takes; each text uses only the ones it names. */
const sampleParams = {
  action: 'pause',
  asked: '3:00:00',
  at: '1:02:03',
  channel: 'Movie night',
  channelId: '123456789012345678',
  count: 2,
  detail: 'JELLYFIN_API_KEY is refused',
  done: 2,
  encoder: 'libx264',
  episodes: 10,
  epoch: 3,
  fps: 24,
  guild: 'Film club',
  help: 'x',
  id: 7,
  kbps: 2000,
  left: '12:00',
  label: 'Japanese',
  layout: '5.1',
  length: '1:35:00',
  line: 'a line',
  listeners: 3,
  max: 100,
  minutes: 5,
  more: 3,
  name: 'foo',
  names: 'alice, bob',
  needed: 3,
  next: 'Next title',
  number: 4,
  offered: 'English; Japanese',
  option: 'media',
  ownerId: '223456789012345678',
  page: 1,
  pages: 2,
  playback: 'playing',
  reason: 'Because.',
  roleId: '323456789012345678',
  season: 2,
  seconds: 90,
  status: 'playing',
  timestamp: 1_700_000_000,
  title: 'Night of the Comet',
  total: 8,
  track: 'Japanese',
  typed: 'soon',
  votes: 1,
  who: '<@423456789012345678>',
  worker: 'running',
};

describe('the catalogs', () => {
  const english = Object.keys(catalogs.en).sort();

  for (const locale of locales) {
    test(`${locale} has exactly the English keys, each a non-empty text`, () => {
      const catalog = catalogs[locale] as Record<string, string | ((params: object) => string)>;
      assert.deepEqual(Object.keys(catalog).sort(), english);
      for (const [key, message] of Object.entries(catalog)) {
        const text = typeof message === 'string' ? message : message(sampleParams);
        assert.ok(text.trim().length > 0, `${locale} ${key} is empty`);
        assert.doesNotMatch(text, /undefined|\[object Object\]/, `${locale} ${key} misses a parameter`);
      }
    });
  }

  test('every language but English words its texts itself', () => {
    for (const locale of locales.filter((locale) => locale !== 'en')) {
      assert.notEqual(t(locale, 'reply.paused'), t('en', 'reply.paused'), locale);
      assert.notEqual(t(locale, 'failure.streamers_busy'), t('en', 'failure.streamers_busy'), locale);
    }
  });

  test('counts follow each language’s plural rules', () => {
    assert.equal(t('en', 'reply.cleared', { count: 1 }), 'Cleared 1 item from the queue.');
    assert.equal(t('en', 'reply.cleared', { count: 3 }), 'Cleared 3 items from the queue.');
    assert.equal(t('de', 'reply.cleared', { count: 1 }), '1 Eintrag aus der Warteschlange entfernt.');
    assert.equal(t('de', 'reply.cleared', { count: 2 }), '2 Einträge aus der Warteschlange entfernt.');
    // French counts 0 and 1 alike; Portuguese (Brazil) does too.
    assert.equal(t('fr', 'reply.cleared', { count: 0 }), '0 élément retiré de la file.');
    assert.equal(t('fr', 'reply.cleared', { count: 2 }), '2 éléments retirés de la file.');
    assert.equal(t('pt-BR', 'reply.cleared', { count: 1 }), '1 item removido da fila.');
    assert.equal(t('ja', 'reply.cleared', { count: 2 }), 'キューから 2 件を削除しました。');
  });

  test('a phrase inside a phrase is worded in the same language', () => {
    const refusal = phrase('refusal.controllersOnly', { action: phrase('action.skip'), ownerId: '42' });
    assert.equal(
      render('en', refusal),
      "Only the party's owner <@42> or members with Manage Channels can skip in this party.",
    );
    assert.match(render('de', refusal), /dürfen hier überspringen\./);
    assert.match(render('ja', refusal), /このパーティーでスキップできるのは/);
  });

  test('Discord locales map onto the languages the bot speaks; the rest read English', () => {
    assert.equal(localeOf('de'), 'de');
    assert.equal(localeOf('es-ES'), 'es');
    assert.equal(localeOf('es-419'), 'es');
    assert.equal(localeOf('pt-BR'), 'pt-BR');
    assert.equal(localeOf('ja'), 'ja');
    assert.equal(localeOf('en-GB'), 'en');
    assert.equal(localeOf('ko'), 'en');
    assert.equal(localeOf(undefined), 'en');
  });

  test('a browser reads the first of its languages the bot speaks, English when none', () => {
    assert.equal(firstSpokenLocale(['ko-KR', 'ja', 'de']), 'ja');
    assert.equal(firstSpokenLocale(['pt-PT', 'en']), 'pt-BR');
    assert.equal(firstSpokenLocale(['en-US', 'de']), 'en');
    assert.equal(firstSpokenLocale(['ko', 'zh-CN']), 'en');
    assert.equal(firstSpokenLocale([]), 'en');
  });
});
