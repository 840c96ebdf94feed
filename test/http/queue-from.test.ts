// The JSON API's `from` on queueing: where an item starts, checked like every other field.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ApiServer } from '../../src/http/api.ts';
import { apiAuth, createApiSession, startApi } from '../support/api-harness.ts';
import { createWatchPartyHarness, type WatchPartyHarness, waitForSession } from '../support/watch-party.ts';

describe('JSON API: where a queued item starts', () => {
  let harness: WatchPartyHarness;
  let api: ApiServer;

  before(async () => {
    harness = await createWatchPartyHarness();
    ({ api } = await startApi(harness));
  });
  after(async () => {
    await api.close();
    await harness.cleanup();
  });

  test('`from` in seconds reaches the worker; past the end, or a word it does not know, is a 400', async () => {
    const id = await createApiSession(api);
    const queue = (payload: Record<string, unknown>) =>
      api.inject({ method: 'POST', url: `/api/sessions/${id}/queue`, headers: apiAuth, payload });

    const tooFar = await queue({ itemId: 'movie-1', from: 999_999 });
    assert.equal(tooFar.statusCode, 400, tooFar.body);
    assert.match(tooFar.json().error.message, /past the end/);
    const unknown = await queue({ itemId: 'movie-1', from: 'middle' });
    assert.equal(unknown.statusCode, 400, unknown.body);

    const queued = await queue({ itemId: 'movie-1', from: 600, startIfIdle: true });
    assert.equal(queued.statusCode, 201, queued.body);
    assert.equal(queued.json().entry.startPositionSeconds, 600);
    await waitForSession(harness.service, id, (details) => details.session.status === 'playing');
    assert.equal(harness.workers.callsOf('play', String(id))[0]?.request.startPositionSeconds, 600);
  });
});
