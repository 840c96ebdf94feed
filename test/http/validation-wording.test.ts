// The API's 400s read in the project's words, whatever the door and whatever the schema checks:
// "title: must be at most 100 characters", never zod's "Too big: expected string to have <=100
// characters". Asked over a real socket, as a caller would.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ApiServer } from '../../src/http/api.ts';
import { apiAuth, createApiSession, startApi } from '../support/api-harness.ts';
import {
  createWatchPartyHarness,
  GUILD_ID,
  OWNER_ID,
  TEXT_CHANNEL_ID,
  VOICE_CHANNEL_ID,
  type WatchPartyHarness,
} from '../support/watch-party.ts';

describe('API validation errors in the project’s words', () => {
  let harness: WatchPartyHarness;
  let api: ApiServer;
  let base: string;
  let sessionId: number;

  before(async () => {
    harness = await createWatchPartyHarness();
    ({ api } = await startApi(harness));
    base = await api.listen({ host: '127.0.0.1', port: 0 });
    sessionId = await createApiSession(api);
  });
  after(async () => {
    await api?.close();
    await harness?.cleanup();
  });

  async function post(
    path: string,
    body: unknown,
  ): Promise<{ status: number; field?: string; message: string }> {
    const response = await fetch(`${base}/api${path}`, {
      method: 'POST',
      headers: { ...apiAuth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const { error } = (await response.json()) as { error: { message: string; field?: string } };
    return { status: response.status, ...error };
  }

  const party = {
    guildId: GUILD_ID,
    voiceChannelId: VOICE_CHANNEL_ID,
    textChannelId: TEXT_CHANNEL_ID,
    ownerUserId: OWNER_ID,
  };

  test('each kind of bad input names its field and says what it must be', async () => {
    const cases: Array<[string, unknown, string, string]> = [
      ['/sessions', { ...party, title: 'x'.repeat(101) }, 'title', 'title: must be at most 100 characters'],
      ['/sessions', { ...party, title: '   ' }, 'title', 'title: must not be empty'],
      ['/sessions', { ...party, voiceChannelId: undefined }, 'voiceChannelId', 'voiceChannelId: is required'],
      [`/sessions/${sessionId}/queue`, { itemId: 42 }, 'itemId', 'itemId: must be text'],
      [
        `/sessions/${sessionId}/queue`,
        { itemId: 'movie-1', next: 'yes' },
        'next',
        'next: must be true or false',
      ],
      [
        `/sessions/${sessionId}/queue`,
        { itemId: 'movie-1', from: 'later' },
        'from',
        'from: must be resume or start, or a number',
      ],
      [`/sessions/${sessionId}/queue`, { itemId: 'movie-1', from: -5 }, 'from', 'from: must be 0 or more'],
      [`/sessions/${sessionId}/queue/move`, { from: 0, to: 1 }, 'from', 'from: must be more than 0'],
      [`/sessions/${sessionId}/queue/move`, { from: 1, to: 1.5 }, 'to', 'to: must be a whole number'],
      [
        `/sessions/${sessionId}/control`,
        { action: 'rewind' },
        'action',
        'action: must be start, pause, resume, seek, skip, stop, previous, shuffle or loop',
      ],
      [
        `/sessions/${sessionId}/control`,
        { action: 'loop', mode: 'all' },
        'mode',
        'mode: must be off, item or queue',
      ],
      [
        `/sessions/${sessionId}/control`,
        { action: 'pause', speed: 2 },
        'speed',
        'speed: is not a field this takes',
      ],
    ];
    for (const [path, body, field, message] of cases) {
      const answer = await post(path, body);
      assert.deepEqual(
        answer,
        { status: 400, code: 'bad_request', field, message },
        `${path} ${JSON.stringify(body)}`,
      );
    }
  });

  test('a schema’s own words still win', async () => {
    const answer = await post('/sessions', { ...party, guildId: 'guild' });
    assert.equal(answer.message, 'guildId: must be a Discord id (15-21 digits)');
  });
});
