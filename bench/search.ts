// Autocomplete search against a 50,000-item catalog synced from the Jellyfin simulator, whose own
// search is slowed to 2 s (so any query that leaked to Jellyfin would show). Queries are what people
// type: prefixes of real titles, titles with a typo, and episode codes.
// `npm run bench -- search [--json] [--items N] [--queries Q]`
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startJellyfinSim } from '../sim/jellyfin/server.ts';
import { openDatabase } from '../src/db/connection.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { maxChoices } from '../src/interactions/autocomplete-choices.ts';
import { CatalogSearch } from '../src/jellyfin/catalog-search.ts';
import { syncCatalog } from '../src/jellyfin/catalog-sync.ts';
import { JellyfinClient } from '../src/jellyfin/client.ts';
import { round } from './_round.ts';
import type { BenchOptions } from './run.ts';

type QueryKind = 'prefix' | 'typo' | 'episode';

function option(args: string[], name: string, fallback: number): number {
  const index = args.indexOf(name);
  const value = index >= 0 ? Number(args[index + 1]) : Number.NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** A deterministic stream of numbers in [0, 1), so runs compare. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

function withTypo(word: string, next: () => number): string {
  const at = 1 + Math.floor(next() * (word.length - 2));
  return next() < 0.5
    ? word.slice(0, at) + word.slice(at + 1) // a letter dropped
    : word.slice(0, at) + word[at + 1] + word[at] + word.slice(at + 2); // two letters swapped
}

export async function run({ json, args }: BenchOptions): Promise<void> {
  const itemCount = option(args, '--items', 50_000);
  const queryCount = option(args, '--queries', 600);
  const sim = await startJellyfinSim({ library: 'empty', largeCatalog: itemCount, searchLatencyMs: 2_000 });
  const folder = mkdtempSync(join(tmpdir(), 'orb-bench-search-'));
  const db = openDatabase(join(folder, 'catalog.sqlite'));
  try {
    await migrateToLatest(db);
    const client = new JellyfinClient({ baseUrl: sim.url, apiKey: sim.apiKey, timeoutMs: 30_000 });
    const sync = await syncCatalog(db, client, { mode: 'full' });
    const incremental = await syncCatalog(db, client, { mode: 'incremental' });

    const next = random(42);
    const rows = await db.selectFrom('catalog_items').select(['name', 'type', 'series_name']).execute();
    const pick = () => rows[Math.floor(next() * rows.length)]!;
    const seriesNames = rows.filter((row) => row.type === 'series').map((row) => row.name);
    const queries: { kind: QueryKind; text: string }[] = [];
    while (queries.length < queryCount) {
      const row = pick();
      const roll = next();
      if (roll < 0.5) {
        const title = row.type === 'episode' ? (row.series_name ?? row.name) : row.name;
        queries.push({ kind: 'prefix', text: title.slice(0, 1 + Math.floor(next() * title.length)) });
      } else if (roll < 0.75) {
        const words = row.name.split(' ');
        const longest = words.reduce((a, b) => (b.length > a.length ? b : a), '');
        if (longest.length < 5) continue;
        queries.push({ kind: 'typo', text: row.name.replace(longest, withTypo(longest, next)) });
      } else {
        const series = seriesNames[Math.floor(next() * seriesNames.length)];
        const season = 1 + Math.floor(next() * 2);
        const episode = 1 + Math.floor(next() * 9);
        const forms = [
          `s${season}e${episode}`,
          `${series ?? 'Silent'} S${String(season).padStart(2, '0')}E${String(episode).padStart(2, '0')}`,
          `${(series ?? 'Silent').split(' ').slice(0, 2).join(' ')} ${season}x${String(episode).padStart(2, '0')}`,
        ];
        queries.push({ kind: 'episode', text: forms[Math.floor(next() * forms.length)]! });
      }
    }

    const search = new CatalogSearch({ db, client });
    const asked = { limit: maxChoices };
    for (const query of queries.slice(0, 30)) await search.search(query.text, asked); // warm caches
    const liveBefore = sim.requests.filter((request) => 'searchTerm' in request.query).length;
    const timings: Record<QueryKind | 'all', number[]> = { prefix: [], typo: [], episode: [], all: [] };
    let empty = 0;
    for (const query of queries) {
      const started = performance.now();
      const choices = await search.search(query.text, asked);
      const elapsed = performance.now() - started;
      timings[query.kind].push(elapsed);
      timings.all.push(elapsed);
      if (choices.length === 0) empty += 1;
      if (process.env.BENCH_VERBOSE && (choices.length === 0 || elapsed > 20)) {
        console.log(`${elapsed.toFixed(1)} ms, ${choices.length} choices: ${query.kind} "${query.text}"`);
      }
    }
    const liveSearches = sim.requests.filter((request) => 'searchTerm' in request.query).length - liveBefore;

    const summary = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return {
        n: sorted.length,
        p50: percentile(sorted, 50),
        p95: percentile(sorted, 95),
        p99: percentile(sorted, 99),
      };
    };
    const fmt = (ms: number) => ms.toFixed(2).padStart(8);
    console.log(`catalog: ${sync.catalogSize} items, full sync ${sync.seconds.toFixed(2)} s, `);
    console.log(
      `no-change incremental sync ${incremental.seconds.toFixed(2)} s (${incremental.upserted} refetched)`,
    );
    console.log('kind        queries   p50 ms   p95 ms   p99 ms');
    for (const kind of ['prefix', 'typo', 'episode', 'all'] as const) {
      const s = summary(timings[kind]);
      console.log(`${kind.padEnd(10)} ${String(s.n).padStart(8)} ${fmt(s.p50)} ${fmt(s.p95)} ${fmt(s.p99)}`);
    }
    console.log(
      `queries with no choices: ${empty}; queries that reached Jellyfin's slowed search: ${liveSearches}`,
    );
    const all = summary(timings.all);
    console.log(
      `targets: p95 ≤ 20 ms (${all.p95 <= 20 ? 'met' : 'MISSED'}), full sync < 60 s (${sync.seconds < 60 ? 'met' : 'MISSED'})`,
    );
    if (json) {
      console.log(
        JSON.stringify({
          items: sync.catalogSize,
          queries: all.n,
          p50Ms: round(all.p50, 3),
          p95Ms: round(all.p95, 3),
          p99Ms: round(all.p99, 3),
          syncSeconds: round(sync.seconds, 3),
        }),
      );
    }
  } finally {
    await db.destroy();
    await sim.stop();
    rmSync(folder, { recursive: true, force: true });
  }
}
