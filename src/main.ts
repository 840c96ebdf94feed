// The composition root and command line: `start`, `migrate`, `register-commands`, `sync-catalog`.
// Each command loads only the settings it needs, so `migrate` works with nothing but DATABASE_PATH
// and a newcomer's first `start` lists every missing setting at once.
import {
  ConfigError,
  loadBaseConfig,
  loadConfig,
  loadDiscordConfig,
  loadDotEnv,
  loadJellyfinConfig,
  secretValues,
} from './config.ts';
import { openDatabase } from './db/connection.ts';
import { migrateToLatest } from './db/migrate.ts';
import { createDiscordBot } from './discord/bot.ts';
import { registerCommands } from './discord/register-commands.ts';
import { buildApi } from './http/api.ts';
import {
  CatalogScheduler,
  CatalogSearch,
  createJellyfinClient,
  createSyncProgressReporter,
  JellyfinMediaLibrary,
  JellyfinPlaybackReporter,
  syncCatalog,
} from './jellyfin/index.ts';
import { createLogger, registerSecrets } from './logger.ts';
import { WatchPartyService } from './watchparty/service.ts';
import { WorkerSupervisor } from './worker-pool/supervisor.ts';

const usage = `usage: node src/main.ts <command>

commands:
  start              validate settings, migrate, log in to Discord, serve the API, run parties
  migrate            apply database migrations (needs only DATABASE_PATH)
  register-commands  publish /watchparty (guild-scoped when DISCORD_GUILD_ID is set)
  sync-catalog       copy the Jellyfin catalog into the local search index`;

async function migrate(): Promise<void> {
  const config = loadBaseConfig();
  const db = openDatabase(config.databasePath);
  try {
    const applied = await migrateToLatest(db);
    console.log(
      applied.length > 0
        ? `Applied ${applied.length} migration(s) to ${config.databasePath}: ${applied.join(', ')}`
        : `${config.databasePath} is up to date.`,
    );
  } finally {
    await db.destroy();
  }
}

async function publishCommands(): Promise<void> {
  const config = loadDiscordConfig();
  const { scope, names } = await registerCommands({
    token: config.discord.token,
    applicationId: config.discord.applicationId,
    guildId: config.discord.guildId,
    apiBase: config.discord.apiBase,
  });
  console.log(
    scope === 'guild'
      ? `Registered /${names.join(', /')} in guild ${config.discord.guildId}.`
      : `Registered /${names.join(', /')} globally (may take up to an hour to appear everywhere).`,
  );
}

async function syncCatalogOnce(): Promise<void> {
  const config = loadJellyfinConfig();
  const db = openDatabase(config.databasePath);
  try {
    await migrateToLatest(db);
    const result = await syncCatalog(db, createJellyfinClient(config.jellyfin), {
      onProgress: createSyncProgressReporter(),
    });
    console.log(
      `Catalog ${result.mode} sync in ${result.seconds.toFixed(1)} s: ${result.upserted} items updated, ` +
        `${result.deleted} removed, ${result.catalogSize} in the catalog.`,
    );
  } finally {
    await db.destroy();
  }
}

async function start(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel });
  const db = openDatabase(config.databasePath);
  const applied = await migrateToLatest(db);
  if (applied.length > 0) logger.info({ applied }, 'database migrated');

  const jellyfin = createJellyfinClient(config.jellyfin);
  const search = new CatalogSearch({ db, client: jellyfin, logger });
  const scheduler = new CatalogScheduler({
    sync: (signal) => syncCatalog(db, jellyfin, { signal }),
    intervalMinutes: config.jellyfin.syncIntervalMinutes,
    logger,
  });
  const workers = new WorkerSupervisor({
    logger,
    streamerTokens: config.streamerTokens,
    jellyfin: { url: config.jellyfin.url, apiKey: config.jellyfin.apiKey },
    discordApiBase: config.discord.apiBase,
    stream: { profile: config.stream.profile, bitrateKbps: config.stream.bitrateKbps },
    mediaSend: config.stream.mediaSend,
    logLevel: config.logLevel,
  });
  const service = new WatchPartyService({
    db,
    workers,
    media: new JellyfinMediaLibrary(jellyfin),
    reporter: new JellyfinPlaybackReporter({ client: jellyfin, logger }),
    logger,
    djRoleId: config.discord.djRoleId,
  });
  const api = buildApi({ service, apiTokens: config.http.apiTokens, logger });
  const bot = createDiscordBot({ service, search, logger, apiBase: config.discord.apiBase });

  let stopping: Promise<void> | null = null;
  const shutdown = (signal: string) => {
    stopping ??= (async () => {
      logger.info({ signal }, 'shutting down');
      scheduler.stop();
      await Promise.allSettled([bot.stop(), api.close()]);
      await service.close();
      await workers.shutdown();
      await db.destroy();
      logger.flush();
    })();
    return stopping;
  };
  process.once('SIGINT', () => void shutdown('SIGINT').then(() => process.exit(0)));
  process.once('SIGTERM', () => void shutdown('SIGTERM').then(() => process.exit(0)));

  const address = await api.listen({ host: config.http.host, port: config.http.port });
  logger.info({ address }, 'JSON API listening');
  scheduler.start();
  await bot.start(config.discord.token);
  logger.info({ user: bot.client.user?.tag }, 'logged in to Discord; watch parties are open');
}

const commands: Record<string, () => Promise<void>> = {
  start,
  migrate,
  'register-commands': publishCommands,
  'sync-catalog': syncCatalogOnce,
};

async function main(argv: string[]): Promise<number> {
  const name = argv[0];
  const command = name ? commands[name] : undefined;
  if (!command) {
    console.error(usage);
    return name === undefined || name === 'help' || name === '--help' ? 0 : 2;
  }
  loadDotEnv();
  registerSecrets(secretValues());
  try {
    await command();
    return 0;
  } catch (error) {
    reportFatal(error);
    return 1;
  }
}

function reportFatal(error: unknown): void {
  if (error instanceof ConfigError) {
    console.error(error.message);
    return;
  }
  createLogger({ pretty: false }).fatal(
    { err: error },
    error instanceof Error ? error.message : 'fatal error',
  );
}

const code = await main(process.argv.slice(2));
// `start` keeps running on its servers; the other commands end here.
if (code !== 0 || process.argv[2] !== 'start') process.exit(code);
