// How fast the bot answers Discord, measured at the Discord simulator from the moment it sends
// INTERACTION_CREATE to the moment the bot's interaction callback arrives: autocomplete over a
// 50,000-item catalog (synced from the Jellyfin simulator into the real CatalogSearch) and the first
// acknowledgement of /watchparty commands. Discord drops answers after 3 s; targets are far below.
// `npm run bench -- interactions [--json] [--items N] [--samples S]`
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDiscordSim } from '../sim/discord/index.ts';
import { startJellyfinSim } from '../sim/jellyfin/server.ts';
import { openDatabase } from '../src/db/connection.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { CatalogSearch } from '../src/jellyfin/catalog-search.ts';
import { syncCatalog } from '../src/jellyfin/catalog-sync.ts';
import { JellyfinClient } from '../src/jellyfin/client.ts';
import { createLogger } from '../src/logger.ts';
import { WatchPartyService } from '../src/watchparty/service.ts';
import { memberInVoice, startBotOnSim } from '../test/discord/harness.ts';
import { FakeMediaLibrary } from '../test/support/fake-media-library.ts';
import { FakeWorkerPool } from '../test/support/fake-worker-pool.ts';
import { round } from './_round.ts';
import type { BenchOptions } from './run.ts';

function option(args: string[], name: string, fallback: number): number {
  const index = args.indexOf(name);
  const value = index >= 0 ? Number(args[index + 1]) : Number.NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? 0,
  };
}

/** A deterministic stream in [0, 1), so runs compare. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

export async function run({ json, args }: BenchOptions): Promise<void> {
  const itemCount = option(args, '--items', 50_000);
  const sampleCount = option(args, '--samples', 400);
  const logger = createLogger({ level: 'silent', pretty: false });
  const jellyfin = await startJellyfinSim({ library: 'empty', largeCatalog: itemCount });
  const discord = await startDiscordSim();
  const folder = mkdtempSync(join(tmpdir(), 'orb-bench-interactions-'));
  const db = openDatabase(join(folder, 'orb.sqlite'));
  const workers = new FakeWorkerPool();
  const service = new WatchPartyService({ db, workers, media: new FakeMediaLibrary(), logger });
  let stopBot = async () => {};
  try {
    await migrateToLatest(db);
    const syncStarted = performance.now();
    await syncCatalog(
      db,
      new JellyfinClient({ baseUrl: jellyfin.url, apiKey: jellyfin.apiKey, timeoutMs: 30_000 }),
      {
        mode: 'full',
      },
    );
    const syncSeconds = (performance.now() - syncStarted) / 1000;
    const bot = await startBotOnSim(discord, { service, search: new CatalogSearch({ db }), logger });
    stopBot = () => bot.stop();
    const viewer = memberInVoice(discord, 'viewer');
    const context = { user: viewer };
    await discord.interactions.command(context, 'watchparty', 'create', { media: 'movie-1' }).reply();

    const next = random(7);
    const titles = (await db.selectFrom('catalog_items').select('name').execute()).map((row) => row.name);
    const typed = () => {
      const title = titles[Math.floor(next() * titles.length)] ?? 'the';
      return title.slice(0, 2 + Math.floor(next() * Math.min(10, title.length)));
    };

    // Warm-up: first calls pay for JIT and SQLite page cache, which a running bot has already paid.
    for (let index = 0; index < 20; index += 1) {
      await discord.interactions.autocomplete(context, 'watchparty', 'queue', 'media', typed()).choices();
    }
    const autocomplete: number[] = [];
    let emptyAnswers = 0;
    for (let index = 0; index < sampleCount; index += 1) {
      const interaction = discord.interactions.autocomplete(context, 'watchparty', 'queue', 'media', typed());
      const callback = await interaction.response();
      autocomplete.push(callback.at - interaction.dispatchedAt);
      const choices = await interaction.choices();
      if (choices.length === 1 && choices[0]?.value === 'orb:no-match') emptyAnswers += 1;
    }
    const commands: number[] = [];
    const mix: [string, Record<string, string | number>][] = [
      ['nowplaying', {}],
      ['list', {}],
      ['queue', { media: 'movie-2' }],
      ['remove', { position: 1 }],
      ['pause', {}],
      ['resume', {}],
    ];
    for (let index = 0; index < sampleCount; index += 1) {
      const [sub, options] = mix[index % mix.length]!;
      const interaction = discord.interactions.command(context, 'watchparty', sub, options);
      const callback = await interaction.response();
      commands.push(callback.at - interaction.dispatchedAt);
      await interaction.reply();
    }

    const auto = summary(autocomplete);
    const acks = summary(commands);
    console.log(
      `catalog: ${itemCount} items synced in ${syncSeconds.toFixed(1)} s; ${sampleCount} samples each`,
    );
    console.log('measure                    p50 ms   p95 ms   p99 ms   max ms');
    for (const [name, figures] of [
      ['autocomplete → callback', auto],
      ['command → first ack', acks],
    ] as const) {
      console.log(
        `${name.padEnd(26)}${figures.p50.toFixed(1).padStart(7)}${figures.p95.toFixed(1).padStart(9)}${figures.p99.toFixed(1).padStart(9)}${figures.max.toFixed(1).padStart(9)}`,
      );
    }
    console.log(`autocomplete answers with no match: ${emptyAnswers} of ${sampleCount}`);
    console.log('targets: autocomplete p95 ≤ 50 ms, command ack p95 ≤ 100 ms');
    if (json) {
      console.log(
        JSON.stringify({
          autocompleteP50Ms: round(auto.p50, 2),
          autocompleteP95Ms: round(auto.p95, 2),
          commandAckP95Ms: round(acks.p95, 2),
          samples: sampleCount,
        }),
      );
    }
  } finally {
    await stopBot();
    await service.close();
    await db.destroy();
    await discord.stop();
    await jellyfin.stop();
    rmSync(folder, { recursive: true, force: true });
  }
}
