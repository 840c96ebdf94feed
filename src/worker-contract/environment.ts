// The worker contract's environment half: every variable a stream worker reads at start, in one zod
// schema. The bot's supervisor builds the record with workerEnvironment(); the worker parses it with
// parseWorkerEnvironment(). Secrets (the per-worker token, the streaming account's token, the
// Jellyfin key) travel here, never in argv. Value rules both sides share (log levels, stream
// profiles, the bitrate bounds) are defined here once; the bot's config (src/config.ts) uses them too.
import { z } from 'zod';
import { inputWording } from '../input-wording.ts';

export const logLevelSchema = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
export type LogLevel = z.infer<typeof logLevelSchema>;

export const streamProfiles = {
  '720p30': { width: 1280, height: 720, fps: 30, bitrateKbps: 2_500 },
  '1080p30': { width: 1920, height: 1080, fps: 30, bitrateKbps: 4_500 },
  '1080p60': { width: 1920, height: 1080, fps: 60, bitrateKbps: 6_000 },
} as const;
export type StreamProfileName = keyof typeof streamProfiles;
export const streamProfileSchema = z.enum(
  Object.keys(streamProfiles) as [StreamProfileName, ...StreamProfileName[]],
);

/** A cap on the video bitrate in kbit/s (STREAM_MAX_BITRATE_KBPS). */
export const maxBitrateKbpsSchema = z.coerce.number().int().min(200).max(20_000);

/** AUDIO_NORMALIZE: level the sound's loudness (true/false, also on/off, yes/no, 1/0). */
export const audioNormalizeSchema = z.stringbool();

/**
 * Which MediaSink a worker streams into: `golive` (Discord, production) or `capture` (keeps frames in
 * memory: tests, benchmarks, and running a worker without Discord).
 */
export const sinkKindSchema = z.enum(['golive', 'capture']);
export type SinkKind = z.infer<typeof sinkKindSchema>;

/** `js` makes the Go Live transport seal and send with Node's crypto and dgram, not the native sender. */
export const mediaSendSchema = z.enum(['js']);
export type MediaSend = z.infer<typeof mediaSendSchema>;

/** The H.264 encoders a worker can transcode with: libx264 on the CPU, or a GPU's. */
export const videoEncoderNames = ['x264', 'vaapi', 'nvenc', 'qsv'] as const;
export type VideoEncoderName = (typeof videoEncoderNames)[number];
/** VIDEO_ENCODER: one of them, or `auto` (the first GPU encoder that passes its self-test, else x264). */
export const videoEncoderSettingSchema = z.enum(['auto', ...videoEncoderNames], {
  error: 'must be auto, x264, vaapi, nvenc or qsv',
});
export type VideoEncoderSetting = z.infer<typeof videoEncoderSettingSchema>;
/** VAAPI_DEVICE: the DRM render node h264_vaapi encodes on. */
export const vaapiDeviceSchema = z
  .string()
  .startsWith('/', 'must be a device path such as /dev/dri/renderD128');
export const DEFAULT_VAAPI_DEVICE = '/dev/dri/renderD128';

const workerEnvShape = z.object({
  ORB_WORKER_TOKEN: z.string().min(16, 'must be the per-worker token (at least 16 characters)'),
  ORB_STREAMER_TOKEN: z.string().min(1).optional(),
  JELLYFIN_URL: z.url().optional(),
  JELLYFIN_API_KEY: z.string().min(1).optional(),
  DISCORD_API_BASE: z.url().optional(),
  ORB_WORKER_HOST: z.string().min(1).default('127.0.0.1'),
  ORB_WORKER_PORT: z.coerce.number().int().min(0).max(65_535).default(0),
  ORB_WORKER_SINK: sinkKindSchema.default('golive'),
  STREAM_PROFILE: streamProfileSchema.default('720p30'),
  STREAM_MAX_BITRATE_KBPS: maxBitrateKbpsSchema.optional(),
  AUDIO_NORMALIZE: audioNormalizeSchema.default(false),
  ORB_MEDIA_SEND: mediaSendSchema.optional(),
  VIDEO_ENCODER: videoEncoderSettingSchema.default('auto'),
  VAAPI_DEVICE: vaapiDeviceSchema.default(DEFAULT_VAAPI_DEVICE),
  LOG_LEVEL: logLevelSchema.default('info'),
});
type WorkerEnvName = keyof z.input<typeof workerEnvShape>;

