// The whole local world on one machine, with no accounts: the Jellyfin simulator, the Discord
// simulator with its voice/stream side attached (SFU + DAVE + a viewer that writes what a watcher
// would see), and the REAL bot as a child process (`node src/main.ts start`) pointed at them. The
// bot spawns its own stream workers, which Go Live into the voice simulator with the streaming
// account the Discord simulator knows. Used by `npm run demo` and test/e2e.
//
//   const stack = await startStack({ viewerDir, onBotLog });
//   stack.discord.interactions.command({ user: stack.people.alice }, 'watchparty', 'create');
//   stack.voice.viewer.counters();  await stack.restartBot();  await stack.stop();
//
// sim/stack/panel.ts reads the now-playing panel as a person does; sim/stack/viewer-output.ts probes
// and exports what the viewer received (PNG frames, an MP4).
//
// The bot runs from a temporary working directory, so a developer's `.env` never leaks into it, on a
// temporary database (kept across restartBot, removed by stop). Before the first start the stack
// runs `register-commands` and `sync-catalog` through the same CLI an operator would use.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { APIMessage } from 'discord-api-types/v10';
import { type DiscordSim, type SimUser, startDiscordSim } from '../discord/index.ts';
import { discordError } from '../discord/rest.ts';
import { startVoiceSim, type VoiceSim } from '../discord/voice/index.ts';
import type { MediaPortKind } from '../discord/voice/media-port.ts';
import { freePort } from '../free-port.ts';
import type { SimItem } from '../jellyfin/library.ts';
import { type JellyfinSim, type JellyfinSimOptions, startJellyfinSim } from '../jellyfin/server.ts';

const mainEntry = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const runFile = promisify(execFile);
const BOT_READY_TIMEOUT_MS = 60_000;
const BOT_STOP_GRACE_MS = 15_000;
/** A worker promises to exit within 5 s of losing its bot (src/worker/main.ts). */
const WORKER_EXIT_GRACE_MS = 7_000;
const workerEntryName = join('src', 'worker', 'main.');
/** What the bot inherits from us; everything else it gets from the stack. */
const INHERITED_ENV = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ', 'FFMPEG_PATH', 'FFPROBE_PATH'];

export interface StackOptions {
  /** Where the viewer writes video.h264 and audio.ogg (default: inside the stack's temp dir). */
  viewerDir?: string;
  /** Every log line of the bot (and, relayed by it, of its workers), pino JSON. */
  onBotLog?: (line: string) => void;
  /** Items added to the simulated Jellyfin before the bot's first catalog sync. */
  extraItems?: Omit<SimItem, 'dateLastSaved'>[];
  /** More settings for the bot (e.g. JELLYFIN_USER), on top of the stack's own. */
  botEnv?: Record<string, string>;
  /** The Jellyfin simulator's options (e.g. `transcoding: { prepareAhead: true }`). */
  jellyfin?: JellyfinSimOptions;
  /** The guild's voice channels by name (default: the Discord simulator's). */
  voiceChannels?: readonly string[];
  /** How many streaming accounts the bot gets: parties stream at once up to this many (default 1). */
  streamingAccounts?: number;
  /** Where the voice simulator reads media (default 'loop'; see sim/discord/voice/media-port.ts). */
  voiceMediaPort?: MediaPortKind;
}

export interface StackPeople {
  /** Creates the party: its owner. */
  alice: SimUser;
  /** A friend in the voice channel. */
  bob: SimUser;
}

export interface Stack {
  readonly jellyfin: JellyfinSim;
  readonly discord: DiscordSim;
  readonly voice: VoiceSim;
  readonly people: StackPeople;
  /** The streaming account the bot's workers Go Live with (the first, when there are several). */
  readonly streamer: SimUser;
  /** Every streaming account, in STREAMER_TOKENS order. */
  readonly streamers: readonly SimUser[];
  /** The bot's JSON API, e.g. http://127.0.0.1:PORT/api, and a token it accepts. */
  readonly api: { url: string; token: string };
  /** The bot's Prometheus endpoint and the token it asks for (METRICS_TOKEN). */
  readonly metrics: { url: string; token: string };
  /** The web dashboard (PUBLIC_URL): members log in through the Discord simulator's OAuth2. */
  readonly dashboardUrl: string;
  readonly databasePath: string;
  /** Stream thumbnails the workers uploaded (POST /streams/:key/preview), newest last. */
  readonly previews: { streamKey: string; thumbnail: string }[];
  /** Stream workers that outlived a stopped bot and had to be killed (pids); empty when all is well. */
  readonly leftoverWorkers: number[];
  /** The current bot process id. */
  botPid(): number;
  /** SIGTERM to the bot, then the same command again on the same database and port. */
  restartBot(): Promise<void>;
  /** Messages the bot posted in the text channel (not ephemeral replies): the panels. */
  channelMessages(): APIMessage[];
  /** Stops the bot (and so its workers), then the simulators; safe to call twice. */
  stop(): Promise<void>;
}

