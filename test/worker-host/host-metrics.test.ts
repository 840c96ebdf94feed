// A worker host's own /metrics as Prometheus sees it: a real `node src/main.ts worker-host` on
// 127.0.0.1 running a party for a bot (a supervisor placing on it, real worker, capture sink). The
// scrape lists the host's room, its sessions with their stream figures and each worker's CPU and
// memory, and the host process's own; it asks for METRICS_TOKEN and nothing else opens it; and no
// label or value carries an address or a token.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { waitFor } from '../../sim/wait-for.ts';
import { ConfigError, loadWorkerHostConfig } from '../../src/config.ts';
import { errorResponseSchema } from '../../src/worker-contract/http.ts';
import { RemotePlacement } from '../../src/worker-pool/remote-placement.ts';
import type { WorkerSupervisor } from '../../src/worker-pool/supervisor.ts';
import {
  assertFamilies,
  assertNothingLeaks,
  assertPartyPlays,
  dashboardFamilies,
  partyFamilies,
  sampleValue,
} from '../support/prometheus-text.ts';
import {
  type RunningHost,
  scrapeWorkerHost,
  startWorkerHost,
  stopWorkerHosts,
} from '../support/worker-host-process.ts';
import {
  type MediaServer,
  type makeTempDir,
  playRequest,
  serveClip,
  sessionRequest,
} from '../worker/support/media-fixtures.ts';
import { captureSupervisor } from '../worker-pool/support/capture-supervisor.ts';

const CLIP_SECONDS = 30;
const PARTY = '5';
const HOST_TOKEN = 'worker-host-token-0123456789';
const METRICS_TOKEN = 'host-metrics-token-0123456789';
const STREAMER_TOKEN = 'streamer-token-for-host-metrics';
const MB = 2 ** 20;

describe("a worker host's /metrics", { timeout: 120_000 }, () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let media: MediaServer;
  let host: RunningHost;
  let supervisor: WorkerSupervisor;

  before(async () => {
    ({ temp, server: media } = await serveClip(CLIP_SECONDS));
    host = await startWorkerHost({
      dir: temp.dir,
      token: HOST_TOKEN,
      capacity: 2,
      env: { METRICS_TOKEN },
    });
    supervisor = captureSupervisor(media, {
      streamerTokens: [STREAMER_TOKEN],
      placement: new RemotePlacement([{ url: host.url, token: HOST_TOKEN }]),
    });
  });

  after(async () => {
    await supervisor?.shutdown();
    if (host) await stopWorkerHosts([host]);
    await media?.close();
    await temp?.remove();
  });

  test('lists its room, its sessions with their stream and worker figures, and its own process', async () => {
    await supervisor.open(sessionRequest(PARTY));
    await supervisor.play(PARTY, playRequest(media.streamUrl('clip'), { durationSeconds: CLIP_SECONDS }));
    await waitFor(
      '2 s of playback',
      async () => ((await supervisor.status(PARTY))?.positionSeconds ?? 0) >= 2,
    );

    const { text, samples, families } = await scrapeWorkerHost(host, METRICS_TOKEN);
    assertFamilies(families, [
      ['process_cpu_user_seconds_total', 'counter'],
      ['process_resident_memory_bytes', 'gauge'],
      ['orb_worker_host_places', 'gauge'],
      ['orb_worker_host_load_per_core', 'gauge'],
      ['orb_worker_starts_total', 'counter'],
      ['orb_worker_restarts_total', 'counter'],
      ['orb_worker_exits_total', 'counter'],
      ...partyFamilies,
    ]);
    assert.equal(sampleValue(samples, 'orb_worker_host_places', { state: 'used' }), 1);
    assert.equal(sampleValue(samples, 'orb_worker_host_places', { state: 'free' }), 1);
    assert.ok((sampleValue(samples, 'orb_worker_host_load_per_core') ?? -1) >= 0);
    assert.equal(sampleValue(samples, 'orb_worker_starts_total'), 1);
    assert.equal(sampleValue(samples, 'orb_worker_restarts_total'), 0);
    assert.equal(sampleValue(samples, 'orb_worker_exits_total', { how: 'died' }), 0);
    assertPartyPlays(samples, PARTY);
    assert.ok((sampleValue(samples, 'process_resident_memory_bytes') ?? 0) > 20 * MB);
    for (const family of dashboardFamilies('worker-host'))
      assert.ok(families.has(family), `the Grafana dashboard asks for ${family}, which /metrics lacks`);

    assertNothingLeaks(
      text,
      [HOST_TOKEN, METRICS_TOKEN, STREAMER_TOKEN, media.apiKey],
      [host.url, media.url, '127.0.0.1', 'http'],
    );
    const labelValues = samples.flatMap((sample) => Object.values(sample.labels));
    for (const value of labelValues)
      assert.doesNotMatch(value, /\d+\.\d+\.\d+\.\d+|:\d{2,5}\b|token|\//, `label value ${value}`);
  });

  test('asks for its own token: no token and the host token are refused, and it opens nothing else', async () => {
    for (const headers of [{}, { authorization: `Bearer ${HOST_TOKEN}` }] as Record<string, string>[]) {
      const refused = await fetch(`${host.url}/metrics`, { headers });
      assert.equal(refused.status, 401);
      const body = await refused.text();
      assert.match(errorResponseSchema.parse(JSON.parse(body)).error.message, /METRICS_TOKEN/);
      assert.ok(!body.includes('orb_'));
    }
    const hostRoute = await fetch(`${host.url}/host`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    assert.equal(hostRoute.status, 401);
  });

  test('a closed session leaves no series behind and counts as a worker stopped', async () => {
    await supervisor.close(PARTY);
    await waitFor('the host to count the exit', async () => {
      const { samples } = await scrapeWorkerHost(host, METRICS_TOKEN);
      return sampleValue(samples, 'orb_worker_exits_total', { how: 'stopped' }) === 1;
    });
    const { samples } = await scrapeWorkerHost(host, METRICS_TOKEN);
    assert.equal(samples.filter((sample) => sample.labels.party === PARTY).length, 0);
    assert.equal(sampleValue(samples, 'orb_worker_host_places', { state: 'used' }), 0);
    assert.equal(sampleValue(samples, 'orb_worker_exits_total', { how: 'died' }), 0);
  });

  test('a METRICS_TOKEN too short to be safe stops the host at start, without echoing it', () => {
    assert.throws(
      () => loadWorkerHostConfig({ WORKER_HOST_TOKEN: HOST_TOKEN, METRICS_TOKEN: 'short-secret' }),
      (thrown: unknown) =>
        thrown instanceof ConfigError &&
        thrown.problems.join('\n') ===
          'METRICS_TOKEN must be at least 16 characters (e.g. openssl rand -hex 32)' &&
        !thrown.message.includes('short-secret'),
    );
    assert.equal(
      loadWorkerHostConfig({ WORKER_HOST_TOKEN: HOST_TOKEN, METRICS_TOKEN }).metricsToken,
      METRICS_TOKEN,
    );
  });

  test('is off, and says how to turn it on, without METRICS_TOKEN', async () => {
    const plain = await startWorkerHost({ dir: temp.dir, token: HOST_TOKEN, capacity: 1 });
    try {
      const response = await fetch(`${plain.url}/metrics`, {
        headers: { authorization: `Bearer ${HOST_TOKEN}` },
      });
      assert.equal(response.status, 404);
      assert.equal(
        errorResponseSchema.parse(await response.json()).error.message,
        'Metrics are off: set METRICS_TOKEN to serve them.',
      );
    } finally {
      await stopWorkerHosts([plain]);
    }
  });
});
