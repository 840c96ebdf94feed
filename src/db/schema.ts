// The database as types: one interface per table, literal unions for every CHECK'd column.
// Signatures elsewhere use the Selectable/Insertable/Updateable aliases, never these directly.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

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

export const queueEntryStatuses = ['queued', 'playing', 'played', 'skipped', 'failed'] as const;
export type QueueEntryStatus = (typeof queueEntryStatuses)[number];

export const mediaTypes = ['movie', 'episode', 'video'] as const;
export type MediaType = (typeof mediaTypes)[number];

export const workerStatuses = ['idle', 'starting', 'ready', 'restarting', 'stopped', 'failed'] as const;
export type WorkerStatus = (typeof workerStatuses)[number];

export const playbackStates = ['idle', 'loading', 'playing', 'paused', 'ended', 'error'] as const;
export type PlaybackState = (typeof playbackStates)[number];

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
  last_error: string | null;
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

export interface Database {
  watch_party_sessions: WatchPartySessionsTable;
  watch_party_queue: WatchPartyQueueTable;
  watch_party_events: WatchPartyEventsTable;
  watch_party_worker_state: WatchPartyWorkerStateTable;
  catalog_items: CatalogItemsTable;
  catalog_sync_runs: CatalogSyncRunsTable;
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
