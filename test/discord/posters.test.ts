// Posters as members see them: never at Jellyfin's own address (JELLYFIN_URL, often internal). With
// JELLYFIN_PUBLIC_URL the panel and the API link the poster there; without it the panel carries the
// poster as an attachment the bot read from Jellyfin, and the API gives no poster address. (The
// worker alone is told Jellyfin's own address: test/jellyfin/media-library.test.ts.)
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { APIMessage } from 'discord-api-types/v10';
import { type DiscordSim, startDiscordSim } from '../../sim/discord/index.ts';
import { defaultTitles } from '../../sim/jellyfin/library.ts';
import { type JellyfinSim, startJellyfinSim } from '../../sim/jellyfin/server.ts';
import type { DiscordBot } from '../../src/discord/bot.ts';
import { buildApi } from '../../src/http/api.ts';
import { CatalogSearch } from '../../src/jellyfin/catalog-search.ts';
import { syncCatalog } from '../../src/jellyfin/catalog-sync.ts';
import { JellyfinClient } from '../../src/jellyfin/client.ts';
import { JellyfinMediaLibrary } from '../../src/jellyfin/media-library.ts';
import { createLogger } from '../../src/logger.ts';
import { WatchPartyService } from '../../src/watchparty/service.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { FakeWorkerPool } from '../support/fake-worker-pool.ts';
import { memberInVoice, startBotOnSim } from './harness.ts';

const API_TOKEN = 'poster-test-api-token-0123456789';
const PUBLIC_URL = 'https://media.example.org';
const logger = createLogger({ level: 'silent', pretty: false });

let jellyfin: JellyfinSim;

before(async () => {
  jellyfin = await startJellyfinSim();
});
after(() => jellyfin.stop());

interface Party {
  discord: DiscordSim;
  /** The party's panel once it shows the film, as the channel holds it. */
  panel: APIMessage;
  /** The party as the JSON API answers it. */
  apiText: string;
  apiPosterUrl: unknown;
  close(): Promise<void>;
}

/** A bot whose Jellyfin room has `publicUrl` (or none), with Night Harbor playing in a new party. */
async function partyWithFilm(publicUrl: string | null): Promise<Party> {
  const discord = await startDiscordSim();
  const database: TestDatabase = await createTestDatabase();
  const client = new JellyfinClient({ baseUrl: jellyfin.url, apiKey: jellyfin.apiKey });
  await syncCatalog(database.db, client, { mode: 'full' });
  const media = new JellyfinMediaLibrary(client, { publicUrl });
  const workers = new FakeWorkerPool();
  const service = new WatchPartyService({ db: database.db, workers, media, logger });
  const bot: DiscordBot = await startBotOnSim(discord, {
    service,
    search: new CatalogSearch({ db: database.db }),
    logger,
    panels: { minEditIntervalMs: 50, posters: media },
  });
  const close = async () => {
    await bot.stop();
    await service.close();
    await database.cleanup();
    await discord.stop();
  };
  try {
    const viewer = memberInVoice(discord, 'viewer');
    await discord.interactions.command({ user: viewer }, 'watchparty', 'create').reply();
    const film = jellyfin.library.byName(defaultTitles.basic);
    await discord.interactions.command({ user: viewer }, 'watchparty', 'queue', { media: film.id }).reply();
    const panel = await discord.messages.waitFor(
      (message) =>
        message.channel_id === discord.textChannel.id &&
        message.embeds[0]?.title?.startsWith(defaultTitles.basic) === true &&
        message.embeds[0]?.thumbnail !== undefined,
    );
    const api = buildApi({ service, apiTokens: [API_TOKEN], logger });
    const get = (url: string) =>
      api.inject({ method: 'GET', url, headers: { authorization: `Bearer ${API_TOKEN}` } });
    const listed = (await get('/api/sessions')).json() as { sessions: { id: number }[] };
    const response = await get(`/api/sessions/${listed.sessions[0]?.id}`);
    await api.close();
    const apiPosterUrl = (response.json() as { current: { posterUrl: unknown } | null }).current?.posterUrl;
    return { discord, panel, apiText: response.body, apiPosterUrl, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Everything a member could read of the channel, as one text. */
function channelText(discord: DiscordSim): string {
  return JSON.stringify(discord.messages.inChannel(discord.textChannel.id));
}

describe('posters without JELLYFIN_PUBLIC_URL', () => {
  let party: Party;
  before(async () => {
    party = await partyWithFilm(null);
  });
  after(() => party?.close());

  test('the panel shows the poster as an attachment the bot read from Jellyfin', () => {
    const [attachment] = party.panel.attachments;
    assert.equal(attachment?.filename, 'poster.jpg');
    assert.ok((attachment?.size ?? 0) > 100, 'the image bytes were uploaded');
    assert.equal(party.panel.embeds[0]?.thumbnail?.url, attachment?.url);
  });

  test('no message and no API answer carries the Jellyfin address', () => {
    const internal = new URL(jellyfin.url);
    for (const [where, text] of [
      ['the channel', channelText(party.discord)],
      ['the API', party.apiText],
    ] as const) {
      assert.ok(!text.includes(internal.host), `${where} shows ${internal.host}`);
    }
    assert.equal(party.apiPosterUrl, null);
  });
});

describe('posters with JELLYFIN_PUBLIC_URL', () => {
  let party: Party;
  before(async () => {
    party = await partyWithFilm(PUBLIC_URL);
  });
  after(() => party?.close());

  test('the panel and the API link the poster at the public address, with nothing attached', () => {
    const film = jellyfin.library.byName(defaultTitles.basic);
    const expected = `${PUBLIC_URL}/Items/${film.id}/Images/Primary?tag=`;
    assert.ok(
      party.panel.embeds[0]?.thumbnail?.url.startsWith(expected),
      party.panel.embeds[0]?.thumbnail?.url,
    );
    assert.deepEqual(party.panel.attachments, []);
    assert.ok(String(party.apiPosterUrl).startsWith(expected), String(party.apiPosterUrl));
    const internal = new URL(jellyfin.url).host;
    assert.ok(!channelText(party.discord).includes(internal) && !party.apiText.includes(internal));
  });
});
