// The worker contract's HTTP half: what the bot (src/worker-pool) and a stream worker (src/worker)
// say to each other over HTTP on 127.0.0.1. One set of zod schemas serves both sides and the
// generated OpenAPI document, so the two ends cannot drift. Fields follow the seed plan field for field; additions are marked.
import { z } from 'zod';
import { playbackStates, workerStatuses } from '../worker-states.ts';
import { videoEncoderNames } from './environment.ts';
import { workerFailureKindSchema } from './failure-kinds.ts';
import { type JellyfinMediaRoute, jellyfinMediaRoute } from './jellyfin-media-url.ts';

const id = z.string().min(1).max(64);

export const mediaTypeSchema = z.enum(['movie', 'episode', 'video']);

export const createSessionRequestSchema = z.object({
  sessionId: id,
  guildId: id,
  voiceChannelId: id,
  textChannelId: id,
});
export type CreateSessionRequest = z.infer<typeof createSessionRequestSchema>;

export const episodeInfoSchema = z.object({
  seriesName: z.string(),
  seasonNumber: z.number().int().nullable(),
  episodeNumber: z.number().int().nullable(),
  title: z.string(),
});
export type EpisodeInfo = z.infer<typeof episodeInfoSchema>;

/**
 * Addition: Jellyfin's progressive transcode of the source to the stream profile's limits
 * (TRANSCODE_SOURCE; docs/architecture.md "Who transcodes").
 */
export const jellyfinTranscodeSchema = z.object({
  /**
   * `/Videos/{id}/stream.ts?…` as PlaybackInfo answered it, keyless. The worker sets the start
   * (StartTimeTicks) and the request's tracks (AudioStreamIndex, SubtitleStreamIndex) itself.
   */
  url: z.url(),
  /** `needed`: only when the worker cannot pass the source through (auto); `always`: for every item (jellyfin). */
  use: z.enum(['needed', 'always']),
});
export type JellyfinTranscode = z.infer<typeof jellyfinTranscodeSchema>;

/** Where and what to play, built by the bot from Jellyfin's PlaybackInfo (see src/jellyfin). */
export const playbackTargetSchema = z.object({
  itemId: id,
  sourceId: id,
  title: z.string().min(1),
  mediaType: mediaTypeSchema,
  /** Tried first: Jellyfin's static stream. Carries no key; the worker adds the auth header itself. */
  streamUrl: z.url(),
  /** Fallback when streamUrl fails. */
  downloadUrl: z.url(),
  durationSeconds: z.number().nonnegative().nullable(),
  posterUrl: z.url().nullable(),
  year: z.number().int().nullable(),
  tmdbId: z.string().nullable(),
  imdbId: z.string().nullable(),
  episode: episodeInfoSchema.nullable(),
  /** Addition: absent or null when the worker transcodes whatever it cannot pass through itself. */
  transcode: jellyfinTranscodeSchema.nullable().optional(),
});
export type PlaybackTarget = z.infer<typeof playbackTargetSchema>;

/**
 * Addition: a subtitle track to burn into the picture. Text tracks (SRT, ASS/SSA, WebVTT, mov_text;
 * embedded or external) are read as the small file the media server delivers, rendered with
 * libass; picture tracks (PGS, VobSub, DVB) are embedded ones, overlaid from the source itself.
 */
export const burnedSubtitleSchema = z.discriminatedUnion('format', [
  z.object({
    format: z.literal('text'),
    streamIndex: z.number().int().nonnegative(),
    /** Keyless; the worker reads it through its proxy, which adds the credentials. */
    url: z.url(),
  }),
  z.object({
    format: z.literal('image'),
    /** The file's own stream index (ffmpeg `0:{index}`). */
    streamIndex: z.number().int().nonnegative(),
  }),
]);
export type BurnedSubtitle = z.infer<typeof burnedSubtitleSchema>;

/** Addition: which tracks to play; absent means the file's default audio and no subtitles. */
export const trackSelectionSchema = z.object({
  audioStreamIndex: z.number().int().nonnegative().nullable(),
  subtitle: burnedSubtitleSchema.nullable(),
});
export type TrackSelection = z.infer<typeof trackSelectionSchema>;

export const playRequestSchema = z.object({
  queueEntryId: z.number().int().positive(),
  jellyfinSourceId: id,
  title: z.string().min(1),
  mediaType: mediaTypeSchema,
  playback: playbackTargetSchema,
  /** Addition: resume an item part-way (after a worker restart, or a seek while stopped). */
  startPositionSeconds: z.number().nonnegative().optional(),
  tracks: trackSelectionSchema.optional(),
});
export type PlayRequest = z.infer<typeof playRequestSchema>;

function subtitleUrl(subtitle: BurnedSubtitle | null | undefined): string | null {
  return subtitle?.format === 'text' ? subtitle.url : null;
}

/**
 * The play request a worker reading from `jellyfinUrl` accepts: every address in it names the
 * Jellyfin route it is for, on that server (see jellyfin-media-url.ts). The message never repeats
 * the address, so a refusal tells nothing about hosts the worker could otherwise have reached.
 */
