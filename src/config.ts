// Environment → typed configuration. Every setting the bot reads is declared here, once, so the
// README table, `.env.example` and the error a newcomer sees all agree on names and defaults. Rules a
// stream worker shares (log levels, stream profiles, bitrate bounds, media send path) come from the
// worker contract, whose environment schema carries them on to workers.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { inputWording } from './input-wording.ts';
import { languageCodeSchema } from './language-code.ts';
import {
  audioNormalizeSchema,
  logLevelSchema,
  maxBitrateKbpsSchema,
  mediaSendSchema,
  streamProfileSchema,
  streamProfiles,
  vaapiDeviceSchema,
  videoEncoderSettingSchema,
} from './worker-contract/environment.ts';

const csv = z
  .string()
  .optional()
  .transform((raw) =>
    (raw ?? '')
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0),
  );

const snowflake = z.string().regex(/^\d{15,21}$/, 'must be a Discord id (15-21 digits)');
const port = z.coerce.number().int().min(0).max(65_535);
const idleMinutes = z.coerce
  .number({ error: 'must be a whole number of minutes' })
  .int('must be a whole number of minutes')
  .min(0, 'must be 0 (never) or more minutes');

/**
 * WORKER_HOSTS: worker hosts (`node src/main.ts worker-host`) the bot places parties on, each as
 * `http://address:port#token`. The token rides in the URL's fragment, which no request carries.
 */
const workerHostsSchema = z
  .string()
  .optional()
  .transform((raw, ctx) =>
    (raw ?? '')
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part.length > 0)
      .flatMap((entry, index) => {
        const url = URL.parse(entry);
        const token = url?.hash.slice(1) ?? '';
        if (!url || !['http:', 'https:'].includes(url.protocol) || token.length < 16) {
          // Never the entry itself: it holds a token.
          ctx.addIssue({
            code: 'custom',
            message: `entry ${index + 1} must look like http://10.0.0.5:8790#<token of at least 16 characters>`,
          });
          return [];
        }
        url.hash = '';
        return [{ url: url.href.replace(/\/+$/, ''), token }];
      }),
  );

/** The bearer token Prometheus sends to GET /metrics, on the bot and on a worker host; unset, /metrics is off. */
const metricsTokenSchema = z
  .string()
  .min(16, 'must be at least 16 characters (e.g. openssl rand -hex 32)')
  .optional();

/** `worker-host` needs these and the base; the workers it runs get the rest from the bot. */
const workerHostShape = {
  WORKER_HOST_TOKEN: z.string().min(16, 'must be at least 16 characters (e.g. openssl rand -hex 32)'),
  WORKER_HOST_BIND: z.string().min(1).default('127.0.0.1'),
  WORKER_HOST_PORT: port.default(8790),
  /** Sessions the host takes at most; unset, from its cores (see loadWorkerHostConfig). */
  WORKER_HOST_CAPACITY: z.coerce.number().int().min(1).max(1_000).optional(),
  METRICS_TOKEN: metricsTokenSchema,
};

/** Settings every command needs: where the database lives and how loudly to log. */
const baseShape = {
  DATABASE_PATH: z.string().min(1).default('./data/orb.sqlite'),
  LOG_LEVEL: logLevelSchema.default('info'),
};

/** Settings of the Jellyfin room; `sync-catalog` needs only these and the base. */
const jellyfinShape = {
  JELLYFIN_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://jellyfin:8096' }),
  JELLYFIN_API_KEY: z.string().min(1, 'must be an API key from Jellyfin Dashboard → API Keys'),
  /**
   * Jellyfin's address as members' Discord clients reach it, for poster links. Unset: panels carry
   * posters as attachments read by the bot, and the API gives no poster address.
   */
  JELLYFIN_PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://jellyfin.example.org' })
    .optional(),
  CATALOG_SYNC_INTERVAL_MINUTES: z.coerce.number().int().min(0).default(30),
  /**
   * A Jellyfin user name whose resume positions and watched state parties share: queueing resumes
   * where that user stopped, a series starts at their Next Up, and playback updates both.
   */
  JELLYFIN_USER: z.string().trim().min(1).max(128).optional(),
};

/** The bot's Discord identity; `register-commands` needs only these and the base. */
const discordShape = {
  DISCORD_TOKEN: z.string().min(1, 'must be the bot token from the Discord developer portal'),
  DISCORD_APPLICATION_ID: snowflake,
  DISCORD_GUILD_ID: snowflake.optional(),
  /** Points both Discord clients at another API (the simulator); unset in production. */
  DISCORD_API_BASE: z.url().optional(),
  DJ_ROLE_ID: snowflake.optional(),
};

