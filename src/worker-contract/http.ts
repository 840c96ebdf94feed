// The worker contract's HTTP half: what the bot (src/worker-pool) and a stream worker (src/worker)
// say to each other over HTTP on 127.0.0.1. One set of zod schemas serves both sides and the
// generated OpenAPI document, so the two ends cannot drift. Fields follow the seed plan field for field; additions are marked.
import { z } from 'zod';

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
});
export type PlaybackTarget = z.infer<typeof playbackTargetSchema>;

export const playRequestSchema = z.object({
  queueEntryId: z.number().int().positive(),
  jellyfinSourceId: id,
  title: z.string().min(1),
  mediaType: mediaTypeSchema,
  playback: playbackTargetSchema,
  /** Addition: resume an item part-way (after a worker restart, or a seek while stopped). */
  startPositionSeconds: z.number().nonnegative().optional(),
});
export type PlayRequest = z.infer<typeof playRequestSchema>;

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

export const workerStatusSchema = z.enum(['idle', 'starting', 'ready', 'restarting', 'stopped', 'failed']);
export const playbackStateSchema = z.enum(['idle', 'loading', 'playing', 'paused', 'ended', 'error']);

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

export const healthResponseSchema = z.object({
  ok: z.literal(true),
  sessions: z.number().int().nonnegative(),
  uptimeSeconds: z.number().nonnegative(),
});
export type HealthResponse = z.infer<typeof healthResponseSchema>;

export const endReasons = ['finished', 'skipped', 'stopped', 'error'] as const;
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
  }),
});
export type ErrorResponse = z.infer<typeof errorResponseSchema>;

/** Heartbeat period of the events stream; the supervisor treats three missed beats as a dead worker. */
export const HEARTBEAT_INTERVAL_MS = 2_000;
export const MISSED_HEARTBEATS_BEFORE_DEAD = 3;
