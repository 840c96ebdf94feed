// The bot's /metrics as Prometheus and an operator see it: the text format with every family while
// a party plays (a real stream worker, capture sink), figures that move when a worker is restarted,
// its own token, and never a secret, an address or an id of what people watch in the output.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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
import { WorkerSupervisor } from '../../src/worker-pool/supervisor.ts';
import { createParty, createWatchPartyHarness, type WatchPartyHarness } from '../support/watch-party.ts';
import {
  type MediaServer,
  type makeTempDir,
  playRequest,
  serveClip,
} from '../worker/support/media-fixtures.ts';

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';
const API_TOKEN = 'api-token-for-tests-0123456789';
const STREAMER_TOKEN = 'streamer-token-for-the-metrics-test';
const CLIP_SECONDS = 30;
const PARTY = '7';
const logger = createLogger({ level: 'silent', pretty: false });

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Reads the text exposition strictly: every sample line well formed, every family with HELP and TYPE. */
function parseExposition(text: string): { samples: Sample[]; families: Map<string, string> } {
  const samples: Sample[] = [];
  const families = new Map<string, string>();
  const helped = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (comment) {
      if (comment[1] === 'HELP') helped.add(comment[2]!);
      else families.set(comment[2]!, comment[3]!);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(sample, `not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[key!] = value!;
    // Go's ParseFloat, which Prometheus uses, reads NaN in any case (prom-client writes `Nan`).
    assert.match(sample[3]!, /^(?:[+-]?(?:\d+(?:\.\d*)?(?:e[+-]?\d+)?|Inf)|nan)$/i, `not a value: ${line}`);
    samples.push({ name: sample[1]!, labels, value: Number(sample[3]!.replace(/^nan$/i, 'NaN')) });
  }
  for (const family of families.keys()) assert.ok(helped.has(family), `${family} has no HELP`);
  return { samples, families };
}

function sampleValue(
  samples: Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  return samples.find(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  )?.value;
}

/** Every family the Grafana dashboard's queries read. */
function dashboardFamilies(): Set<string> {
  const dashboard = JSON.parse(
    readFileSync(new URL('../../deploy/grafana/orb-watch-party.json', import.meta.url), 'utf8'),
  );
  const exprs: string[] = dashboard.panels.flatMap((panel: { targets: { expr: string }[] }) =>
    panel.targets.map((target) => target.expr),
  );
  const names = exprs.flatMap((expr) => expr.match(/\b(?:orb|process|nodejs)_[a-z_]+/g) ?? []);
  return new Set(names.map((name) => name.replace(/_(?:bucket|count|sum)$/, '')));
}

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
    supervisor = new WorkerSupervisor({
      logger,
      streamerTokens: [STREAMER_TOKEN],
      jellyfin: { url: media.url, apiKey: media.apiKey },
      stream: { profile: '720p30', bitrateKbps: 2_500 },
      sink: 'capture',
      logLevel: 'warn',
      restart: { maxFailures: 3, windowMs: 60_000, backoffMs: [100] },
    });
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
    for (const [family, type] of [
      ['process_cpu_user_seconds_total', 'counter'],
      ['process_resident_memory_bytes', 'gauge'],
      ['orb_parties', 'gauge'],
      ['orb_catalog_items', 'gauge'],
      ['orb_worker_starts_total', 'counter'],
      ['orb_worker_restarts_total', 'counter'],
      ['orb_jellyfin_request_duration_seconds', 'histogram'],
      ['orb_autocomplete_duration_seconds', 'histogram'],
      ['orb_stream_info', 'gauge'],
      ['orb_stream_video_frames_sent_total', 'counter'],
      ['orb_stream_video_frames_dropped_total', 'counter'],
      ['orb_stream_bytes_sent_total', 'counter'],
      ['orb_stream_dave_transitions_total', 'counter'],
      ['orb_stream_dave_epoch', 'gauge'],
      ['orb_stream_nacks_received_total', 'counter'],
      ['orb_stream_packets_retransmitted_total', 'counter'],
    ]) {
      assert.equal(families.get(family!), type, `${family} is a ${type}`);
    }
    assert.equal(sampleValue(samples, 'orb_parties', { status: 'draft' }), 1);
    assert.equal(sampleValue(samples, 'orb_parties', { status: 'playing' }), 0);
    assert.ok((sampleValue(samples, 'orb_catalog_items', { type: 'movie' }) ?? 0) > 0);
    assert.equal(sampleValue(samples, 'orb_worker_starts_total'), 1);
    assert.equal(
      sampleValue(samples, 'orb_stream_info', { party: PARTY, encoder: 'copy', send_path: 'capture' }),
      1,
    );
    assert.ok((sampleValue(samples, 'orb_stream_video_frames_sent_total', { party: PARTY }) ?? 0) > 30);
    assert.ok((sampleValue(samples, 'orb_stream_bytes_sent_total', { party: PARTY }) ?? 0) > 0);
    assert.equal(sampleValue(samples, 'orb_worker_stats_unanswered'), 0);
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

    for (const family of dashboardFamilies())
      assert.ok(families.has(family), `the Grafana dashboard asks for ${family}, which /metrics lacks`);

    for (const secret of [METRICS_TOKEN, API_TOKEN, STREAMER_TOKEN, jellyfin.apiKey, media.apiKey])
      assert.ok(!text.includes(secret), 'a token is in the output');
    for (const address of [jellyfin.url, media.url, '127.0.0.1', 'http'])
      assert.ok(!text.includes(address), `${address} is in the output`);
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
