// Track choice on a party: the tracks of what plays now, a member's pick for it (which restarts the
// item on the worker where it is, with the new tracks), and a `queue` command's picks for an item.
// Runs through the service's per-session queue like every other change of a party.
import type { Db } from '../db/connection.ts';
import { phrase } from '../i18n/translate.ts';
import { recordEvent } from './audit-events.ts';
import { callSeam, WatchPartyError } from './errors.ts';
import { currentPosition } from './live-position.ts';
import type { MediaLibrary, MediaTrack } from './media-library.ts';
import { readSessionDetails } from './party-reads.ts';
import type { PartyStreams } from './party-streams.ts';
import type { Actor, PermissionPolicy } from './permissions.ts';
import { playingEntry } from './queue-store.ts';
import { transition } from './session-state.ts';
import { requireSession } from './session-store.ts';
import type { PartyStatusChanges } from './status-changes.ts';
import type { TrackKind } from './track-labels.ts';
import {
  automaticTracks,
  noTrackDefaults,
  parseTrackRequest,
  type ResolvedTracks,
  resolveTracks,
  type TrackChoice,
  type TrackDefaults,
  type TrackSettings,
} from './tracks.ts';
import type { QueueEntry } from './views.ts';
import type { WorkerPool } from './worker-pool.ts';

export interface PartyTracksOptions extends TrackSettings {
  db: Db;
  media: MediaLibrary;
  workers: WorkerPool;
  streams: PartyStreams;
  policy: PermissionPolicy;
  party: PartyStatusChanges;
}

export interface CurrentTracks {
  entry: QueueEntry;
  audio: MediaTrack[];
  subtitles: MediaTrack[];
  /** What plays: the entry's choice, with the open parts decided by the settings and the file. */
  playing: ResolvedTracks;
}

/** What a `queue` command typed for an item's tracks; null leaves the choice automatic. */
export interface QueueTrackRequest {
  audio: string | null;
  subtitles: string | null;
}

export class PartyTracks {
  readonly #options: PartyTracksOptions;
  readonly #defaults: TrackDefaults;

  constructor(options: PartyTracksOptions) {
    this.#options = options;
    this.#defaults = options.trackDefaults ?? noTrackDefaults;
  }

  /** The tracks of the item playing now. */
  async current(sessionId: number): Promise<CurrentTracks> {
    const details = await readSessionDetails(this.#options.db, sessionId);
    const entry = details.current;
    if (entry?.status !== 'playing') throw nothingPlaying();
    const media = await callSeam(() => this.#options.media.playbackDetails(entry.itemId));
    return {
      entry,
      audio: media.audioTracks,
      subtitles: media.subtitleTracks,
      playing: resolveTracks(media, entry, this.#defaults),
    };
  }

  /**
   * Plays the current item with another audio or subtitle track from where it is now: the worker
   * restarts the item there with the new tracks, and a paused party stays paused. Returns the track
   * now chosen (null: subtitles off).
   */
  choose(sessionId: number, kind: TrackKind, request: string, actor: Actor): Promise<MediaTrack | null> {
    const { db, party, policy, streams, workers } = this.#options;
    return party.mutate(sessionId, async () => {
      const session = await requireSession(db, sessionId);
      policy.assertAllowed(actor, session, 'switch tracks');
      transition(session.status, 'seek');
      const entry = await playingEntry(db, session);
      if (!entry) throw nothingPlaying();
      const media = await callSeam(() => this.#options.media.playbackDetails(entry.jellyfin_source_id));
      const tracks = kind === 'audio' ? media.audioTracks : media.subtitleTracks;
      const index = parseTrackRequest(request, tracks, kind);
      const positionSeconds = currentPosition(await readSessionDetails(db, sessionId), Date.now());
      const updated = await db.transaction().execute(async (tx) => {
        const row = await tx
          .updateTable('watch_party_queue')
          .set(kind === 'audio' ? { audio_stream_index: index } : { subtitle_stream_index: index })
          .where('id', '=', entry.id)
          .returningAll()
          .executeTakeFirstOrThrow();
        await recordEvent(tx, sessionId, actor, {
          type: 'tracks-changed',
          payload: { entryId: entry.id, title: entry.title, kind, streamIndex: index, positionSeconds },
        });
        return row;
      });
      try {
        await streams.play(sessionId, updated, positionSeconds);
        if (session.status === 'paused') await workers.control(String(sessionId), { action: 'pause' });
      } catch (error) {
        throw await party.fail(sessionId, error);
      }
      return tracks.find((track) => track.index === index) ?? null;
    });
  }

  /** The tracks of an item about to be queued (a series: its first episode's). */
  async ofItem(itemId: string): Promise<Pick<CurrentTracks, 'audio' | 'subtitles'>> {
    const media = await callSeam(() => this.#options.media.playbackDetails(itemId));
    return { audio: media.audioTracks, subtitles: media.subtitleTracks };
  }

  /** Stream indexes for what a `queue` command typed, checked against the item's tracks. */
  async choiceFor(itemId: string, request: QueueTrackRequest): Promise<TrackChoice> {
    if (request.audio === null && request.subtitles === null) return automaticTracks;
    const media = await callSeam(() => this.#options.media.playbackDetails(itemId));
    return {
      audioStreamIndex:
        request.audio === null ? null : parseTrackRequest(request.audio, media.audioTracks, 'audio'),
      subtitleStreamIndex:
        request.subtitles === null
          ? null
          : parseTrackRequest(request.subtitles, media.subtitleTracks, 'subtitles'),
    };
  }
}

function nothingPlaying(): WatchPartyError {
  return new WatchPartyError('conflict', phrase('error.tracksNeedPlaying'));
}
