import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatDuration } from '../../src/watchparty/duration-text.ts';
import { WatchPartyError } from '../../src/watchparty/errors.ts';
import { parseSeekTime, resolveSeekTarget } from '../../src/watchparty/seek-time.ts';

describe('parseSeekTime', () => {
  const cases: Array<[string, ReturnType<typeof parseSeekTime>]> = [
    ['1:23:45', { kind: 'absolute', seconds: 5025 }],
    ['83:45', { kind: 'absolute', seconds: 5025 }],
    ['0:05', { kind: 'absolute', seconds: 5 }],
    ['90', { kind: 'absolute', seconds: 90 }],
    ['+30', { kind: 'relative', seconds: 30 }],
    ['-10', { kind: 'relative', seconds: -10 }],
    ['+1:30', { kind: 'relative', seconds: 90 }],
    ['1h2m', { kind: 'absolute', seconds: 3720 }],
    ['1h2m3s', { kind: 'absolute', seconds: 3723 }],
    ['45s', { kind: 'absolute', seconds: 45 }],
    ['2m', { kind: 'absolute', seconds: 120 }],
    [' 1H 2M ', { kind: 'absolute', seconds: 3720 }],
    ['-1m', { kind: 'relative', seconds: -60 }],
  ];
  for (const [text, expected] of cases) {
    test(`reads "${text}"`, () => assert.deepEqual(parseSeekTime(text), expected));
  }

  for (const text of [
    '',
    'abc',
    '1:2:3:4',
    '1:60',
    '1:61:00',
    '+',
    '--5',
    '1.5',
    '1h2x',
    'h',
    '12:3a',
    ':30',
  ]) {
    test(`refuses "${text}"`, () => assert.equal(parseSeekTime(text), null));
  }
});

describe('resolveSeekTarget', () => {
  const film = { positionSeconds: 600, durationSeconds: 5400, title: 'Arrival' };

  test('absolute and relative targets land where the user meant', () => {
    assert.equal(resolveSeekTarget('1:00:00', film), 3600);
    assert.equal(resolveSeekTarget('+30', film), 630);
    assert.equal(resolveSeekTarget('-10', film), 590);
  });

  test('a jump back past the start lands on 0', () => {
    assert.equal(resolveSeekTarget('-1h', film), 0);
  });

  test('a target past the end names the length and the formats', () => {
    assert.throws(
      () => resolveSeekTarget('2h', film),
      (error: unknown) =>
        error instanceof WatchPartyError &&
        error.code === 'bad_request' &&
        error.field === 'position' &&
        error.message.includes('"Arrival" is 1:30:00 long') &&
        error.message.includes('1:23:45'),
    );
  });

  test('a malformed time names the accepted formats', () => {
    assert.throws(
      () => resolveSeekTarget('soon', film),
      (error: unknown) =>
        error instanceof WatchPartyError &&
        error.code === 'bad_request' &&
        /"soon" is not a time/.test(error.message) &&
        error.message.includes('+30'),
    );
  });

  test('a number is a position in seconds; a negative or non-finite one is refused as no position', () => {
    assert.equal(resolveSeekTarget(0.0001, film), 0.0001);
    for (const seconds of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(
        () => resolveSeekTarget(seconds, { ...film, durationSeconds: null }),
        (error: unknown) =>
          error instanceof WatchPartyError &&
          error.field === 'position' &&
          error.message.startsWith(`${seconds} is not a position: give a number of seconds`),
        String(seconds),
      );
    }
  });

  test('without a known length any target is accepted', () => {
    assert.equal(resolveSeekTarget('10h', { ...film, durationSeconds: null }), 36_000);
  });
});

test('formatDuration reads like a clock', () => {
  assert.equal(formatDuration(5), '0:05');
  assert.equal(formatDuration(754), '12:34');
  assert.equal(formatDuration(3723), '1:02:03');
});
