// The JSON API answers a failure with the same plain sentence members read; the operator's detail
// (setting names, the socket's words with an address in them) goes to the log, never the answer.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ApiServer } from '../../src/http/api.ts';
import { apiAuth, createApiSession, startApi } from '../support/api-harness.ts';
import { internalAddressPattern } from '../support/bot-sent-text.ts';
import { createWatchPartyHarness, type WatchPartyHarness } from '../support/watch-party.ts';

const unreachable =
  'Jellyfin is not answering. Try again in a few minutes; if it stays down, ask the server admin.';

describe('API answers to failures', () => {
  let harness: WatchPartyHarness;
  let api: ApiServer;
  let logLines: string[];

  before(async () => {
    harness = await createWatchPartyHarness();
    ({ api, logLines } = await startApi(harness));
  });
  after(async () => {
    await api.close();
    await harness.cleanup();
  });

  test('Jellyfin down: a 503 with the sentence, the detail only in the log', async () => {
    const id = await createApiSession(api);
    harness.media.down = true;
    const response = await api.inject({
      method: 'POST',
      url: `/api/sessions/${id}/queue`,
      headers: apiAuth,
      payload: { itemId: 'movie-1' },
    });
    harness.media.down = false;
    assert.equal(response.statusCode, 503);
    assert.deepEqual(response.json(), { error: { code: 'unavailable', message: unreachable } });
    assert.doesNotMatch(response.body, internalAddressPattern);
    assert.doesNotMatch(response.body, /JELLYFIN_URL/);
    assert.ok(
      logLines.some((line) => line.includes('ECONNREFUSED') && line.includes('JELLYFIN_URL')),
      'the operator finds the cause in the log',
    );
  });
});