/**
 * The Go Live transport picks its send path when its module loads (golive/native-media-send.ts), so
 * it reads this one variable itself; the worker's parse has validated it by then.
 */
export const MEDIA_SEND_ENV = 'ORB_MEDIA_SEND' satisfies WorkerEnvName;

/** A worker's settings, typed; what the supervisor builds from and what the worker's parse yields. */
export interface WorkerSettings {
  /** The per-worker bearer token of the HTTP contract. */
  workerToken: string;
  /** The leased streaming account's token; the golive sink cannot log in without it. */
  streamerToken?: string | undefined;
  jellyfinUrl?: string | undefined;
  jellyfinApiKey?: string | undefined;
  /** The simulator's base URL; unset in production. */
  discordApiBase?: string | undefined;
  host: string;
  /** 0 lets the system pick; the worker announces the port it got on stdout. */
  port: number;
  sink: SinkKind;
  streamProfile: StreamProfileName;
  maxBitrateKbps?: number | undefined;
  /** Level the sound's loudness; off when unset. */
  normalizeAudio?: boolean | undefined;
  mediaSend?: MediaSend | undefined;
  /** `auto` when unset. */
  videoEncoder?: VideoEncoderSetting | undefined;
  /** DEFAULT_VAAPI_DEVICE when unset. */
  vaapiDevice?: string | undefined;
  logLevel: LogLevel;
}

const workerEnvSchema = workerEnvShape.transform(
  (env): WorkerSettings => ({
    workerToken: env.ORB_WORKER_TOKEN,
    streamerToken: env.ORB_STREAMER_TOKEN,
    jellyfinUrl: env.JELLYFIN_URL,
    jellyfinApiKey: env.JELLYFIN_API_KEY,
    discordApiBase: env.DISCORD_API_BASE,
    host: env.ORB_WORKER_HOST,
    port: env.ORB_WORKER_PORT,
    sink: env.ORB_WORKER_SINK,
    streamProfile: env.STREAM_PROFILE,
    maxBitrateKbps: env.STREAM_MAX_BITRATE_KBPS,
    normalizeAudio: env.AUDIO_NORMALIZE,
    mediaSend: env.ORB_MEDIA_SEND,
    videoEncoder: env.VIDEO_ENCODER,
    vaapiDevice: env.VAAPI_DEVICE,
    logLevel: env.LOG_LEVEL,
  }),
);

/** The environment record for a worker with these settings; unset settings are left out. */
export function workerEnvironment(settings: WorkerSettings): Record<string, string> {
  // Every name is listed, so a variable added to the schema cannot be forgotten here.
  const env: Record<WorkerEnvName, string | undefined> = {
    ORB_WORKER_TOKEN: settings.workerToken,
    ORB_STREAMER_TOKEN: settings.streamerToken,
    JELLYFIN_URL: settings.jellyfinUrl,
    JELLYFIN_API_KEY: settings.jellyfinApiKey,
    DISCORD_API_BASE: settings.discordApiBase,
    ORB_WORKER_HOST: settings.host,
    ORB_WORKER_PORT: String(settings.port),
    ORB_WORKER_SINK: settings.sink,
    STREAM_PROFILE: settings.streamProfile,
    STREAM_MAX_BITRATE_KBPS: settings.maxBitrateKbps?.toString(),
    AUDIO_NORMALIZE: settings.normalizeAudio?.toString(),
    ORB_MEDIA_SEND: settings.mediaSend,
    VIDEO_ENCODER: settings.videoEncoder,
    VAAPI_DEVICE: settings.vaapiDevice,
    LOG_LEVEL: settings.logLevel,
  };
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

export type WorkerEnvironmentParse =
  | { ok: true; settings: WorkerSettings }
  | { ok: false; problems: string[] };

/** Reads a worker's settings from its environment; problems name the variable, never its value. */
export function parseWorkerEnvironment(env: Record<string, string | undefined>): WorkerEnvironmentParse {
  // Empty strings count as unset, as in the bot's own configuration.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = workerEnvSchema.safeParse(cleaned, inputWording);
  if (parsed.success) return { ok: true, settings: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`),
  };
}
