// The bot's /metrics as Prometheus and an operator see it: the text format with every family while
// a party plays (a real stream worker, capture sink), figures that move when a worker is restarted,
// its own token, and never a secret, an address or an id of what people watch in the output.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AutocompleteInteraction } from 'discord.js';
import { type JellyfinSim, startJellyfinSim } from '../../sim/jellyfin/server.ts';
import { waitFor } from '../../sim/wait-for.ts';
import { suggestMedia } from '../../src/commands/media-autocomplete.ts';
import { type ApiServer, buildApi } from '../../src/http/api.ts';
import { CatalogSearch } from '../../src/jellyfin/catalog-search.ts';
import { syncCatalog } from '../../src/jellyfin/catalog-sync.ts';
import { JellyfinClient } from '../../src/jellyfin/client.ts';
import { routeTemplate } from '../../src/jellyfin/request-timing.ts';
import { createLogger } from '../../src/logger.ts';
import { BotMetrics } from '../../src/metrics/bot-metrics.ts';
import type { WorkerSupervisor } from '../../src/worker-pool/supervisor.ts';
import {
  assertFamilies,
  assertNothingLeaks,
  assertPartyPlays,
  dashboardFamilies,
  parseExposition,
  partyFamilies,
  type Sample,
  sampleValue,
} from '../support/prometheus-text.ts';
import { createParty, createWatchPartyHarness, type WatchPartyHarness } from '../support/watch-party.ts';
import {
  type MediaServer,
  type makeTempDir,
  playRequest,
  serveClip,
} from '../worker/support/media-fixtures.ts';
import { captureSupervisor } from '../worker-pool/support/capture-supervisor.ts';

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';
const API_TOKEN = 'api-token-for-tests-0123456789';
const STREAMER_TOKEN = 'streamer-token-for-the-metrics-test';
const CLIP_SECONDS = 30;
const PARTY = '7';
const logger = createLogger({ level: 'silent', pretty: false });

