// How catalog hits are named in Discord's suggestions: episodes with their series and code, and
// long names cut to Discord's 100 characters without losing what identifies the item.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { choiceName } from '../../src/commands/choice-name.ts';
import { maxChoiceLength } from '../../src/interactions/autocomplete-choices.ts';

test('episodes read Show · SxxEyy · Title (year)', () => {
  const name = choiceName({
    type: 'episode',
    title: 'Code Blue',
    year: 2022,
    seriesName: 'Nightshift Diaries',
    seasonNumber: 2,
    episodeNumber: 2,
    episodeCount: null,
  });
  assert.equal(name, 'Nightshift Diaries · S02E02 · Code Blue (2022)');
});

test('long names stay within 100 characters and keep series, code and year', () => {
  const name = choiceName({
    type: 'episode',
    title: 'T'.repeat(150),
    year: 2020,
    seriesName: 'S'.repeat(120),
    seasonNumber: 12,
    episodeNumber: 105,
    episodeCount: null,
  });
  assert.ok(name.length <= maxChoiceLength, `${name.length}`);
  assert.match(name, /^S+… · S12E105 · T+… \(2020\)$/);
});
