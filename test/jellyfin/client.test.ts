// The client against the simulator: the one auth header it sends, and each failure mode arriving
// as its typed error with a message that never contains the key.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../../sim/free-port.ts';
import { type JellyfinSim, startJellyfinSim } from '../../sim/jellyfin/server.ts';
import { JellyfinClient } from '../../src/jellyfin/client.ts';
import {
  JellyfinNotFoundError,
  JellyfinUnauthorizedError,
  JellyfinUnexpectedResponseError,
  JellyfinUnreachableError,
} from '../../src/jellyfin/errors.ts';
import { mediaBrowserAuthorization } from '../../src/media/jellyfin-auth-header.ts';

async function rejectsWith(promise: Promise<unknown>, type: new (...args: never[]) => Error, key: string) {
  const error = await promise.then(
    () => assert.fail('expected the call to fail'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
  assert.ok(!error.message.includes(key), 'the message must not contain the API key');
  return error;
}

describe('Jellyfin client through the simulator', () => {
  let sim: JellyfinSim;
  let client: JellyfinClient;

  before(async () => {
    sim = await startJellyfinSim();
    client = new JellyfinClient({
      baseUrl: sim.url,
      apiKey: sim.apiKey,
      deviceId: 'test-device',
      timeoutMs: 5_000,
    });
  });
  after(() => sim.stop());

  test('the auth header is MediaBrowser with percent-encoded values', () => {
    const header = mediaBrowserAuthorization('k3y', 'party 1', {
      client: 'Orb',
      device: 'Discord · #movies',
    });
    assert.equal(
      header,
      'MediaBrowser Token="k3y", Client="Orb", Device="Discord%20%C2%B7%20%23movies", DeviceId="party%201", Version="0.1.0"',
    );
  });

  test('lists items with the MediaBrowser header and never puts the key in the URL', async () => {
    const result = await client.items({ recursive: true, includeItemTypes: ['Movie'], limit: 3 });
    assert.equal(result.Items.length, 3);
    const seen = sim.requests.filter((request) => request.path === '/Items');
    assert.ok(seen.length > 0);
    for (const request of seen) {
      assert.equal(request.auth, 'MediaBrowser');
      assert.equal(request.deviceId, 'test-device');
      assert.ok(!JSON.stringify(request.query).includes(sim.apiKey));
    }
  });

  test('a wrong key is unauthorized', async () => {
    const wrong = new JellyfinClient({ baseUrl: sim.url, apiKey: 'not-the-key-0000' });
    const error = await rejectsWith(
      wrong.items({ recursive: true }),
      JellyfinUnauthorizedError,
      'not-the-key-0000',
    );
    assert.match(error.message, /API key/);
  });

  test('the simulator refuses legacy auth forms like Jellyfin 12.0 does', async () => {
    const legacyHeaders = [
      { 'X-Emby-Token': sim.apiKey },
      { 'X-Emby-Authorization': `MediaBrowser Token="${sim.apiKey}"` },
      { Authorization: `Emby Token="${sim.apiKey}"` },
    ];
    for (const headers of legacyHeaders) {
      const response = await fetch(`${sim.url}/Items?recursive=true`, { headers });
      assert.equal(response.status, 401, JSON.stringify(Object.keys(headers)));
    }
    const apiKeyQuery = await fetch(`${sim.url}/Items?recursive=true&api_key=${sim.apiKey}`);
    assert.equal(apiKeyQuery.status, 401);
    const noAuth = await fetch(`${sim.url}/Items?recursive=true`);
    assert.equal(noAuth.status, 401);
  });

  test('an unknown route or item is not found', async () => {
    await rejectsWith(
      client.playbackInfo('0123456789abcdef0123456789abcdef'),
      JellyfinNotFoundError,
      sim.apiKey,
    );
  });

  test('a 500 is an unexpected response', async () => {
    const remove = sim.faults.set({ path: '/Items', status: 500, times: 1 });
    const error = await rejectsWith(
      client.items({ recursive: true }),
      JellyfinUnexpectedResponseError,
      sim.apiKey,
    );
    remove();
    assert.match(error.message, /HTTP 500/);
  });

  test('a 401 injected by the server is unauthorized', async () => {
    sim.faults.set({ path: '/Items', status: 401, times: 1 });
    await rejectsWith(client.items({ recursive: true }), JellyfinUnauthorizedError, sim.apiKey);
  });

  test('a slow server hits the per-call deadline and counts as unreachable', async () => {
    sim.faults.set({ path: '/Items', latencyMs: 2_000, times: 1 });
    const error = await rejectsWith(
      client.items({ recursive: true }, { timeoutMs: 100 }),
      JellyfinUnreachableError,
      sim.apiKey,
    );
    assert.match(error.message, /no answer within 100 ms/);
  });

  test('a dropped connection is unreachable', async () => {
    sim.faults.set({ path: '/Items', dropConnection: true, times: 1 });
    const error = await rejectsWith(client.items({ recursive: true }), JellyfinUnreachableError, sim.apiKey);
    assert.match(error.message, /did not answer \/Items/);
  });

  test('a connection cut mid-body is unreachable, not a JSON error', async () => {
    sim.faults.set({ path: '/Items', dropAfterBytes: 10, times: 1 });
    await rejectsWith(client.items({ recursive: true, limit: 0 }), JellyfinUnreachableError, sim.apiKey);
  });

  test('a refused connection is unreachable and names the cause', async () => {
    const port = await freePort();
    const offline = new JellyfinClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: sim.apiKey });
    const error = await rejectsWith(offline.publicInfo(), JellyfinUnreachableError, sim.apiKey);
    assert.match(error.message, /connection refused/);
  });

  test('a body of the wrong shape is an unexpected response naming the field', async () => {
    const wrongShape = new JellyfinClient({ baseUrl: `${sim.url}/System/Ping#`, apiKey: sim.apiKey });
    await rejectsWith(wrongShape.items({}), JellyfinUnexpectedResponseError, sim.apiKey);
  });
});
