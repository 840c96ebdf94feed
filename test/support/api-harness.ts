// The JSON API over a watch-party harness, as the http tests drive it: one bearer token, the
// operator's log kept for reading, and parties created through the API as a caller would.
import assert from 'node:assert/strict';
import { type ApiOptions, type ApiServer, buildApi } from '../../src/http/api.ts';
import { createLogger } from '../../src/logger.ts';
import {
  GUILD_ID,
  OWNER_ID,
  TEXT_CHANNEL_ID,
  VOICE_CHANNEL_ID,
  type WatchPartyHarness,
} from './watch-party.ts';

export const API_TOKEN = 'api-token-for-tests-0123456789';
export const apiAuth = { authorization: `Bearer ${API_TOKEN}` };

/** The API on `harness`'s service, ready for `inject`; `logLines` fills with what it logs. */
export async function startApi(
  harness: WatchPartyHarness,
  options: Partial<Pick<ApiOptions, 'apiTokens' | 'search'>> = {},
): Promise<{ api: ApiServer; logLines: string[] }> {
  const logLines: string[] = [];
  const logger = createLogger({
    level: 'info',
    pretty: false,
    destination: { write: (line: string) => logLines.push(line) },
  });
  const api = buildApi({ service: harness.service, apiTokens: [API_TOKEN], logger, ...options });
  await api.ready();
  return { api, logLines };
}

/** Creates a party through the API; its id. */
export async function createApiSession(api: ApiServer, voiceChannelId = VOICE_CHANNEL_ID): Promise<number> {
  const response = await api.inject({
    method: 'POST',
    url: '/api/sessions',
    headers: apiAuth,
    payload: {
      guildId: GUILD_ID,
      voiceChannelId,
      textChannelId: TEXT_CHANNEL_ID,
      ownerUserId: OWNER_ID,
      title: 'Movie night',
    },
  });
  assert.equal(response.statusCode, 201, response.body);
  return response.json().session.id;
}
