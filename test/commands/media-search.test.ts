// The deadline autocomplete runs its searches under: past it, the work underneath is told to stop.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SearchDeadlineError, withDeadline } from '../../src/commands/media-search.ts';

test('work that outlives its deadline is aborted with SearchDeadlineError, and the caller gets it', async () => {
  let seen: unknown = null;
  const stalled = (signal: AbortSignal) =>
    new Promise<never>((_, reject) => {
      signal.addEventListener('abort', () => {
        seen = signal.reason;
        reject(signal.reason);
      });
    });
  await assert.rejects(withDeadline(stalled, 10), SearchDeadlineError);
  assert.ok(seen instanceof SearchDeadlineError, 'the work saw the abort');
});

test('work that answers in time is not aborted', async () => {
  let signal: AbortSignal | null = null;
  const answer = await withDeadline(async (given) => {
    signal = given;
    return 'hits';
  }, 1_000);
  assert.equal(answer, 'hits');
  assert.equal((signal as AbortSignal | null)?.aborted, false);
});