export function jellyfinPlayRequestSchema(jellyfinUrl: string | null) {
  return playRequestSchema.superRefine((request, context) => {
    const addresses: [PropertyKey[], string | null, JellyfinMediaRoute][] = [
      [['playback', 'streamUrl'], request.playback.streamUrl, 'media'],
      [['playback', 'downloadUrl'], request.playback.downloadUrl, 'media'],
      [['playback', 'posterUrl'], request.playback.posterUrl, 'image'],
      [['tracks', 'subtitle', 'url'], subtitleUrl(request.tracks?.subtitle), 'subtitle'],
      [['playback', 'transcode', 'url'], request.playback.transcode?.url ?? null, 'transcode'],
    ];
    for (const [path, url, route] of addresses) {
      if (url === null || jellyfinMediaRoute(jellyfinUrl, url) === route) continue;
      context.addIssue({
        code: 'custom',
        path,
        message:
          jellyfinUrl === null
            ? 'cannot be read: this worker has no Jellyfin server (JELLYFIN_URL)'
            : `must be a Jellyfin ${route} address on the worker's Jellyfin server (JELLYFIN_URL)`,
      });
    }
  });
}

export const controlActions = ['pause', 'resume', 'seek', 'skip', 'stop'] as const;
export type ControlAction = (typeof controlActions)[number];

export const controlRequestSchema = z
  .object({
    action: z.enum(controlActions),
    positionSeconds: z.number().nonnegative().optional(),
  })
  .refine((body) => body.action !== 'seek' || body.positionSeconds !== undefined, {
    path: ['positionSeconds'],
    message: 'is required for seek',
  });
export type ControlRequest = z.infer<typeof controlRequestSchema>;

export const workerStatusSchema = z.enum(workerStatuses);
export const playbackStateSchema = z.enum(playbackStates);

export const sessionStatusSchema = z.object({
  workerStatus: workerStatusSchema,
  playbackState: playbackStateSchema,
  currentTitle: z.string().nullable(),
  positionSeconds: z.number().nonnegative(),
  durationSeconds: z.number().nonnegative().nullable(),
  lastError: z.string().nullable(),
  /** Addition: which queue entry the status is about. */
  queueEntryId: z.number().int().positive().nullable(),
});
export type SessionStatusResponse = z.infer<typeof sessionStatusSchema>;

const count = z.number().int().nonnegative();

/**
 * Addition: what a session's stream has done since its worker started (`GET /sessions/{id}/stats`),
 * read by the bot's /metrics. Counters restart at 0 with a restarted worker, as Prometheus expects.
 */
export const streamFiguresSchema = z.object({
  /** How datagrams leave: the native sender, Node's crypto and dgram, or the capture sink (tests). */
  sendPath: z.enum(['native', 'js', 'capture']),
  videoFramesSent: count,
  audioFramesSent: count,
  /** Video frames that reached no viewer: no stream connection, waiting for a keyframe, DAVE not ready. */
  videoFramesDropped: count,
  packetsSent: count,
  bytesSent: count,
  /** The stream connection's DAVE epoch; null while it sends without end-to-end encryption. */
  daveEpoch: z.number().int().nonnegative().nullable(),
  daveTransitions: count,
  nacksReceived: count,
  packetsRetransmitted: count,
  retransmitsRefused: count,
  keyframeRequests: count,
  reconnects: count,
  viewers: count,
});
export type StreamFigures = z.infer<typeof streamFiguresSchema>;

export const encoders = ['copy', ...videoEncoderNames] as const;
export type Encoder = (typeof encoders)[number];

export const sessionStatsSchema = z.object({
  /**
   * What makes the picture of the item playing: `copy` passes the source through, else the encoder
   * that transcodes it (x264, or the GPU's: vaapi, nvenc, qsv); null when idle.
   */
  encoder: z.enum(encoders).nullable(),
  /** Null until the stream is open. */
  stream: streamFiguresSchema.nullable(),
});
export type SessionStats = z.infer<typeof sessionStatsSchema>;

export const healthResponseSchema = z.object({
  ok: z.literal(true),
  sessions: z.number().int().nonnegative(),
  uptimeSeconds: z.number().nonnegative(),
});
export type HealthResponse = z.infer<typeof healthResponseSchema>;

/**
 * `truncated`: the file holds less than its stated duration; everything it holds was played, and
 * `error` says where it stops.
 */
export const endReasons = ['finished', 'truncated', 'skipped', 'stopped', 'error'] as const;
export type EndReason = (typeof endReasons)[number];

/** Server-Sent Events on GET /sessions/{sessionId}/events; `event:` carries the type, `data:` the JSON. */
export const workerEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('state'), status: sessionStatusSchema }),
  z.object({
    type: z.literal('ended'),
    queueEntryId: z.number().int().positive(),
    reason: z.enum(endReasons),
    positionSeconds: z.number().nonnegative(),
    error: z.string().nullable(),
    /** Addition: the kind of failure when the item ended in one (absent from older workers: unknown). */
    failure: workerFailureKindSchema.nullable().default(null),
  }),
  z.object({ type: z.literal('error'), message: z.string(), fatal: z.boolean() }),
  z.object({ type: z.literal('heartbeat'), positionSeconds: z.number().nonnegative() }),
]);
export type WorkerEvent = z.infer<typeof workerEventSchema>;

export const errorCodes = ['bad_request', 'unauthorized', 'not_found', 'conflict', 'internal'] as const;
export const errorResponseSchema = z.object({
  error: z.object({
    code: z.enum(errorCodes),
    message: z.string(),
    /** The offending field's path, for 400s. */
    field: z.string().optional(),
    /** Addition: why opening a session failed, as on the `ended` event. */
    failure: workerFailureKindSchema.optional(),
  }),
});
export type ErrorResponse = z.infer<typeof errorResponseSchema>;

/** Heartbeat period of the events stream; the supervisor treats three missed beats as a dead worker. */
export const HEARTBEAT_INTERVAL_MS = 2_000;
export const MISSED_HEARTBEATS_BEFORE_DEAD = 3;