/** Starts everything; if any part fails to start, what did start is stopped again. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const cleanups: Array<() => Promise<void>> = [];
  let stopping: Promise<void> | null = null;
  const cleanUp = () => {
    stopping ??= (async () => {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    })();
    return stopping;
  };
  try {
    const workDir = mkdtempSync(join(tmpdir(), 'orb-stack-'));
    cleanups.push(async () => rmSync(workDir, { recursive: true, force: true }));
    const jellyfin = await startJellyfinSim(options.jellyfin);
    cleanups.push(() => jellyfin.stop());
    for (const item of options.extraItems ?? []) jellyfin.library.add(item);
    const discord = await startDiscordSim({ voiceChannels: options.voiceChannels });
    cleanups.push(() => discord.stop());
    const voice = await startVoiceSim({
      profile: 'orb-transport',
      outputDir: options.viewerDir ?? join(workDir, 'viewer'),
      mainGatewayDispatchesVoiceState: true,
      mediaPort: options.voiceMediaPort,
      gatewayClients: (userId) => discord.gateway.clients({ userId }),
    });
    cleanups.push(() => voice.stop());
    discord.gateway.addOpHandler(voice.opHandler);
    const previews = recordStreamPreviews(discord);

    const streamers = Array.from({ length: options.streamingAccounts ?? 1 }, (_, index) =>
      discord.addUser({
        username: index === 0 ? 'orb-streamer' : `orb-streamer-${index + 1}`,
        token: randomBytes(24).toString('base64url'),
      }),
    );
    const streamer = streamers[0]!;
    const people = {
      alice: discord.addUser({ username: 'alice' }),
      bob: discord.addUser({ username: 'bob' }),
    };
    for (const person of Object.values(people)) discord.joinVoice(person.id, discord.voiceChannel.id);

    // The dashboard's address must be known before the bot starts: Discord sends members back to it.
    const httpPort = await freePort();
    const dashboardUrl = `http://127.0.0.1:${httpPort}`;
    discord.oauth.registerRedirect(`${dashboardUrl}/oauth/callback`);
    const apiToken = randomBytes(24).toString('base64url');
    const metricsToken = randomBytes(24).toString('base64url');
    const databasePath = join(workDir, 'orb.sqlite');
    const env: Record<string, string> = {
      ...inheritedEnv(),
      DATABASE_PATH: databasePath,
      // Readiness is read from the bot's info lines ("JSON API listening", "logged in to Discord").
      LOG_LEVEL: 'info',
      DISCORD_TOKEN: discord.botToken,
      DISCORD_APPLICATION_ID: discord.applicationId,
      DISCORD_GUILD_ID: discord.guildId,
      DISCORD_API_BASE: discord.baseUrl,
      STREAMER_TOKENS: streamers.map((account) => account.token).join(','),
      JELLYFIN_URL: jellyfin.url,
      JELLYFIN_API_KEY: jellyfin.apiKey,
      // The stack syncs once before start; the demo's catalog never changes under it.
      CATALOG_SYNC_INTERVAL_MINUTES: '0',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(httpPort),
      PUBLIC_URL: dashboardUrl,
      DISCORD_CLIENT_SECRET: discord.oauth.clientSecret,
      API_TOKENS: apiToken,
      METRICS_TOKEN: metricsToken,
      ...options.botEnv,
    };
    await runCli('register-commands', env, workDir);
    await runCli('sync-catalog', env, workDir);

    const leftoverWorkers: number[] = [];
    const stopBot = async () => {
      leftoverWorkers.push(...(await bot.stop()));
    };
    let bot = await BotProcess.start(env, workDir, options.onBotLog);
    cleanups.push(stopBot);

    return {
      jellyfin,
      discord,
      voice,
      people,
      streamer,
      streamers,
      api: { url: `http://127.0.0.1:${bot.apiPort}/api`, token: apiToken },
      metrics: { url: `http://127.0.0.1:${bot.apiPort}/metrics`, token: metricsToken },
      dashboardUrl,
      databasePath,
      previews,
      leftoverWorkers,
      botPid: () => bot.pid,
      async restartBot() {
        await stopBot();
        bot = await BotProcess.start(env, workDir, options.onBotLog);
      },
      channelMessages: () => discord.messages.inChannel(discord.textChannel.id),
      stop: cleanUp,
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

/** Discord's stream-preview upload, which the main-side simulator does not serve. */
function recordStreamPreviews(discord: DiscordSim): Stack['previews'] {
  const previews: Stack['previews'] = [];
  discord.rest.route('POST', '/streams/:stream/preview', (request) => {
    const thumbnail = (request.body as { thumbnail?: unknown } | null)?.thumbnail;
    if (request.auth !== 'user' || typeof thumbnail !== 'string') {
      return discordError(400, 50035, 'Invalid Form Body: a user token and a thumbnail are required');
    }
    previews.push({ streamKey: decodeURIComponent(request.params.stream ?? ''), thumbnail });
    return { status: 204 };
  });
  return previews;
}

function inheritedEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED_ENV) {
    const value = process.env[name];
    if (value) env[name] = value;
  }
  return env;
}

/** One of the bot's one-shot CLI commands; its output is shown only when it fails. */
async function runCli(command: string, env: Record<string, string>, cwd: string): Promise<void> {
  try {
    await runFile(process.execPath, [mainEntry, command], { env, cwd, timeout: 60_000 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`\`node src/main.ts ${command}\` failed:\n${`${stdout}\n${stderr}`.trim()}`);
  }
}

/** The bot as a child process, ready once it has logged in and its JSON API listens. */
class BotProcess {
  readonly pid: number;
  readonly apiPort: number;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;

  private constructor(child: ChildProcess, apiPort: number, exited: Promise<void>) {
    this.#child = child;
    this.pid = child.pid ?? 0;
    this.apiPort = apiPort;
    this.#exited = exited;
  }

  static async start(
    env: Record<string, string>,
    cwd: string,
    onLog: ((line: string) => void) | undefined,
  ): Promise<BotProcess> {
    const child = spawn(process.execPath, [mainEntry, 'start'], {
      env,
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const recent: string[] = [];
    let apiPort: number | null = null;
    const ready = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the bot did not log in within ${BOT_READY_TIMEOUT_MS / 1000} s`)),
        BOT_READY_TIMEOUT_MS,
      );
      const onLine = (line: string) => {
        if (!line.trim()) return;
        recent.push(line);
        if (recent.length > 40) recent.shift();
        onLog?.(line);
        const entry = parseLogLine(line);
        if (entry?.msg === 'JSON API listening') apiPort = portOf(entry.address);
        if (entry?.msg?.startsWith('logged in to Discord') && apiPort !== null) {
          clearTimeout(timer);
          resolve(apiPort);
        }
      };
      forEachLine(child.stdout, onLine);
      forEachLine(child.stderr, onLine);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(
          new Error(
            `the bot exited (${signal ?? `code ${code}`}) before it was ready:\n${recent.join('\n')}`,
          ),
        );
      });
    });
    try {
      return new BotProcess(child, await ready, exited);
    } catch (error) {
      child.kill('SIGKILL');
      await exited;
      throw error;
    }
  }

  /**
   * SIGTERM (the bot shuts down cleanly, stopping its workers), SIGKILL if it hangs. Answers the
   * stream workers that outlived the bot by more than their own shutdown deadline; those are
   * killed, so no run of the stack leaves processes behind.
   */
  async stop(): Promise<number[]> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return [];
    const workers = childProcessIds(this.pid);
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), BOT_STOP_GRACE_MS);
    await this.#exited;
    clearTimeout(timer);
    const deadline = Date.now() + WORKER_EXIT_GRACE_MS;
    let alive = workers.filter(isWorkerProcess);
    while (alive.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      alive = alive.filter(isWorkerProcess);
    }
    for (const pid of alive) process.kill(pid, 'SIGKILL');
    return alive;
  }
}

/** Direct children of a process (Linux /proc; elsewhere none are known). */
function childProcessIds(parentPid: number): number[] {
  try {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .filter((name) => {
        try {
          // Field 4 of /proc/PID/stat, after the parenthesised command name, is the parent id.
          const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
          return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parentPid;
        } catch {
          return false;
        }
      })
      .map(Number);
  } catch {
    return [];
  }
}

/** Whether `pid` is (still) a stream worker, not a recycled id. */
function isWorkerProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(workerEntryName);
  } catch {
    return false;
  }
}

function forEachLine(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (text: string) => {
    const lines = (rest + text).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
}

export interface BotLogEntry {
  level?: number;
  msg?: string;
  [field: string]: unknown;
}

/** A pino JSON line of the bot, or null for anything else. */
export function parseLogLine(line: string): BotLogEntry | null {
  if (!line.startsWith('{')) return null;
  try {
    return JSON.parse(line) as BotLogEntry;
  } catch {
    return null;
  }
}

function portOf(address: unknown): number | null {
  const match = typeof address === 'string' ? /:(\d+)\/?$/.exec(address) : null;
  return match ? Number(match[1]) : null;
}