/** Everything `start` needs on top. */
const botShape = {
  STREAMER_TOKENS: csv.refine(
    (tokens) => tokens.length > 0,
    'must list at least one streaming-account token',
  ),
  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  HTTP_PORT: port.default(8787),
  API_TOKENS: csv,
  /** Unset: every party's worker is a child process of the bot. */
  WORKER_HOSTS: workerHostsSchema,
  METRICS_TOKEN: metricsTokenSchema,
  STREAM_PROFILE: streamProfileSchema.default('720p30'),
  STREAM_MAX_BITRATE_KBPS: maxBitrateKbpsSchema.optional(),
  /**
   * Who transcodes a source viewers cannot be sent as it is: Jellyfin when it must (`auto`), Jellyfin
   * for every item (`jellyfin`), or the worker's own ffmpeg (`worker`). The worker falls back to its
   * own ffmpeg whenever Jellyfin's transcode fails or cannot be passed through.
   */
  TRANSCODE_SOURCE: z
    .enum(['auto', 'worker', 'jellyfin'], { error: 'must be auto, worker or jellyfin' })
    .default('auto'),
  /** Passed on to stream workers, whose ffmpeg levels the sound's loudness when it is on. */
  AUDIO_NORMALIZE: audioNormalizeSchema.default(false),
  /** Passed on to stream workers (src/worker-contract/environment.ts); `js` turns the native sender off. */
  ORB_MEDIA_SEND: mediaSendSchema.optional(),
  /** Passed on to stream workers, which self-test GPU encoders at start (src/worker/media/encoder-selection.ts). */
  VIDEO_ENCODER: videoEncoderSettingSchema.default('auto'),
  /** Passed on to stream workers: the render node VAAPI encodes on. */
  VAAPI_DEVICE: vaapiDeviceSchema.optional(),
  /** Read where ffmpeg is resolved (src/media/ffmpeg-binary.ts); validated here so a typo shows at start. */
  FFMPEG_PATH: z.string().min(1).optional(),
  /** Audio played when a queue entry names none (else the file's default track). */
  DEFAULT_AUDIO_LANGUAGE: languageCodeSchema.optional(),
  /** Subtitles burned in when a queue entry names none (else forced ones in the audio's language). */
  DEFAULT_SUBTITLE_LANGUAGE: languageCodeSchema.optional(),
  /** When the credits start with something queued: whether the next item follows after the countdown. */
  AUTO_SKIP_CREDITS: z.stringbool({ error: 'must be true or false' }).default(true),
  /** Minutes a party plays to an empty voice channel before it pauses; 0 never pauses. */
  IDLE_PAUSE_MINUTES: idleMinutes.default(5),
  /** Minutes of an empty voice channel before a party stops and frees its streaming account; 0 never. */
  IDLE_STOP_MINUTES: idleMinutes.default(30),
  /** Public lines in a party's text channel: its story and failures, failures only, or none. */
  ANNOUNCE: z.enum(['all', 'errors', 'off'], { error: 'must be all, errors or off' }).default('all'),
  /** The address members open the dashboard at; with DISCORD_CLIENT_SECRET it turns the dashboard on. */
  PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://party.example.org' })
    .optional(),
  /** The application's OAuth2 client secret, for "Log in with Discord" on the dashboard. */
  DISCORD_CLIENT_SECRET: z
    .string()
    .min(8, 'must be the OAuth2 client secret from the developer portal')
    .optional(),
};

const baseSchema = z.object(baseShape);
const jellyfinSchema = z.object({ ...baseShape, ...jellyfinShape });
const discordSchema = z.object({ ...baseShape, ...discordShape });
const fullSchema = z.object({ ...baseShape, ...jellyfinShape, ...discordShape, ...botShape });

