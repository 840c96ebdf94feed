// The database as types: one interface per table, literal unions for every CHECK'd column.
// Signatures elsewhere use the Selectable/Insertable/Updateable aliases, never these directly.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { PlaybackState, WorkerStatus } from '../worker-states.ts';

export const sessionStatuses = [
  'draft',
  'queued',
  'connecting',
  'playing',
  'paused',
  'stopped',
  'error',
] as const;
export type SessionStatus = (typeof sessionStatuses)[number];

/** What plays after an item ends by itself (migrations/0010_loop_mode.ts). */
export const loopModes = ['off', 'item', 'queue'] as const;
export type LoopMode = (typeof loopModes)[number];

export const queueEntryStatuses = ['queued', 'playing', 'played', 'skipped', 'failed'] as const;
export type QueueEntryStatus = (typeof queueEntryStatuses)[number];

export const mediaTypes = ['movie', 'episode', 'video'] as const;
export type MediaType = (typeof mediaTypes)[number];

export { type PlaybackState, playbackStates, type WorkerStatus, workerStatuses } from '../worker-states.ts';

/** ISO-8601 UTC text, filled by SQLite when omitted. */
type Timestamp = ColumnType<string, string | undefined, string>;

export interface WatchPartySessionsTable {
  id: Generated<number>;
  guild_id: string;
  voice_channel_id: string;
  text_channel_id: string;
  owner_user_id: string;
  title: string;
  status: ColumnType<SessionStatus, SessionStatus | undefined, SessionStatus>;
  worker_session_id: string | null;
  current_queue_entry_id: number | null;
  loop_mode: ColumnType<LoopMode, LoopMode | undefined, LoopMode>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface WatchPartyQueueTable {
  id: Generated<number>;
  session_id: number;
  position: number;
  media_type: MediaType;
  jellyfin_source_id: string;
  title: string;
  year: number | null;
  /** Seconds. */
  runtime: number | null;
  summary: string | null;
  poster_url: string | null;
  status: ColumnType<QueueEntryStatus, QueueEntryStatus | undefined, QueueEntryStatus>;
  created_at: Timestamp;
  requested_by_user_id: string | null;
  /** Migration 0007: Jellyfin stream index of the chosen audio; null chooses automatically. */
  audio_stream_index: ColumnType<number | null, number | null | undefined, number | null>;
  /** Migration 0007: the chosen subtitles' stream index, -1 for none; null chooses automatically. */
  subtitle_stream_index: ColumnType<number | null, number | null | undefined, number | null>;
  /** Migration 0007: the tracks the entry could switch to, saved when it plays (JSON, see tracks.ts). */
  track_offer_json: ColumnType<string | null, string | null | undefined, string | null>;
  /** Migration 0009: where the entry starts, in seconds (a resume position); null is the beginning. */
  start_position_seconds: ColumnType<number | null, number | null | undefined, number | null>;
  /** Migration 0009: where it stopped when it ended unfinished; null when it finished or has not ended. */
  stopped_at_seconds: ColumnType<number | null, number | null | undefined, number | null>;
  /** Migration 0009: when it ended (ISO-8601 UTC), null until then. */
  ended_at: ColumnType<string | null, string | null | undefined, string | null>;
  /** Migration 0009: its intro and credits, saved when it starts (JSON, see watchparty/segments.ts). */
  segments_json: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface WatchPartyEventsTable {
  id: Generated<number>;
  session_id: number;
  event_type: string;
  payload_json: ColumnType<string, string | undefined, string>;
  created_at: Timestamp;
  actor_user_id: string | null;
}

export interface WatchPartyWorkerStateTable {
  session_id: number;
  worker_status: ColumnType<WorkerStatus, WorkerStatus | undefined, WorkerStatus>;
  playback_state: ColumnType<PlaybackState, PlaybackState | undefined, PlaybackState>;
  current_title: string | null;
  position_seconds: ColumnType<number, number | undefined, number>;
  duration_seconds: number | null;
  /** How the last item or start failed, in English (the API's and the logs' sentence); null when it did not. */
  last_error: string | null;
  /**
   * Migration 0012: that failure's kind (src/watchparty/failures.ts), so each reader's language words
   * it; null on rows written before it, which show last_error as it is.
   */
  last_error_kind: ColumnType<string | null, string | null | undefined, string | null>;
  /** Migration 0012: for a file that ended early, where it ended (seconds). */
  last_error_at_seconds: ColumnType<number | null, number | null | undefined, number | null>;
  updated_at: Timestamp;
}

export const catalogItemTypes = ['movie', 'series', 'episode'] as const;
export type CatalogItemType = (typeof catalogItemTypes)[number];

/** Migration 0003: the local Jellyfin catalog (FTS5 tables beside it are reached through raw SQL). */
export interface CatalogItemsTable {
  row_id: Generated<number>;
  item_id: string;
  type: CatalogItemType;
  name: string;
  name_norm: string;
  series_id: string | null;
  series_name: string | null;
  season_number: number | null;
  episode_number: number | null;
  year: number | null;
  runtime_seconds: number | null;
  overview: string | null;
  poster_item_id: string | null;
  poster_tag: string | null;
  tmdb_id: string | null;
  imdb_id: string | null;
  /** The title in its own language, when Jellyfin knows one that differs from `name`. */
  original_title: string | null;
  date_saved: string | null;
  seen_in_run: number;
  synced_at: Timestamp;
}

export interface CatalogSyncRunsTable {
  id: Generated<number>;
  mode: 'full' | 'incremental';
  status: ColumnType<'running' | 'succeeded' | 'failed', 'running' | undefined, 'succeeded' | 'failed'>;
  started_at: Timestamp;
  finished_at: string | null;
  items_upserted: ColumnType<number, number | undefined, number>;
  items_deleted: ColumnType<number, number | undefined, number>;
  error: string | null;
}

/** A member logged in to the web dashboard (migrations/0011). */
export interface DashboardLoginsTable {
  id: Generated<number>;
  secret_hash: string;
  user_id: string;
  username: string;
  guild_ids_json: string;
  csrf_token: string;
  created_at: string;
  expires_at: string;
}

export interface Database {
  watch_party_sessions: WatchPartySessionsTable;
  watch_party_queue: WatchPartyQueueTable;
  watch_party_events: WatchPartyEventsTable;
  watch_party_worker_state: WatchPartyWorkerStateTable;
  catalog_items: CatalogItemsTable;
  catalog_sync_runs: CatalogSyncRunsTable;
  dashboard_logins: DashboardLoginsTable;
}

export type SessionRow = Selectable<WatchPartySessionsTable>;
export type NewSession = Insertable<WatchPartySessionsTable>;
export type SessionUpdate = Updateable<WatchPartySessionsTable>;
export type QueueEntryRow = Selectable<WatchPartyQueueTable>;
export type NewQueueEntry = Insertable<WatchPartyQueueTable>;
export type EventRow = Selectable<WatchPartyEventsTable>;
export type WorkerStateRow = Selectable<WatchPartyWorkerStateTable>;
export type CatalogItemRow = Selectable<CatalogItemsTable>;
export type NewCatalogItem = Insertable<CatalogItemsTable>;
