// The same door with the real Jellyfin room behind it: the catalog synced from sim/jellyfin into
// SQLite, the real CatalogSearch for autocomplete, and the real JellyfinMediaLibrary resolving what
// is queued. Suggestions are Jellyfin ids, a series leads to its episode picker, and the worker is
// told to play a URL the Jellyfin simulator serves.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type DiscordSim, type SimUser, startDiscordSim } from '../../sim/discord/index.ts';
import { defaultTitles } from '../../sim/jellyfin/library.ts';
import { type JellyfinSim, startJellyfinSim } from '../../sim/jellyfin/server.ts';
import type { DiscordBot } from '../../src/discord/bot.ts';
import { CatalogSearch } from '../../src/jellyfin/catalog-search.ts';
import { syncCatalog } from '../../src/jellyfin/catalog-sync.ts';
import { JellyfinClient } from '../../src/jellyfin/client.ts';
import { JellyfinMediaLibrary } from '../../src/jellyfin/media-library.ts';
import { createLogger } from '../../src/logger.ts';
import { WatchPartyService } from '../../src/watchparty/service.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { FakeWorkerPool } from '../support/fake-worker-pool.ts';
import { memberInVoice, startBotOnSim } from './harness.ts';

describe('/watchparty with the real catalog from sim/jellyfin', () => {
  let discord: DiscordSim;
  let jellyfin: JellyfinSim;
  let database: TestDatabase;
  let service: WatchPartyService;
  let bot: DiscordBot;
  let viewer: SimUser;
  const workers = new FakeWorkerPool();

  before(async () => {
    const logger = createLogger({ level: 'silent', pretty: false });
    jellyfin = await startJellyfinSim();
    discord = await startDiscordSim();
    database = await createTestDatabase();
    const client = new JellyfinClient({ baseUrl: jellyfin.url, apiKey: jellyfin.apiKey });
    await syncCatalog(database.db, client, { mode: 'full' });
    service = new WatchPartyService({
      db: database.db,
      workers,
      media: new JellyfinMediaLibrary(client),
      logger,
    });
    bot = await startBotOnSim(discord, { service, search: new CatalogSearch({ db: database.db }), logger });
    viewer = memberInVoice(discord, 'viewer');
    await discord.interactions.command({ user: viewer }, 'watchparty', 'create').reply();
  });
  after(async () => {
    await bot?.stop();
    await service?.close();
    await database?.cleanup();
    await discord?.stop();
    await jellyfin?.stop();
  });

  test('a film found by autocomplete plays from a URL the Jellyfin simulator serves', async () => {
    const choices = await discord.interactions
      .autocomplete({ user: viewer }, 'watchparty', 'queue', 'media', 'night harb')
      .choices();
    const harbor = choices.find((choice) => choice.name.startsWith(defaultTitles.basic));
    assert.ok(harbor, JSON.stringify(choices));
    const reply = await discord.interactions
      .command({ user: viewer }, 'watchparty', 'queue', { media: String(harbor.value) })
      .reply();
    assert.equal(reply.content, `Starting **${defaultTitles.basic}** now.`);
    const play = workers.callsOf('play').at(-1)?.request;
    assert.equal(play?.jellyfinSourceId, harbor.value);
    assert.ok(play?.playback.streamUrl.startsWith(jellyfin.url), play?.playback.streamUrl);
  });

  test('a series leads to its episode picker, and the picked episode is queued', async () => {
    const [series] = await discord.interactions
      .autocomplete({ user: viewer }, 'watchparty', 'queue', 'media', defaultTitles.series)
      .choices();
    assert.ok(series);
    const episodes = await discord.interactions
      .autocomplete({ user: viewer }, 'watchparty', 'queue', 'episode', 's2', { media: String(series.value) })
      .choices();
    assert.ok(episodes.length > 0);
    for (const episode of episodes) assert.match(episode.name, /S02E\d\d/);
    const reply = await discord.interactions
      .command({ user: viewer }, 'watchparty', 'queue', {
        media: String(series.value),
        episode: String(episodes[0]?.value),
      })
      .reply();
    assert.match(reply.content, /^Queued \*\*Nightshift Diaries · S02E01 · .+\*\* as #1\.$/);
    assert.deepEqual(discord.rest.failed(), []);
  });
});