describe('GET /metrics', { timeout: 120_000 }, () => {
  let harness: WatchPartyHarness;
  let jellyfin: JellyfinSim;
  let client: JellyfinClient;
  let media: MediaServer;
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let supervisor: WorkerSupervisor;
  let api: ApiServer;
  let itemId: string;

  before(async () => {
    harness = await createWatchPartyHarness();
    jellyfin = await startJellyfinSim();
    client = new JellyfinClient({ baseUrl: jellyfin.url, apiKey: jellyfin.apiKey });
    await syncCatalog(harness.database.db, client, { mode: 'full' });
    ({ temp, server: media } = await serveClip(CLIP_SECONDS));
    supervisor = captureSupervisor(media, { streamerTokens: [STREAMER_TOKEN] });
    const metrics = new BotMetrics({
      db: harness.database.db,
      streams: (timeoutMs) => supervisor.streamStats(timeoutMs),
    });
    api = buildApi({
      service: harness.service,
      apiTokens: [API_TOKEN],
      logger,
      metrics: { token: METRICS_TOKEN, contentType: metrics.contentType, render: () => metrics.render() },
    });
    await api.ready();
    const [movie] = (await client.items({ includeItemTypes: ['Movie'], recursive: true, limit: 1 })).Items;
    itemId = movie!.Id;
  });

  after(async () => {
    await api?.close();
    await supervisor?.shutdown();
    await media?.close();
    await temp?.remove();
    await jellyfin?.stop();
    await harness?.cleanup();
  });

  async function scrape(): Promise<{ text: string; samples: Sample[]; families: Map<string, string> }> {
    const response = await api.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    return { text: response.body, ...parseExposition(response.body) };
  }

  const framesSent = async () =>
    sampleValue((await scrape()).samples, 'orb_stream_video_frames_sent_total', { party: PARTY }) ?? 0;

  test('answers in the Prometheus text format with every family while a party plays', async () => {
    await createParty(harness.service, 'Metrics night');
    await supervisor.open({ sessionId: PARTY, guildId: '10', voiceChannelId: '20', textChannelId: '30' });
    await supervisor.play(PARTY, playRequest(media.streamUrl('clip'), { durationSeconds: CLIP_SECONDS }));
    await waitFor(
      '2 s of playback',
      async () => ((await supervisor.status(PARTY))?.positionSeconds ?? 0) >= 2,
    );
    await client.playbackInfo(itemId);
    let suggestions: unknown[] = [];
    const interaction = {
      options: { getFocused: () => ({ name: 'media', value: 'night' }), getString: () => null },
      respond: async (choices: unknown[]) => {
        suggestions = choices;
      },
    } as unknown as AutocompleteInteraction;
    await suggestMedia(new CatalogSearch({ db: harness.database.db, client, logger }), interaction, logger);
    assert.ok(suggestions.length > 0);

    const { text, samples, families } = await scrape();
    assertFamilies(families, [
      ['process_cpu_user_seconds_total', 'counter'],
      ['process_resident_memory_bytes', 'gauge'],
      ['orb_parties', 'gauge'],
      ['orb_catalog_items', 'gauge'],
      ['orb_worker_starts_total', 'counter'],
      ['orb_worker_restarts_total', 'counter'],
      ['orb_jellyfin_request_duration_seconds', 'histogram'],
      ['orb_autocomplete_duration_seconds', 'histogram'],
      ...partyFamilies,
    ]);
    assert.equal(sampleValue(samples, 'orb_parties', { status: 'draft' }), 1);
    assert.equal(sampleValue(samples, 'orb_parties', { status: 'playing' }), 0);
    assert.ok((sampleValue(samples, 'orb_catalog_items', { type: 'movie' }) ?? 0) > 0);
    assert.equal(sampleValue(samples, 'orb_worker_starts_total'), 1);
    // The party's worker is a child of the bot, so its CPU and memory are here too.
    assertPartyPlays(samples, PARTY);
    assert.ok(
      (sampleValue(samples, 'orb_jellyfin_request_duration_seconds_count', {
        method: 'GET',
        route: '/Items/{id}/PlaybackInfo',
        outcome: '200',
      }) ?? 0) >= 1,
    );
    assert.ok(
      (sampleValue(samples, 'orb_jellyfin_request_duration_seconds_count', { route: '/Items' }) ?? 0) >= 1,
    );
    assert.equal(
      sampleValue(samples, 'orb_autocomplete_duration_seconds_count', {
        option: 'media',
        outcome: 'suggestions',
      }),
      1,
    );

    for (const family of dashboardFamilies('bot'))
      assert.ok(families.has(family), `the Grafana dashboard asks for ${family}, which /metrics lacks`);

    assertNothingLeaks(
      text,
      [METRICS_TOKEN, API_TOKEN, STREAMER_TOKEN, jellyfin.apiKey, media.apiKey],
      [jellyfin.url, media.url, '127.0.0.1', 'http'],
    );
    assert.ok(!text.includes(itemId), 'a Jellyfin item id is in the output');
  });

  test('a restarted worker counts a start and a restart, and its party streams on', async () => {
    const before = (await scrape()).samples;
    const killed = supervisor.processId(PARTY)!;
    process.kill(killed, 'SIGKILL');
    await waitFor('a new worker', () => ![null, killed].includes(supervisor.processId(PARTY)));
    // A new worker counts from 0: its figures show once it runs and has sent frames.
    await waitFor('frames from the new worker', async () => (await framesSent()) > 0);

    const { samples } = await scrape();
    assert.equal(
      sampleValue(samples, 'orb_worker_restarts_total'),
      (sampleValue(before, 'orb_worker_restarts_total') ?? 0) + 1,
    );
    assert.equal(
      sampleValue(samples, 'orb_worker_starts_total'),
      (sampleValue(before, 'orb_worker_starts_total') ?? 0) + 1,
    );
    assert.equal(sampleValue(samples, 'orb_worker_give_ups_total'), 0);
  });

  test('a closed party leaves no stream series behind', async () => {
    await supervisor.close(PARTY);
    const { samples } = await scrape();
    assert.equal(samples.filter((sample) => sample.labels.party === PARTY).length, 0);
  });

  test('asks for its own token: an API token does not open it, and it opens no API route', async () => {
    for (const headers of [{}, { authorization: `Bearer ${API_TOKEN}` }]) {
      const refused = await api.inject({ method: 'GET', url: '/metrics', headers });
      assert.equal(refused.statusCode, 401);
      assert.match(refused.json().error.message, /METRICS_TOKEN/);
      assert.ok(!refused.body.includes('orb_'));
    }
    const api401 = await api.inject({
      method: 'GET',
      url: '/api/sessions',
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    assert.equal(api401.statusCode, 401);
  });

  test('is off, and says how to turn it on, without METRICS_TOKEN', async () => {
    const off = buildApi({
      service: harness.service,
      apiTokens: [API_TOKEN],
      logger,
      metrics: { token: null, contentType: 'text/plain', render: async () => 'orb_parties 1\n' },
    });
    try {
      const response = await off.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: `Bearer ${API_TOKEN}` },
      });
      assert.equal(response.statusCode, 404);
      assert.equal(response.json().error.message, 'Metrics are off: set METRICS_TOKEN to serve them.');
    } finally {
      await off.close();
    }
  });
});

describe('Jellyfin route templates', () => {
  test('keep Jellyfin’s own words and hide every id', () => {
    assert.equal(routeTemplate('/Items'), '/Items');
    assert.equal(
      routeTemplate('/Items/0f3a9c21b5d84e6f9a7b1c2d3e4f5a6b/PlaybackInfo'),
      '/Items/{id}/PlaybackInfo',
    );
    assert.equal(routeTemplate('/Shows/series%201/Episodes'), '/Shows/{id}/Episodes');
    assert.equal(
      routeTemplate('/Users/5e1f2a3b-4c5d-6e7f-8a9b-0c1d2e3f4a5b/Items/Resume'),
      '/Users/{id}/Items/Resume',
    );
    assert.equal(routeTemplate('/Sessions/Playing/Progress'), '/Sessions/Playing/Progress');
  });
});
