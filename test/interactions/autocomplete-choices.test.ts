// Discord's rules for autocomplete answers: one-line names of at most 100 characters, cut without
// splitting a character, and the one explanatory choice a failure is answered with.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { explanatoryChoice, noMatchValue, truncate } from '../../src/interactions/autocomplete-choices.ts';

test('truncation never splits a character outside the basic plane', () => {
  const cut = truncate('😀'.repeat(80), 100);
  assert.ok(cut.length <= 100);
  assert.ok(cut.endsWith('😀…'));
});

test('an explanation becomes one choice on one line within 100 characters', () => {
  const [choice, ...rest] = explanatoryChoice(`Nothing\nmatches ${'x'.repeat(200)}`);
  assert.equal(rest.length, 0);
  assert.equal(choice?.value, noMatchValue);
  assert.ok(choice && choice.name.length <= 100 && !choice.name.includes('\n'), choice?.name);
  assert.ok(choice?.name.startsWith('Nothing matches x') && choice.name.endsWith('…'));
});
