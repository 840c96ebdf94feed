// The recovery budget both the worker supervisor and the Go Live transport give up by.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RecoveryBudget } from '../../src/recovery-budget.ts';

describe('RecoveryBudget', () => {
  test('allows the stated number of recoveries within the window and refuses the next', () => {
    const budget = new RecoveryBudget({ allowed: 2, windowMs: 1_000 });
    assert.deepEqual(budget.spend(0), { attempt: 1, exhausted: false });
    assert.deepEqual(budget.spend(100), { attempt: 2, exhausted: false });
    assert.deepEqual(budget.spend(200), { attempt: 3, exhausted: true });
  });

  test('recoveries older than the window no longer count', () => {
    const budget = new RecoveryBudget({ allowed: 1, windowMs: 1_000 });
    budget.spend(0);
    assert.deepEqual(budget.spend(999), { attempt: 2, exhausted: true });
    // At 1 000 ms the first one has left the window; the one at 999 ms has not.
    assert.deepEqual(budget.spend(1_000), { attempt: 2, exhausted: true });
    assert.deepEqual(budget.spend(2_500), { attempt: 1, exhausted: false });
  });

  test('a budget of none refuses the first recovery', () => {
    assert.deepEqual(new RecoveryBudget({ allowed: 0, windowMs: 1 }).spend(5), {
      attempt: 1,
      exhausted: true,
    });
  });

  test('nonsensical limits are refused with a clear error', () => {
    assert.throws(() => new RecoveryBudget({ allowed: -1, windowMs: 1_000 }), /whole number of recoveries/);
    assert.throws(() => new RecoveryBudget({ allowed: 1.5, windowMs: 1_000 }), /whole number of recoveries/);
    assert.throws(() => new RecoveryBudget({ allowed: 3, windowMs: 0 }), /window longer than 0 ms/);
    assert.throws(() => new RecoveryBudget({ allowed: 3, windowMs: Number.NaN }), /window longer than 0 ms/);
  });
});
