// GET /api/search: the catalog's ranked search for API callers, labelled as autocomplete labels
// hits, behind the bearer token, with bad input named, and documented in /api/openapi.json.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ApiServer } from '../../src/http/api.ts';
import { LibrarySearch } from '../discord/harness.ts';
import { apiAuth, startApi } from '../support/api-harness.ts';
import { createWatchPartyHarness, type WatchPartyHarness } from '../support/watch-party.ts';

describe('GET /api/search', () => {
  let harness: WatchPartyHarness;
  let api: ApiServer;

  before(async () => {
    harness = await createWatchPartyHarness();
    ({ api } = await startApi(harness, { search: new LibrarySearch(harness.media) }));
  });
  after(async () => {
    await api.close();
    await harness.cleanup();
  });

  test('answers the hits with the labels autocomplete shows and the ids the queue takes', async () => {
    const response = await api.inject({ method: 'GET', url: '/api/search?q=orbit', headers: apiAuth });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json().hits[0], {
      itemId: 'series-1',
      type: 'series',
      label: 'Orbit · Series',
      year: null,
    });
  });

  test('needs the token, and names a bad parameter', async () => {
    assert.equal((await api.inject({ method: 'GET', url: '/api/search?q=orbit' })).statusCode, 401);
    const missing = await api.inject({ method: 'GET', url: '/api/search', headers: apiAuth });
    assert.equal(missing.statusCode, 400);
    assert.equal(missing.json().error.field, 'q');
    const tooMany = await api.inject({ method: 'GET', url: '/api/search?q=a&limit=99', headers: apiAuth });
    assert.equal(tooMany.json().error.field, 'limit');
  });

  test('the OpenAPI document lists its query parameters', async () => {
    const document = (await api.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    const parameters = document.paths['/api/search'].get.parameters;
    assert.deepEqual(
      parameters.map((parameter: { name: string; in: string; required: boolean }) => [
        parameter.name,
        parameter.in,
        parameter.required,
      ]),
      [
        ['q', 'query', true],
        ['limit', 'query', false],
      ],
    );
  });
});