/** Names whose values must never be echoed back, even in an error about them. */
export const secretSettingNames = [
  'DISCORD_TOKEN',
  'STREAMER_TOKENS',
  'JELLYFIN_API_KEY',
  'API_TOKENS',
  'METRICS_TOKEN',
  'DISCORD_CLIENT_SECRET',
  'WORKER_HOSTS',
  'WORKER_HOST_TOKEN',
] as const;

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(
      `The configuration is incomplete or invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
        'Set these in the environment or in a .env file (see .env.example).',
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

function describeIssues(issues: readonly z.core.$ZodIssue[], provided: ReadonlySet<string>): string[] {
  return issues.map((issue) => {
    const name = String(issue.path[0] ?? 'configuration');
    // zod leaves the input out of its issues, so a number that does not parse would read as unset.
    const missing = issue.code === 'invalid_type' && !provided.has(name);
    // Built from the issue's code and our own messages only: zod never sees fit to print the input
    // here, and neither do we, because the input may be a token.
    return missing ? `${name} is not set` : `${name} ${issue.message}`;
  });
}

function parseWith<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  // Empty strings count as unset, so `FOO=` in a .env file means "use the default".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = schema.safeParse(cleaned, inputWording);
  if (!result.success)
    throw new ConfigError(describeIssues(result.error.issues, new Set(Object.keys(cleaned))));
  return result.data;
}

function toBase(env: z.output<typeof baseSchema>) {
  return { databasePath: env.DATABASE_PATH, logLevel: env.LOG_LEVEL };
}

function toJellyfin(env: z.output<typeof jellyfinSchema>) {
  return {
    url: env.JELLYFIN_URL.replace(/\/+$/, ''),
    publicUrl: env.JELLYFIN_PUBLIC_URL?.replace(/\/+$/, '') ?? null,
    apiKey: env.JELLYFIN_API_KEY,
    syncIntervalMinutes: env.CATALOG_SYNC_INTERVAL_MINUTES,
    userName: env.JELLYFIN_USER ?? null,
  };
}

function toDiscord(env: z.output<typeof discordSchema>) {
  return {
    token: env.DISCORD_TOKEN,
    applicationId: env.DISCORD_APPLICATION_ID,
    guildId: env.DISCORD_GUILD_ID,
    apiBase: env.DISCORD_API_BASE,
    djRoleId: env.DJ_ROLE_ID,
  };
}

export type BaseConfig = ReturnType<typeof toBase>;
export type JellyfinConfig = ReturnType<typeof toJellyfin>;
export type DiscordConfig = ReturnType<typeof toDiscord>;

export function loadBaseConfig(env: NodeJS.ProcessEnv = process.env): BaseConfig {
  return toBase(parseWith(baseSchema, env));
}

export function loadJellyfinConfig(
  env: NodeJS.ProcessEnv = process.env,
): BaseConfig & { jellyfin: JellyfinConfig } {
  const parsed = parseWith(jellyfinSchema, env);
  return { ...toBase(parsed), jellyfin: toJellyfin(parsed) };
}

export function loadDiscordConfig(
  env: NodeJS.ProcessEnv = process.env,
): BaseConfig & { discord: DiscordConfig } {
  const parsed = parseWith(discordSchema, env);
  return { ...toBase(parsed), discord: toDiscord(parsed) };
}

/**
 * A 720p30 x264 transcode costs about 0.35 CPU-seconds per media second (issue 21), so a core carries
 * about 2.8 transcoding parties; 2.5 keeps some headroom. Copy-mode parties cost far less.
 */
const PARTIES_PER_CORE = 2.5;

export function loadWorkerHostConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = parseWith(z.object({ ...baseShape, ...workerHostShape }), env);
  return {
    logLevel: parsed.LOG_LEVEL,
    token: parsed.WORKER_HOST_TOKEN,
    host: parsed.WORKER_HOST_BIND,
    port: parsed.WORKER_HOST_PORT,
    capacity:
      parsed.WORKER_HOST_CAPACITY ?? Math.max(1, Math.floor(availableParallelism() * PARTIES_PER_CORE)),
    metricsToken: parsed.METRICS_TOKEN ?? null,
  };
}
export type WorkerHostConfig = ReturnType<typeof loadWorkerHostConfig>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = parseWith(fullSchema, env);
  const profile = streamProfiles[parsed.STREAM_PROFILE];
  return {
    ...toBase(parsed),
    jellyfin: toJellyfin(parsed),
    discord: toDiscord(parsed),
    streamerTokens: parsed.STREAMER_TOKENS,
    workerHosts: parsed.WORKER_HOSTS,
    http: {
      host: parsed.HTTP_HOST,
      port: parsed.HTTP_PORT,
      apiTokens: parsed.API_TOKENS,
      metricsToken: parsed.METRICS_TOKEN ?? null,
    },
    stream: {
      profile: parsed.STREAM_PROFILE,
      ...profile,
      bitrateKbps: Math.min(profile.bitrateKbps, parsed.STREAM_MAX_BITRATE_KBPS ?? Number.POSITIVE_INFINITY),
      normalizeAudio: parsed.AUDIO_NORMALIZE,
      mediaSend: parsed.ORB_MEDIA_SEND,
      videoEncoder: parsed.VIDEO_ENCODER,
      vaapiDevice: parsed.VAAPI_DEVICE,
      transcodeSource: parsed.TRANSCODE_SOURCE,
    },
    tracks: {
      audioLanguage: parsed.DEFAULT_AUDIO_LANGUAGE ?? null,
      subtitleLanguage: parsed.DEFAULT_SUBTITLE_LANGUAGE ?? null,
    },
    idle: { pauseAfterMinutes: parsed.IDLE_PAUSE_MINUTES, stopAfterMinutes: parsed.IDLE_STOP_MINUTES },
    autoSkipCredits: parsed.AUTO_SKIP_CREDITS,
    announce: { level: parsed.ANNOUNCE },
    /** Off (null) unless both PUBLIC_URL and DISCORD_CLIENT_SECRET are set. */
    dashboard:
      parsed.PUBLIC_URL === undefined || parsed.DISCORD_CLIENT_SECRET === undefined
        ? null
        : { publicUrl: parsed.PUBLIC_URL.replace(/\/+$/, ''), clientSecret: parsed.DISCORD_CLIENT_SECRET },
  };
}

/** Loads `.env` from the working directory into process.env when present; real env vars win. */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

/** Every secret value in an environment, for the logger's redaction list. */
export function secretValues(env: NodeJS.ProcessEnv = process.env): string[] {
  return secretSettingNames.flatMap((name) =>
    (env[name] ?? '')
      .split(',')
      .map((value) => value.trim())
      .filter((value) => value.length >= 6),
  );
}
