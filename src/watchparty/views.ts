// What the service hands to its doors: plain camelCase objects built from rows, so Discord, the API
// and the dashboard read one shape and never see storage details such as raw positions. Declared as
// zod schemas so the API documents exactly these shapes.
import { z } from 'zod';
import {
  type EventRow,
  loopModes,
  mediaTypes,
  playbackStates,
  type QueueEntryRow,
  queueEntryStatuses,
  type SessionRow,
  sessionStatuses,
  type WorkerStateRow,
  workerStatuses,
} from '../db/schema.ts';
import { failureKinds, isFailureKind } from './failures.ts';
import { mediaSegmentSchema, readSegments } from './segments.ts';
import { readTrackOffer, trackOfferSchema } from './tracks.ts';

const sessionStatusSchema = z.enum(sessionStatuses);
/** What plays after an item ends by itself: the next one, the same item again, or the next with the ended one requeued. */
export const loopModeSchema = z.enum(loopModes);

export const partySessionSchema = z
  .object({
    id: z.number().int(),
    guildId: z.string(),
    voiceChannelId: z.string(),
    textChannelId: z.string(),
    ownerUserId: z.string(),
    title: z.string(),
    status: sessionStatusSchema,
    currentQueueEntryId: z.number().int().nullable(),
    loopMode: loopModeSchema,
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'PartySession' });
export type PartySession = z.infer<typeof partySessionSchema>;

export const queueEntrySchema = z
  .object({
    id: z.number().int(),
    itemId: z.string(),
    mediaType: z.enum(mediaTypes),
    title: z.string(),
    year: z.number().int().nullable(),
    runtimeSeconds: z.number().nullable(),
    summary: z.string().nullable(),
    posterUrl: z.string().nullable(),
    status: z.enum(queueEntryStatuses),
    requestedByUserId: z.string().nullable(),
    /** The chosen audio track's stream index; null: chosen automatically when it plays. */
    audioStreamIndex: z.number().int().nullable(),
    /** The chosen subtitles' stream index, -1 for none; null: chosen automatically when it plays. */
    subtitleStreamIndex: z.number().int().nullable(),
    /** Once it has played: the tracks it may switch to, and those playing. */
    tracks: trackOfferSchema.nullable(),
    /** Where it starts, in seconds (a resume position); null: from the beginning. */
    startPositionSeconds: z.number().nullable(),
    /** Once it has started: its intro and credits, as the media server marks them. */
    segments: z.array(mediaSegmentSchema),
    createdAt: z.string(),
  })
  .meta({ id: 'QueueEntry' });
export type QueueEntry = z.infer<typeof queueEntrySchema>;

/** An upcoming entry with the number users see in `list` and pass to remove/move. */
export const upcomingEntrySchema = queueEntrySchema
  .extend({ number: z.number().int().positive() })
  .meta({ id: 'UpcomingEntry' });
export type UpcomingEntry = z.infer<typeof upcomingEntrySchema>;

export const workerStateSchema = z
  .object({
    workerStatus: z.enum(workerStatuses),
    playbackState: z.enum(playbackStates),
    currentTitle: z.string().nullable(),
    positionSeconds: z.number(),
    durationSeconds: z.number().nullable(),
    /** How the last item or start failed, in English; null when it did not. */
    lastError: z.string().nullable(),
    /** That failure's kind (null: none, or a failure kept before kinds were), for a client to word it. */
    lastErrorKind: z.enum(failureKinds).nullable(),
    /** For a file that ended early (`file_ended_early`): where it ended, in seconds. */
    lastErrorAtSeconds: z.number().nullable(),
    updatedAt: z.string(),
  })
  .meta({ id: 'WorkerState' });
export type WorkerState = z.infer<typeof workerStateSchema>;

/** What members see a party doing: its status, with an outage named while it should be playing. */
export const partyActivities = [...sessionStatuses, 'buffering', 'reconnecting'] as const;
export type PartyActivity = (typeof partyActivities)[number];

export const partyPlaybackSchema = z
  .object({
    /**
     * `playing` only while the picture reaches viewers: `buffering` while the media server keeps them
     * waiting (or the next item loads), `reconnecting` while the stream or its worker is brought back.
     */
    activity: z.enum(partyActivities),
    /** Where the item is as of `asOf`; it moves on only while `playing`, so it holds through outages. */
    positionSeconds: z.number(),
    durationSeconds: z.number().nullable(),
    asOf: z.string(),
  })
  .meta({ id: 'PartyPlayback' });
export type PartyPlayback = z.infer<typeof partyPlaybackSchema>;

export const partyEventSchema = z
  .object({
    id: z.number().int(),
    type: z.string(),
    actorUserId: z.string().nullable(),
    payload: z.unknown(),
    createdAt: z.string(),
  })
  .meta({ id: 'PartyEvent' });
export type PartyEvent = z.infer<typeof partyEventSchema>;

export const sessionDetailsSchema = z
  .object({
    session: partySessionSchema,
    current: queueEntrySchema.nullable(),
    upcoming: z.array(upcomingEntrySchema),
    /** Played, skipped and failed entries, most recent first. */
    history: z.array(queueEntrySchema),
    worker: workerStateSchema.nullable(),
    /** The party as it stands when read: what members see it doing, and where the item is. */
    playback: partyPlaybackSchema,
    /** Most recent first. */
    recentEvents: z.array(partyEventSchema),
  })
  .meta({ id: 'SessionDetails' });
export type SessionDetails = z.infer<typeof sessionDetailsSchema>;

export function toPartySession(row: SessionRow): PartySession {
  return {
    id: row.id,
    guildId: row.guild_id,
    voiceChannelId: row.voice_channel_id,
    textChannelId: row.text_channel_id,
    ownerUserId: row.owner_user_id,
    title: row.title,
    status: row.status,
    currentQueueEntryId: row.current_queue_entry_id,
    loopMode: row.loop_mode,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toQueueEntry(row: QueueEntryRow): QueueEntry {
  return {
    id: row.id,
    itemId: row.jellyfin_source_id,
    mediaType: row.media_type,
    title: row.title,
    year: row.year,
    runtimeSeconds: row.runtime,
    summary: row.summary,
    posterUrl: row.poster_url,
    status: row.status,
    requestedByUserId: row.requested_by_user_id,
    audioStreamIndex: row.audio_stream_index,
    subtitleStreamIndex: row.subtitle_stream_index,
    tracks: readTrackOffer(row.track_offer_json),
    startPositionSeconds: row.start_position_seconds,
    segments: readSegments(row.segments_json),
    createdAt: row.created_at,
  };
}

export function toWorkerState(row: WorkerStateRow): WorkerState {
  return {
    workerStatus: row.worker_status,
    playbackState: row.playback_state,
    currentTitle: row.current_title,
    positionSeconds: row.position_seconds,
    durationSeconds: row.duration_seconds,
    lastError: row.last_error,
    lastErrorKind: isFailureKind(row.last_error_kind) ? row.last_error_kind : null,
    lastErrorAtSeconds: row.last_error_at_seconds,
    updatedAt: row.updated_at,
  };
}

export function toPartyEvent(row: EventRow): PartyEvent {
  return {
    id: row.id,
    type: row.event_type,
    actorUserId: row.actor_user_id,
    payload: JSON.parse(row.payload_json) as unknown,
    createdAt: row.created_at,
  };
}
