// Catalog sync from the simulator into SQLite: full, incremental with changes and deletions, the
// record of runs, failures that leave the catalog as it was, the schedule and the progress output.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import type { JellyfinSim } from '../../sim/jellyfin/server.ts';
import { waitFor } from '../../sim/wait-for.ts';
import { CatalogScheduler } from '../../src/jellyfin/catalog-scheduler.ts';
import {
  CatalogSyncBusyError,
  type SyncProgress,
  type SyncResult,
  syncCatalog,
} from '../../src/jellyfin/catalog-sync.ts';
import type { JellyfinClient } from '../../src/jellyfin/client.ts';
import { JellyfinUnexpectedResponseError } from '../../src/jellyfin/errors.ts';
import { createSyncProgressReporter } from '../../src/jellyfin/sync-progress.ts';
import type { TestDatabase } from '../support/database.ts';
import { type JellyfinFixture, startJellyfinFixture } from './fixture.ts';

function catalogKindsIn(sim: JellyfinSim): number {
  return sim.library.sorted().filter((item) => ['Movie', 'Series', 'Episode'].includes(item.type)).length;
}

describe('catalog sync', () => {
  let fixture: JellyfinFixture;
  let sim: JellyfinSim;
  let client: JellyfinClient;
  let database: TestDatabase;

  beforeEach(async () => {
    fixture = await startJellyfinFixture();
    ({ sim, client, database } = fixture);
  });
  afterEach(() => fixture.cleanup());

  test('a full sync stores movies, series and episodes with their metadata', async () => {
    const progress: SyncProgress[] = [];
    const result = await syncCatalog(database.db, client, {
      pageSize: 4,
      onProgress: (p) => progress.push(p),
    });
    assert.equal(result.mode, 'full');
    assert.equal(result.catalogSize, catalogKindsIn(sim));
    assert.equal(result.upserted, catalogKindsIn(sim));

    const episode = await database.db
      .selectFrom('catalog_items')
      .selectAll()
      .where('name', '=', 'Graveyard Shift')
      .executeTakeFirstOrThrow();
    const series = sim.library.byName('Nightshift Diaries');
    assert.equal(episode.type, 'episode');
    assert.equal(episode.series_name, 'Nightshift Diaries');
    assert.equal(episode.series_id, series.id);
    assert.equal(episode.season_number, 1);
    assert.equal(episode.episode_number, 2);
    assert.equal(episode.year, 2021);
    assert.equal(episode.runtime_seconds, 5);
    assert.match(episode.overview ?? '', /Graveyard Shift/);
    assert.equal(episode.poster_item_id, series.id, 'episodes show their series poster');

    const movie = await database.db
      .selectFrom('catalog_items')
      .selectAll()
      .where('name', '=', 'Night Harbor')
      .executeTakeFirstOrThrow();
    assert.equal(movie.type, 'movie');
    assert.equal(movie.tmdb_id, '550000');
    assert.equal(movie.imdb_id, 'tt9990000');
    assert.equal(movie.runtime_seconds, 10);
    assert.ok(movie.date_saved);
    assert.equal(movie.name_norm, 'night harbor');

    const seasons = await database.db
      .selectFrom('catalog_items')
      .select('type')
      .where('type', 'not in', ['movie', 'series', 'episode'])
      .execute();
    assert.equal(seasons.length, 0, 'seasons are not catalog entries');
    assert.deepEqual([...new Set(progress.map((p) => p.phase))], ['fetching', 'indexing', 'done']);
    const fetched = progress.filter((p) => p.phase === 'fetching').at(-1);
    assert.equal(fetched?.done, fetched?.total);
  });

  test('an incremental sync picks up changes and additions and notices deletions', async () => {
    await syncCatalog(database.db, client);
    const renamed = sim.library.byName('Harbor');
    sim.library.update(renamed.id, { name: 'Harbour Nights' });
    const added = sim.library.add({ id: 'f'.repeat(32), type: 'Movie', name: 'Fresh Arrival', year: 2026 });
    sim.library.remove(sim.library.byName('Drift Cadence').id);
    sim.library.remove(sim.library.byName('Code Blue').id);

    const result = await syncCatalog(database.db, client);
    assert.equal(result.mode, 'incremental');
    // Only what was saved since the newest save already held (that boundary item included).
    assert.ok(result.upserted >= 2 && result.upserted <= 3, `upserted ${result.upserted}`);
    assert.equal(result.deleted, 2);
    assert.equal(result.catalogSize, catalogKindsIn(sim));

    const names = (await database.db.selectFrom('catalog_items').select('name').execute()).map(
      (row) => row.name,
    );
    assert.ok(names.includes('Harbour Nights'));
    assert.ok(!names.includes('Harbor'));
    assert.ok(names.includes(added.name));
    assert.ok(!names.includes('Drift Cadence'));
    assert.ok(!names.includes('Code Blue'));

    const runs = await database.db.selectFrom('catalog_sync_runs').selectAll().orderBy('id').execute();
    assert.deepEqual(
      runs.map((run) => [run.mode, run.status, run.items_deleted]),
      [
        ['full', 'succeeded', 0],
        ['incremental', 'succeeded', 2],
      ],
    );
  });

  test('removing a series removes its episodes from the catalog', async () => {
    await syncCatalog(database.db, client);
    const series = sim.library.byName('Nightshift Diaries');
    sim.library.remove(series.id);
    await syncCatalog(database.db, client);
    const left = await database.db
      .selectFrom('catalog_items')
      .select('name')
      .where((eb) => eb.or([eb('series_id', '=', series.id), eb('item_id', '=', series.id)]))
      .execute();
    assert.deepEqual(left, []);
  });

  test('a failed sync keeps the catalog as it was and records the failure', async () => {
    await syncCatalog(database.db, client);
    const before = await database.db.selectFrom('catalog_items').select('item_id').execute();
    sim.library.remove(sim.library.byName('Night Harbor').id);
    sim.faults.set({
      path: '/Items',
      when: (request) => request.query.get('startIndex') === '0',
      status: 500,
    });
    await assert.rejects(syncCatalog(database.db, client, { mode: 'full' }), JellyfinUnexpectedResponseError);
    const afterFailure = await database.db.selectFrom('catalog_items').select('item_id').execute();
    assert.equal(afterFailure.length, before.length);
    const failed = await database.db
      .selectFrom('catalog_sync_runs')
      .selectAll()
      .where('status', '=', 'failed')
      .executeTakeFirstOrThrow();
    assert.match(failed.error ?? '', /HTTP 500/);
    assert.ok(!(failed.error ?? '').includes(sim.apiKey));
  });
});

