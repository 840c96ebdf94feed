import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideOnClose } from '../../../src/worker/golive/close-codes.ts';

test('network drops and a crashed voice server are resumed', () => {
  for (const code of [1000, 1001, 1005, 1006, 4015])
    assert.deepEqual(decideOnClose(code, false), { action: 'resume' });
});

test('a socket we closed ourselves is never resumed (no phantom resume)', () => {
  for (const code of [1000, 1005, 1006]) assert.equal(decideOnClose(code, true).action, 'disconnected');
});

test('a spent session means a fresh connection', () => {
  assert.equal(decideOnClose(4006, false).action, 'reconnect');
  assert.equal(decideOnClose(4009, false).action, 'reconnect');
});

test('4014 is never reconnected by the socket itself', () => {
  assert.equal(decideOnClose(4014, false).action, 'disconnected');
});

test('refusals and protocol errors are fatal with a reason a person can act on', () => {
  const dave = decideOnClose(4017, false);
  assert.equal(dave.action, 'fatal');
  assert.match('reason' in dave ? dave.reason : '', /DAVE/);
  for (const code of [4001, 4002, 4003, 4004, 4005, 4011, 4012, 4016, 4020, 4021, 4022]) {
    assert.equal(decideOnClose(code, false).action, 'fatal', String(code));
  }
});

test('an unknown 4xxx code asks for a fresh connection', () => {
  assert.deepEqual(decideOnClose(4999, false), { action: 'reconnect', reason: 'unknown close code 4999' });
});
