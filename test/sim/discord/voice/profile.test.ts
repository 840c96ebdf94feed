// The simulator's two profiles: `discord` records only what Discord would refuse; `orb-transport`
// also records where our transport breaks a promise of its own (profile.ts lists those rules).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DivergenceLog } from '../../../../sim/discord/voice/divergences.ts';

function recordBoth(log: DivergenceLog): string[] {
  log.record('stream:codecs', 'SELECT_PROTOCOL without codecs');
  log.record('stream:nonce', 'transport nonce 3 does not increase');
  return log.list;
}

test('the discord profile ignores our transport-only rules but keeps what Discord refuses', () => {
  assert.deepEqual(recordBoth(new DivergenceLog('discord')), [
    'stream:nonce: transport nonce 3 does not increase',
  ]);
});

test('the orb-transport profile records both', () => {
  assert.deepEqual(recordBoth(new DivergenceLog('orb-transport')), [
    'stream:codecs: SELECT_PROTOCOL without codecs',
    'stream:nonce: transport nonce 3 does not increase',
  ]);
});
