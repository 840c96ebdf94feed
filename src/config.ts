// Environment → typed configuration. Every setting the bot reads is declared here, once, so the
// README table, `.env.example` and the error a newcomer sees all agree on names and defaults. Rules a
// stream worker shares (log levels, stream profiles, bitrate bounds, media send path) come from the
// worker contract, whose environment schema carries them on to workers.
import { existsSync } from 'node:fs';
import { z } from 'zod';
import {
  logLevelSchema,
  maxBitrateKbpsSchema,
  mediaSendSchema,
  streamProfileSchema,
  streamProfiles,
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

/** Settings every command needs: where the database lives and how loudly to log. */
const baseShape = {
  DATABASE_PATH: z.string().min(1).default('./data/orb.sqlite'),
  LOG_LEVEL: logLevelSchema.default('info'),
};

/** Settings of the Jellyfin room; `sync-catalog` needs only these and the base. */
const jellyfinShape = {
  JELLYFIN_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://jellyfin:8096' }),
  JELLYFIN_API_KEY: z.string().min(1, 'must be an API key from Jellyfin Dashboard → API Keys'),
  CATALOG_SYNC_INTERVAL_MINUTES: z.coerce.number().int().min(0).default(30),
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
  STREAM_PROFILE: streamProfileSchema.default('720p30'),
  STREAM_MAX_BITRATE_KBPS: maxBitrateKbpsSchema.optional(),
  /** Passed on to stream workers (src/worker-contract/environment.ts); `js` turns the native sender off. */
  ORB_MEDIA_SEND: mediaSendSchema.optional(),
  /** Read where ffmpeg is resolved (src/media/ffmpeg-binary.ts); validated here so a typo shows at start. */
  FFMPEG_PATH: z.string().min(1).optional(),
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

function describeIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const name = String(issue.path[0] ?? 'configuration');
    const missing = issue.code === 'invalid_type' && issue.input === undefined;
    // Built from the issue's code and our own messages only: zod never sees fit to print the input
    // here, and neither do we, because the input may be a token.
    return missing
      ? `${name} is not set`
      : `${name} ${issue.message.replace(/^Invalid input: /, 'is invalid: ')}`;
  });
}

function parseWith<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  // Empty strings count as unset, so `FOO=` in a .env file means "use the default".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) throw new ConfigError(describeIssues(result.error.issues));
  return result.data;
}

function toBase(env: z.output<typeof baseSchema>) {
  return { databasePath: env.DATABASE_PATH, logLevel: env.LOG_LEVEL };
}

function toJellyfin(env: z.output<typeof jellyfinSchema>) {
  return {
    url: env.JELLYFIN_URL.replace(/\/+$/, ''),
    apiKey: env.JELLYFIN_API_KEY,
    syncIntervalMinutes: env.CATALOG_SYNC_INTERVAL_MINUTES,
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

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = parseWith(fullSchema, env);
  const profile = streamProfiles[parsed.STREAM_PROFILE];
  return {
    ...toBase(parsed),
    jellyfin: toJellyfin(parsed),
    discord: toDiscord(parsed),
    streamerTokens: parsed.STREAMER_TOKENS,
    http: { host: parsed.HTTP_HOST, port: parsed.HTTP_PORT, apiTokens: parsed.API_TOKENS },
    stream: {
      profile: parsed.STREAM_PROFILE,
      ...profile,
      bitrateKbps: Math.min(profile.bitrateKbps, parsed.STREAM_MAX_BITRATE_KBPS ?? Number.POSITIVE_INFINITY),
      mediaSend: parsed.ORB_MEDIA_SEND,
    },
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
