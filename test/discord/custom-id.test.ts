// Custom ids round-trip their typed data, stay within Discord's 100 characters, and anything foreign,
// stale or tampered decodes to null instead of being misread.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type CustomIdData,
  decodeCustomId,
  encodeCustomId,
  panelActions,
} from '../../src/interactions/custom-id.ts';

describe('custom ids', () => {
  test('every kind of id decodes back to the data it was built from', () => {
    const all: CustomIdData[] = [
      ...panelActions.map((action) => ({ kind: 'panel' as const, action, sessionId: 42 })),
      { kind: 'list', sessionId: 42, page: 0 },
      { kind: 'list', sessionId: Number.MAX_SAFE_INTEGER, page: 7 },
      { kind: 'seek-modal', sessionId: 1 },
    ];
    for (const data of all) {
      const id = encodeCustomId(data);
      assert.ok(id.length <= 100, id);
      assert.deepEqual(decodeCustomId(id), data);
    }
  });

  test('foreign, stale and tampered ids decode to null', () => {
    for (const id of [
      '',
      'join:Alien',
      'wp0:pause:1',
      'wp1:explode:1',
      'wp1:pause',
      'wp1:pause:0',
      'wp1:pause:-1',
      'wp1:pause:1.5',
      'wp1:pause:01',
      'wp1:pause:99999999999999999',
      'wp1:pause:1:2',
      'wp1:list:1',
      'wp1:list:1:x',
      'wp1:seek-modal:1:0',
      `wp1:pause:${'1'.repeat(120)}`,
    ]) {
      assert.equal(decodeCustomId(id), null, id);
    }
  });
});
