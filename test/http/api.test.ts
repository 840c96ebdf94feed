import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ApiServer } from '../../src/http/api.ts';
import { API_TOKEN, apiAuth, createApiSession, startApi } from '../support/api-harness.ts';
import {
  createWatchPartyHarness,
  GUILD_ID,
  OTHER_VOICE_CHANNEL_ID,
  OWNER_ID,
  TEXT_CHANNEL_ID,
  VOICE_CHANNEL_ID,
  type WatchPartyHarness,
  waitForSession,
} from '../support/watch-party.ts';

describe('JSON API', () => {
  let harness: WatchPartyHarness;
  let api: ApiServer;
  let logLines: string[];

  before(async () => {
    harness = await createWatchPartyHarness();
    ({ api, logLines } = await startApi(harness, { apiTokens: ['another-token-abcdef', API_TOKEN] }));
  });
  after(async () => {
    await api.close();
    await harness.cleanup();
  });

  const createSession = (voiceChannelId?: string) => createApiSession(api, voiceChannelId);

  /** A party playing the short film, started through the API. */
  async function playingSession(): Promise<number> {
    const id = await createSession();
    await api.inject({
      method: 'POST',
      url: `/api/sessions/${id}/queue`,
      headers: apiAuth,
      payload: { itemId: 'short-1', startIfIdle: true },
    });
    await waitForSession(harness.service, id, (d) => d.session.status === 'playing');
    return id;
  }

  async function stopSession(id: number): Promise<void> {
    const response = await api.inject({
      method: 'POST',
      url: `/api/sessions/${id}/control`,
      headers: apiAuth,
      payload: { action: 'stop' },
    });
    assert.equal(response.statusCode, 200, response.body);
  }

  function assertError(
    response: { statusCode: number; json(): unknown; body: string },
    status: number,
    code: string,
    field?: string,
  ) {
    assert.equal(response.statusCode, status, response.body);
    const { error } = response.json() as { error: { code: string; message: string; field?: string } };
    assert.equal(error.code, code);
    assert.ok(error.message.length > 0);
    assert.doesNotMatch(response.body, /\bat .*\.ts:\d+/, 'no stack trace');
    if (field !== undefined) {
      assert.equal(error.field, field);
      assert.match(error.message, new RegExp(field));
    }
    return error;
  }

  test('health answers without a token', async () => {
    const response = await api.inject({ method: 'GET', url: '/api/health' });
    assert.equal(response.statusCode, 200);
    assert.equal(response.json().ok, true);
    assert.equal((await api.inject({ method: 'HEAD', url: '/api/health' })).statusCode, 200);
  });

  test('the OpenAPI document describes every route with the schemas it enforces', async () => {
    const response = await api.inject({ method: 'GET', url: '/api/openapi.json' });
    assert.equal(response.statusCode, 200);
    const document = response.json();
    assert.equal(document.openapi, '3.1.0');
    assert.deepEqual(Object.keys(document.paths).sort(), [
      '/api/health',
      '/api/openapi.json',
      '/api/sessions',
      '/api/sessions/{id}',
      '/api/sessions/{id}/control',
      '/api/sessions/{id}/queue',
      '/api/sessions/{id}/queue/move',
      '/api/sessions/{id}/queue/{index}',
    ]);
    const control = document.paths['/api/sessions/{id}/control'].post;
    assert.deepEqual(control.requestBody.content['application/json'].schema.properties.action.enum, [
      'start',
      'pause',
      'resume',
      'seek',
      'skip',
      'stop',
      'previous',
      'shuffle',
      'loop',
    ]);
    assert.deepEqual(document.paths['/api/health'].get.security, []);
  });

  test('previous, shuffle and loop are controls too, answered with the party', async () => {
    const id = await createSession();
    for (const itemId of ['movie-1', 'movie-2', 'movie-3', 'short-1']) {
      await api.inject({
        method: 'POST',
        url: `/api/sessions/${id}/queue`,
        headers: apiAuth,
        payload: { itemId, startIfIdle: true },
      });
    }
    const control = (payload: Record<string, unknown>) =>
      api.inject({ method: 'POST', url: `/api/sessions/${id}/control`, headers: apiAuth, payload });
    const titles = (body: { upcoming: { title: string }[] }) => body.upcoming.map((entry) => entry.title);
    const before = titles(
      (await api.inject({ method: 'GET', url: `/api/sessions/${id}`, headers: apiAuth })).json(),
    );
    const shuffled = await control({ action: 'shuffle' });
    assert.equal(shuffled.statusCode, 200, shuffled.body);
    assert.notDeepEqual(titles(shuffled.json()), before);
    assert.deepEqual([...titles(shuffled.json())].sort(), [...before].sort());

    assert.equal(assertError(await control({ action: 'loop' }), 400, 'bad_request').field, 'mode');
    const looping = await control({ action: 'loop', mode: 'queue' });
    assert.equal(looping.json().session.loopMode, 'queue');

    await waitForSession(harness.service, id, (details) => details.session.status === 'playing');
    const previous = await control({ action: 'previous' });
    assert.equal(previous.statusCode, 200, previous.body);
    assert.equal(previous.json().current.title, 'Night of the Comet', 'the first item starts again');
    assert.deepEqual(harness.workers.callsOf('control', String(id)).at(-1)?.request, {
      action: 'seek',
      positionSeconds: 0,
    });
    await stopSession(id);
  });

  for (const [name, headers] of [
    ['no token', {}],
    ['a wrong token', { authorization: 'Bearer not-the-token' }],
    ['a token with the wrong scheme', { authorization: `Basic ${API_TOKEN}` }],
    ['a prefix of the token', { authorization: `Bearer ${API_TOKEN.slice(0, -1)}` }],
  ] as const) {
    test(`401 with ${name}`, async () => {
      const response = await api.inject({ method: 'GET', url: '/api/sessions', headers });
      assertError(response, 401, 'unauthorized');
      assert.equal(response.headers['www-authenticate'], 'Bearer');
    });
  }

  test('401 comes before the body is looked at', async () => {
    const response = await api.inject({
      method: 'POST',
      url: '/api/sessions',
      payload: '{not json',
      headers: { 'content-type': 'application/json' },
    });
    assertError(response, 401, 'unauthorized');
  });

  test('400 names the bad field', async () => {
    const id = await createSession();
    const cases: Array<[string, string, unknown, string]> = [
      [
        'POST',
        '/api/sessions',
        { guildId: GUILD_ID, textChannelId: TEXT_CHANNEL_ID, ownerUserId: OWNER_ID },
        'voiceChannelId',
      ],
      [
        'POST',
        '/api/sessions',
        {
          guildId: 'guild',
          voiceChannelId: OTHER_VOICE_CHANNEL_ID,
          textChannelId: TEXT_CHANNEL_ID,
          ownerUserId: OWNER_ID,
        },
        'guildId',
      ],
      ['POST', `/api/sessions/${id}/queue`, { itemId: 42 }, 'itemId'],
      ['POST', `/api/sessions/${id}/queue`, { itemId: 'movie-1', nxt: true }, 'nxt'],
      ['POST', `/api/sessions/${id}/queue/move`, { from: 0, to: 1 }, 'from'],
      ['POST', `/api/sessions/${id}/control`, { action: 'rewind' }, 'action'],
      ['POST', `/api/sessions/${id}/control`, { action: 'seek' }, 'position'],
      ['POST', '/api/sessions/abc/control', { action: 'stop' }, 'id'],
      ['DELETE', `/api/sessions/${id}/queue/first`, undefined, 'index'],
    ];
    for (const [method, url, payload, field] of cases) {
      const response = await api.inject({
        method: method as 'POST',
        url,
        headers: apiAuth,
        ...(payload === undefined ? {} : { payload: payload as object }),
      });
      assertError(response, 400, 'bad_request', field);
    }
    const badJson = await api.inject({
      method: 'POST',
      url: `/api/sessions/${id}/queue`,
      headers: { ...apiAuth, 'content-type': 'application/json' },
      payload: '{"itemId": ',
    });
    assertError(badJson, 400, 'bad_request');
    await stopSession(id);
  });

  test('400 for a seek past the end, with the length and the formats', async () => {
    const id = await playingSession();
    const response = await api.inject({
      method: 'POST',
      url: `/api/sessions/${id}/control`,
      headers: apiAuth,
      payload: { action: 'seek', position: '1h' },
    });
    const error = assertError(response, 400, 'bad_request', 'position');
    assert.match(error.message, /9:56 long/);
    await stopSession(id);
  });

  test('a seek position given as a number is taken as seconds; one past the end is refused with the length', async () => {
    const id = await playingSession();
    const seek = (position: number) =>
      api.inject({
        method: 'POST',
        url: `/api/sessions/${id}/control`,
        headers: apiAuth,
        payload: { action: 'seek', position },
      });
    const tiny = await seek(0.0001);
    assert.equal(tiny.statusCode, 200, tiny.body);
    assert.equal(tiny.json().worker.positionSeconds, 0.0001);
    const seeked = await seek(90.5);
    assert.equal(seeked.json().worker.positionSeconds, 90.5);
    const error = assertError(await seek(1e308), 400, 'bad_request', 'position');
    assert.equal(
      error.message,
      'position: 1e+308 seconds is past the end: "Big Buck Bunny" is 9:56 long. Use a time such as 1:23:45, 83:45, 90 (seconds), +30 or -10 (jump), or 1h2m3s.',
    );
    await stopSession(id);
  });

  test('404 for unknown sessions, items, queue numbers and routes', async () => {
    assertError(
      await api.inject({ method: 'GET', url: '/api/sessions/999999', headers: apiAuth }),
      404,
      'not_found',
    );
    assertError(
      await api.inject({ method: 'GET', url: '/api/nothing-here', headers: apiAuth }),
      404,
      'not_found',
    );
    const id = await createSession();
    assertError(
      await api.inject({
        method: 'POST',
        url: `/api/sessions/${id}/queue`,
        headers: apiAuth,
        payload: { itemId: 'no-such-film' },
      }),
      404,
      'not_found',
    );
    assertError(
      await api.inject({ method: 'DELETE', url: `/api/sessions/${id}/queue/3`, headers: apiAuth }),
      400,
      'bad_request',
      'index',
    );
    await stopSession(id);
  });

  test('409 for a second party in the same voice channel and for actions the state forbids', async () => {
    const id = await createSession();
    const second = await api.inject({
      method: 'POST',
      url: '/api/sessions',
      headers: apiAuth,
      payload: {
        guildId: GUILD_ID,
        voiceChannelId: VOICE_CHANNEL_ID,
        textChannelId: TEXT_CHANNEL_ID,
        ownerUserId: OWNER_ID,
      },
    });
    const conflict = assertError(second, 409, 'conflict');
    assert.match(conflict.message, new RegExp(`"Movie night" \\(#${id}`));
    const pause = await api.inject({
      method: 'POST',
      url: `/api/sessions/${id}/control`,
      headers: apiAuth,
      payload: { action: 'pause' },
    });
    assert.match(assertError(pause, 409, 'conflict').message, /Nothing is playing/);
    const start = await api.inject({
      method: 'POST',
      url: `/api/sessions/${id}/control`,
      headers: apiAuth,
      payload: { action: 'start' },
    });
    assert.match(assertError(start, 409, 'conflict').message, /queue is empty/i);
    await stopSession(id);
  });

  test('503 when every streaming account is busy', async () => {
    const id = await createSession();
    await api.inject({
      method: 'POST',
      url: `/api/sessions/${id}/queue`,
      headers: apiAuth,
      payload: { itemId: 'movie-1' },
    });
    harness.workers.capacity = 0;
    try {
      const response = await api.inject({
        method: 'POST',
        url: `/api/sessions/${id}/control`,
        headers: apiAuth,
        payload: { action: 'start' },
      });
      assert.match(assertError(response, 503, 'unavailable').message, /busy/);
    } finally {
      harness.workers.capacity = Number.POSITIVE_INFINITY;
    }
    await stopSession(id);
  });

  test('an unexpected failure is a generic 500, logged, with no stack trace', async () => {
    const id = await createSession();
    const describeItem = harness.media.describe;
    harness.media.describe = async () => {
      throw new TypeError('cannot read properties of undefined (reading "Items")');
    };
    try {
      const response = await api.inject({
        method: 'POST',
        url: `/api/sessions/${id}/queue`,
        headers: apiAuth,
        payload: { itemId: 'movie-1' },
      });
      const error = assertError(response, 500, 'internal');
      assert.doesNotMatch(error.message, /Items/);
      assert.ok(logLines.some((line) => line.includes('reading \\"Items\\"')));
    } finally {
      harness.media.describe = describeItem;
    }
    await stopSession(id);
  });

  test('only health and the document answer without a token; every other route wants one', async () => {
    const document = (await api.inject({ method: 'GET', url: '/api/openapi.json' })).json() as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    const open: string[] = [];
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const url = path.replace('{id}', '1').replace('{index}', '1');
        const response = await api.inject({ method: method.toUpperCase() as 'GET', url, payload: {} });
        if (response.statusCode !== 401) open.push(`${method} ${path}`);
        assert.equal(operation.security !== undefined, response.statusCode !== 401, `${method} ${path}`);
      }
    }
    assert.deepEqual(open.sort(), ['get /api/health', 'get /api/openapi.json']);
  });

  test('an answer that does not match its schema is a generic 500, logged, never sent', async () => {
    const listSessions = harness.service.listSessions;
    harness.service.listSessions = async () =>
      [{ id: 'not-a-number', secret: 'internal-detail-xyz' }] as unknown as Awaited<
        ReturnType<typeof listSessions>
      >;
    try {
      const response = await api.inject({ method: 'GET', url: '/api/sessions', headers: apiAuth });
      assertError(response, 500, 'internal');
      assert.doesNotMatch(response.body, /internal-detail-xyz|not-a-number|secret/);
      assert.ok(logLines.some((line) => line.includes('does not match its documented schema')));
    } finally {
      harness.service.listSessions = listSessions;
    }
  });

  test('fields an answer does not declare are dropped', async () => {
    const id = await createSession();
    const listSessions = harness.service.listSessions;
    harness.service.listSessions = async (filter) =>
      (await listSessions.call(harness.service, filter)).map((session) => ({
        ...session,
        secret: 'internal-detail-xyz',
      }));
    try {
      const response = await api.inject({ method: 'GET', url: '/api/sessions', headers: apiAuth });
      assert.equal(response.statusCode, 200, response.body);
      assert.ok(response.json().sessions.some((session: { id: number }) => session.id === id));
      assert.doesNotMatch(response.body, /internal-detail-xyz/);
    } finally {
      harness.service.listSessions = listSessions;
    }
    await stopSession(id);
  });

  test('create → queue → start → pause → seek → skip → stop against a test worker pool', async () => {
    const id = await createSession();
    const queued = await api.inject({
      method: 'POST',
      url: `/api/sessions/${id}/queue`,
      headers: apiAuth,
      payload: { itemId: 'movie-1' },
    });
    assert.equal(queued.statusCode, 201, queued.body);
    assert.deepEqual([queued.json().started, queued.json().entry.number], [false, 1]);
    await api.inject({
      method: 'POST',
      url: `/api/sessions/${id}/queue`,
      headers: apiAuth,
      payload: { itemId: 'movie-2' },
    });
    await api.inject({
      method: 'POST',
      url: `/api/sessions/${id}/queue`,
      headers: apiAuth,
      payload: { itemId: 'movie-3', next: true },
    });

    const moved = await api.inject({
      method: 'POST',
      url: `/api/sessions/${id}/queue/move`,
      headers: apiAuth,
      payload: { from: 3, to: 1 },
    });
    assert.equal(moved.json().moved.itemId, 'movie-2');

    const control = (payload: object) =>
      api.inject({ method: 'POST', url: `/api/sessions/${id}/control`, headers: apiAuth, payload });
    const started = await control({ action: 'start' });
    assert.equal(started.statusCode, 200, started.body);
    await waitForSession(harness.service, id, (d) => d.session.status === 'playing');
    assert.equal((await control({ action: 'pause' })).json().session.status, 'paused');
    const seeked = (await control({ action: 'seek', position: '1:00:00' })).json();
    assert.equal(seeked.worker.positionSeconds, 3600);
    assert.equal((await control({ action: 'resume' })).json().session.status, 'playing');
    const skipped = (await control({ action: 'skip' })).json();
    assert.equal(skipped.current.itemId, 'movie-3');

    const removed = await api.inject({
      method: 'DELETE',
      url: `/api/sessions/${id}/queue/1`,
      headers: apiAuth,
    });
    assert.equal(removed.json().removed.itemId, 'movie-1');
    const view = await api.inject({ method: 'GET', url: `/api/sessions/${id}`, headers: apiAuth });
    assert.equal(view.statusCode, 200);
    assert.deepEqual(
      view.json().history.map((entry: { itemId: string; status: string }) => [entry.itemId, entry.status]),
      [['movie-2', 'skipped']],
    );
    assert.equal(view.json().worker.playbackState, 'playing');
    assert.ok(
      view
        .json()
        .recentEvents.some(
          (event: { type: string; payload: { actor: string } }) =>
            event.type === 'moved' && event.payload.actor === 'api:token-2',
        ),
    );

    const stopped = (await control({ action: 'stop' })).json();
    assert.equal(stopped.session.status, 'stopped');
    assert.equal(harness.workers.workers.has(String(id)), false);

    const list = await api.inject({
      method: 'GET',
      url: '/api/sessions?includeStopped=true',
      headers: apiAuth,
    });
    assert.ok(list.json().sessions.some((session: { id: number }) => session.id === id));
    const live = await api.inject({ method: 'GET', url: '/api/sessions', headers: apiAuth });
    assert.ok(!live.json().sessions.some((session: { id: number }) => session.id === id));
  });

  test('the API token never reaches the log', () => {
    assert.ok(logLines.length > 0);
    assert.ok(!logLines.some((line) => line.includes(API_TOKEN)));
  });
});
