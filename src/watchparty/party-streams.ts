// Carries out what the service decided for a party's stream: connect a worker to the voice channel,
// hand it an entry to play (with the media server's playback target), close it. Status changes and
// failure handling stay with the service; these calls only report what went wrong by throwing.
import type { Db } from '../db/connection.ts';
import type { QueueEntryRow, SessionRow } from '../db/schema.ts';
import { type Logger, sessionLogger } from '../logger.ts';
import type { MediaLibrary } from './media-library.ts';
import type { PlaybackRelay } from './playback-relay.ts';
import type { SegmentSource } from './segments.ts';
import { saveWorkerState } from './session-store.ts';
import {
  noTrackDefaults,
  resolveTracks,
  type TrackDefaults,
  type TrackSettings,
  trackOffer,
  trackSelection,
} from './tracks.ts';
import { toQueueEntry } from './views.ts';
import type { WorkerPool } from './worker-pool.ts';

export interface PartyStreamsOptions extends TrackSettings {
  db: Db;
  workers: WorkerPool;
  media: MediaLibrary;
  relay: PlaybackRelay;
  /** Intros and credits, fetched when an entry starts; without it entries have none. */
  segments?: SegmentSource | undefined;
  logger: Logger;
}

export class PartyStreams {
  readonly #db: Db;
  readonly #workers: WorkerPool;
  readonly #media: MediaLibrary;
  readonly #relay: PlaybackRelay;
  readonly #segments: SegmentSource | undefined;
  readonly #logger: Logger;
  readonly #trackDefaults: TrackDefaults;

  constructor(options: PartyStreamsOptions) {
    this.#db = options.db;
    this.#workers = options.workers;
    this.#media = options.media;
    this.#relay = options.relay;
    this.#segments = options.segments;
    this.#logger = options.logger;
    this.#trackDefaults = options.trackDefaults ?? noTrackDefaults;
  }

  /** Gives the party a worker in its voice channel and plays `entry` from `startAt` seconds. */
  async connect(session: SessionRow, entry: QueueEntryRow, startAt: number): Promise<void> {
    await this.#workers.open({
      sessionId: String(session.id),
      guildId: session.guild_id,
      voiceChannelId: session.voice_channel_id,
      textChannelId: session.text_channel_id,
    });
    await this.play(session.id, entry, startAt);
  }

  /** Sends the worker the entry to play, with its tracks. Throws what the media server or the worker threw. */
  async play(sessionId: number, entry: QueueEntryRow, startAt: number): Promise<void> {
    const [media, segments] = await Promise.all([
      this.#media.playbackDetails(entry.jellyfin_source_id),
      this.#segments?.segmentsOf(entry.jellyfin_source_id) ?? [],
    ]);
    const playback = media.target;
    const tracks = resolveTracks(media, toQueueEntry(entry), this.#trackDefaults);
    await this.#db
      .updateTable('watch_party_queue')
      .set({
        track_offer_json: JSON.stringify(trackOffer(media, tracks)),
        segments_json: JSON.stringify(segments),
      })
      .where('id', '=', entry.id)
      .execute();
    await this.#workers.play(String(sessionId), {
      queueEntryId: entry.id,
      jellyfinSourceId: entry.jellyfin_source_id,
      title: entry.title,
      mediaType: entry.media_type,
      playback,
      ...(startAt > 0 ? { startPositionSeconds: startAt } : {}),
      tracks: trackSelection(tracks),
    });
    await saveWorkerState(this.#db, sessionId, {
      current_title: entry.title,
      duration_seconds: playback.durationSeconds ?? entry.runtime,
      position_seconds: startAt,
    });
    this.#relay.started(sessionId, entry.jellyfin_source_id, startAt);
  }

  /** Closes the worker, freeing its streaming account; a failure to close is only logged. */
  async close(sessionId: number): Promise<void> {
    try {
      await this.#workers.close(String(sessionId));
    } catch (error) {
      sessionLogger(this.#logger, sessionId).warn({ err: error }, 'could not close the stream worker');
    }
  }
}
