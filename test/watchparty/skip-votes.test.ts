// Vote skip's count: more than half of the people in the voice channel, within 30 s of the first
// vote, for the item that plays; people who left no longer count.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SkipVotes, voteWindowMs } from '../../src/watchparty/skip-votes.ts';

const room = ['ann', 'bea', 'cal', 'dee'];

test('a majority of the people in the channel skips; a repeated vote counts once', () => {
  const votes = new SkipVotes(() => 0);
  assert.deepEqual(votes.cast(1, 10, 'ann', room), {
    votes: 1,
    needed: 3,
    listeners: 4,
    passed: false,
    repeated: false,
  });
  assert.equal(votes.cast(1, 10, 'ann', room).repeated, true);
  assert.equal(votes.cast(1, 10, 'bea', room).passed, false, 'two of four is not a majority');
  assert.equal(votes.cast(1, 10, 'cal', room).passed, true);
  assert.equal(votes.cast(1, 10, 'dee', room).votes, 1, 'a passed vote closes; the next one starts afresh');
});

test('the vote expires 30 s after it opened, and a new item starts a new vote', () => {
  let nowMs = 0;
  const votes = new SkipVotes(() => nowMs);
  votes.cast(1, 10, 'ann', room);
  votes.cast(1, 10, 'bea', room);
  nowMs = voteWindowMs + 1;
  const late = votes.cast(1, 10, 'cal', room);
  assert.deepEqual([late.votes, late.passed], [1, false], 'the first two votes expired');
  const otherItem = votes.cast(1, 11, 'ann', room);
  assert.equal(otherItem.votes, 1, 'votes are for one item');
});

test('people who left the channel no longer count, and the bar follows who is there', () => {
  const votes = new SkipVotes(() => 0);
  votes.cast(1, 10, 'ann', room);
  const afterAnnLeft = votes.cast(1, 10, 'bea', ['bea', 'cal']);
  assert.deepEqual([afterAnnLeft.votes, afterAnnLeft.needed, afterAnnLeft.passed], [1, 2, false]);
  assert.equal(votes.cast(1, 10, 'cal', ['bea', 'cal']).passed, true);
});