describe('overlapping syncs', () => {
  let fixture: JellyfinFixture;
  before(async () => {
    fixture = await startJellyfinFixture();
  });
  after(() => fixture.cleanup());

  test('a second sync is refused while one is running, then allowed', async () => {
    const { sim, client, database } = fixture;
    sim.faults.set({ path: '/Items', latencyMs: 300, times: 1 });
    const first = syncCatalog(database.db, client);
    // Polled often: the second sync has to start within the 300 ms the first one's /Items is held.
    await waitFor(
      'the first sync to ask for /Items',
      () => sim.requests.some((r) => r.path === '/Items'),
      10_000,
      5,
    );
    await assert.rejects(syncCatalog(database.db, client), CatalogSyncBusyError);
    assert.equal((await first).mode, 'full');
    assert.equal((await syncCatalog(database.db, client)).mode, 'incremental');
  });
});

describe('catalog scheduler', () => {
  let fixture: JellyfinFixture;
  before(async () => {
    fixture = await startJellyfinFixture();
  });
  after(() => fixture.cleanup());

  test('runs soon after start, never overlaps, and stops', async () => {
    const { sim, client, database } = fixture;
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    let firstRun: (value: SyncResult) => void = () => {};
    const firstRunDone = new Promise<SyncResult>((resolve) => {
      firstRun = resolve;
    });
    const scheduler = new CatalogScheduler({
      intervalMinutes: 30,
      initialDelayMs: 0,
      sync: async (signal) => {
        running += 1;
        runs += 1;
        maxRunning = Math.max(maxRunning, running);
        try {
          const result = await syncCatalog(database.db, client, { signal });
          firstRun(result);
          return result;
        } finally {
          running -= 1;
        }
      },
    });
    scheduler.start();
    const [joinedA, joinedB] = await Promise.all([scheduler.runNow(), scheduler.runNow()]);
    assert.equal(joinedA, joinedB, 'a second request joins the running sync');
    const first = await firstRunDone;
    assert.equal(first.catalogSize, catalogKindsIn(sim));
    await scheduler.stop();
    assert.equal(maxRunning, 1);
    assert.ok(runs >= 1);
    const onDemand = await scheduler.runNow();
    assert.equal(onDemand?.mode, 'incremental', 'a sync on demand still works after the schedule stopped');
  });

  test('an interval of 0 turns the schedule off', async () => {
    let runs = 0;
    const scheduler = new CatalogScheduler({
      intervalMinutes: 0,
      initialDelayMs: 0,
      sync: async () => {
        runs += 1;
        throw new Error('should not run');
      },
    });
    scheduler.start();
    await new Promise((resolve) => setImmediate(resolve));
    await scheduler.stop();
    assert.equal(runs, 0);
  });
});

describe('sync progress output', () => {
  const steps: SyncProgress[] = [
    { mode: 'full', phase: 'fetching', done: 0, total: 1000 },
    ...Array.from({ length: 100 }, (_, i) => ({
      mode: 'full' as const,
      phase: 'fetching' as const,
      done: (i + 1) * 10,
      total: 1000,
    })),
    { mode: 'full', phase: 'indexing', done: 0, total: null },
    { mode: 'full', phase: 'done', done: 1000, total: 1000 },
  ];

  test('a terminal gets one redrawn bar per phase', () => {
    let out = '';
    const report = createSyncProgressReporter({ isTTY: true, columns: 100, write: (text) => (out += text) });
    for (const step of steps) report(step);
    assert.match(out, /\rFetching items \(full sync\) \[#+\] 100% 1,000\/1,000/);
    assert.ok(out.endsWith('\n'));
    assert.equal(out.split('\n').length - 1, 3, 'one line per phase');
  });

  test('a log gets a plain line per tenth, not per page', () => {
    const lines: string[] = [];
    const report = createSyncProgressReporter({ isTTY: false, write: (text) => lines.push(text) });
    for (const step of steps) report(step);
    assert.ok(lines.every((line) => line.endsWith('\n') && !line.includes('\r')));
    assert.ok(lines.length <= 14, `got ${lines.length} lines`);
    assert.equal(lines.at(-1), 'Catalog ready (full sync): 1,000/1,000 (100%)\n');
  });
});
