// The composition root and command line: `start`, `migrate`, `register-commands`, `sync-catalog`, `doctor`,
// `worker-host`.
// Each command loads only the settings it needs, so `migrate` works with nothing but DATABASE_PATH
// and a newcomer's first `start` lists every missing setting at once.
import {
  ConfigError,
  loadBaseConfig,
  loadConfig,
  loadDiscordConfig,
  loadDotEnv,
  loadJellyfinConfig,
  loadWorkerHostConfig,
  secretValues,
} from './config.ts';
import { discordMembers, registerDashboard } from './dashboard/index.ts';
import { openDatabase } from './db/connection.ts';
import { migrateToLatest } from './db/migrate.ts';
import { createDiscordBot } from './discord/bot.ts';
import { registerCommands } from './discord/register-commands.ts';
import { ChecksFailedError, failures, renderJson, renderTable, runDoctor } from './doctor/index.ts';
import { buildApi } from './http/api.ts';
import {
  CatalogScheduler,
  CatalogSearch,
  connectFilmNight,
  createJellyfinClient,
  createSyncProgressReporter,
  JellyfinPlaybackReporter,
  syncCatalog,
} from './jellyfin/index.ts';
import { createLogger, registerSecrets } from './logger.ts';
import { BotMetrics } from './metrics/bot-metrics.ts';
import { logProcessFigures } from './process-figures.ts';
import { CreditsAutoAdvance } from './watchparty/credits-countdown.ts';
import { WatchPartyService } from './watchparty/service.ts';
import { runWorkerHost } from './worker-host/run.ts';
import { RemotePlacement } from './worker-pool/remote-placement.ts';
import { WorkerSupervisor } from './worker-pool/supervisor.ts';

const usage = `usage: node src/main.ts <command>

commands:
  start              run the doctor's checks, migrate, log in to Discord, serve the API, run parties
  doctor [--json]    check that each setting works: tokens, servers, permissions, Jellyfin, ffmpeg, database
  migrate            apply database migrations (needs only DATABASE_PATH)
  register-commands  publish /watchparty (guild-scoped when DISCORD_GUILD_ID is set)
  sync-catalog       copy the Jellyfin catalog into the local search index
  worker-host        run parties' stream workers on this machine for a bot whose WORKER_HOSTS lists it`;

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
      `Catalog ${result.mode} sync in ${result.seconds.toFixed(1)} s: ${result.upserted} item${result.upserted === 1 ? '' : 's'} updated, ` +
        `${result.deleted} removed, ${result.catalogSize} in the catalog.`,
    );
  } finally {
    await db.destroy();
  }
}

/** Every check `start` runs, shown as a table (or one JSON object); exits 1 on a fatal one. */
async function doctor(args: readonly string[]): Promise<void> {
  const lines = await runDoctor(loadConfig());
  console.log(args.includes('--json') ? renderJson(lines) : renderTable(lines));
  const failed = failures(lines).length;
  if (failed > 0) throw new ChecksFailedError(failed, 'Watch parties would not open.');
}

async function start(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel });
  logProcessFigures(logger);
  // A setting that is well formed but does not work stops here, before any party can fail on it.
  const preflight = await runDoctor(config);
  for (const line of preflight) {
    const level = line.mark === 'fail' ? 'error' : line.mark === 'warn' ? 'warn' : 'info';
    logger[level]({ check: line.check, fix: line.fix }, `preflight: ${line.detail}`);
  }
  const failed = failures(preflight).length;
  if (failed > 0) {
    console.error(renderTable(preflight));
    throw new ChecksFailedError(failed, 'Watch parties stay closed.');
  }
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
    stream: {
      profile: config.stream.profile,
      bitrateKbps: config.stream.bitrateKbps,
      normalizeAudio: config.stream.normalizeAudio,
      videoEncoder: config.stream.videoEncoder,
      vaapiDevice: config.stream.vaapiDevice,
    },
    mediaSend: config.stream.mediaSend,
    logLevel: config.logLevel,
    ...(config.workerHosts.length > 0 ? { placement: new RemotePlacement(config.workerHosts) } : {}),
  });
  const { media, ...filmNight } = await connectFilmNight(jellyfin, {
    userName: config.jellyfin.userName,
    publicUrl: config.jellyfin.publicUrl,
    transcode: { source: config.stream.transcodeSource, limits: config.stream },
    logger,
  });
  const service = new WatchPartyService({
    db,
    workers,
    media,
    reporter: new JellyfinPlaybackReporter({ client: jellyfin, logger }),
    logger,
    djRoleId: config.discord.djRoleId,
    trackDefaults: config.tracks,
    ...filmNight,
    autoSkipCredits: config.autoSkipCredits,
  });
  const credits = new CreditsAutoAdvance({ service, logger });
  if (config.autoSkipCredits) credits.start();
  const metrics = new BotMetrics({ db, streams: (timeoutMs) => workers.streamStats(timeoutMs) });
  const api = buildApi({
    service,
    apiTokens: config.http.apiTokens,
    logger,
    search,
    metrics: {
      token: config.http.metricsToken,
      contentType: metrics.contentType,
      render: () => metrics.render(),
    },
  });
  const bot = createDiscordBot({
    service,
    search,
    logger,
    apiBase: config.discord.apiBase,
    panels: { posters: media },
    streamerTokens: config.streamerTokens,
    idle: config.idle,
    announce: config.announce,
  });
  if (config.dashboard === null) {
    logger.info('dashboard off: set PUBLIC_URL and DISCORD_CLIENT_SECRET to turn it on');
  } else {
    registerDashboard(api, {
      ...config.dashboard,
      db,
      logger,
      service,
      search,
      posters: media,
      members: discordMembers(bot.client),
      streamStats: (timeoutMs) => workers.streamStats(timeoutMs),
      applicationId: config.discord.applicationId,
      discordBase: config.discord.apiBase ?? 'https://discord.com',
    });
  }

  let stopping: Promise<void> | null = null;
  const shutdown = (signal: string) => {
    stopping ??= (async () => {
      logger.info({ signal }, 'shutting down');
      scheduler.stop();
      credits.stop();
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

const commands: Record<string, (args: readonly string[]) => Promise<void>> = {
  start,
  doctor,
  migrate,
  'register-commands': publishCommands,
  'sync-catalog': syncCatalogOnce,
  'worker-host': () => runWorkerHost(loadWorkerHostConfig()),
};

/** Commands that keep serving once they have started; the others end the process when done. */
const servingCommands = new Set(['start', 'worker-host']);

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
    await command(argv.slice(1));
    return 0;
  } catch (error) {
    reportFatal(error);
    return 1;
  }
}

function reportFatal(error: unknown): void {
  if (error instanceof ConfigError || error instanceof ChecksFailedError) {
    console.error(error.message);
    return;
  }
  createLogger({ pretty: false }).fatal(
    { err: error },
    error instanceof Error ? error.message : 'fatal error',
  );
}

const code = await main(process.argv.slice(2));
if (code !== 0 || !servingCommands.has(process.argv[2] ?? '')) process.exit(code);
