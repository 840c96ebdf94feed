// An in-memory media library: a few films and a series, with switches to make it fail. Stands in for
// src/jellyfin wherever a test is about the watch party rather than about Jellyfin.
import {
  type MediaDescription,
  type MediaLibrary,
  MediaServerUnavailableError,
  type MediaTrack,
  type PlaybackDetails,
  UnknownMediaError,
} from '../../src/watchparty/media-library.ts';
import type { PlaybackTarget } from '../../src/worker-contract/http.ts';

export interface FakeSeries {
  id: string;
  episodeIds: readonly string[];
}

const defaultItems: MediaDescription[] = [
  movie('movie-1', 'Night of the Comet', 1984, 5700),
  movie('movie-2', 'The Fifth Element', 1997, 7560),
  movie('movie-3', 'Arrival', 2016, 6960),
  movie('short-1', 'Big Buck Bunny', 2008, 596),
  {
    itemId: 'episode-1',
    mediaType: 'episode',
    title: 'Orbit · S01E01 · Launch',
    year: 2020,
    runtimeSeconds: 1500,
    summary: null,
    posterUrl: null,
  },
  {
    itemId: 'episode-2',
    mediaType: 'episode',
    title: 'Orbit · S01E02 · Drift',
    year: 2020,
    runtimeSeconds: 1440,
    summary: null,
    posterUrl: null,
  },
];

export class FakeMediaLibrary implements MediaLibrary {
  readonly items = new Map<string, MediaDescription>(defaultItems.map((item) => [item.itemId, item]));
  readonly series = new Map<string, FakeSeries>([
    ['series-1', { id: 'series-1', episodeIds: ['episode-1', 'episode-2'] }],
  ]);
  /** When set, every call fails as if Jellyfin were down. */
  down = false;

  /** Adds a film; returns its id. */
  addMovie(itemId: string, title: string, runtimeSeconds: number | null = 3600): string {
    this.items.set(itemId, movie(itemId, title, 2000, runtimeSeconds));
    return itemId;
  }

  async describe(itemId: string): Promise<MediaDescription> {
    this.#checkUp();
    const firstEpisode = this.series.get(itemId)?.episodeIds[0];
    const item = this.items.get(firstEpisode ?? itemId);
    if (!item) throw new UnknownMediaError(itemId);
    return item;
  }

  async playbackDetails(itemId: string): Promise<PlaybackDetails> {
    this.#checkUp();
    const firstEpisode = this.series.get(itemId)?.episodeIds[0];
    const item = this.items.get(firstEpisode ?? itemId);
    if (!item) throw new UnknownMediaError(itemId);
    const base = `http://127.0.0.1:8096/Videos/${encodeURIComponent(item.itemId)}`;
    const target: PlaybackTarget = {
      itemId: item.itemId,
      sourceId: item.itemId,
      title: item.title,
      mediaType: item.mediaType,
      streamUrl: `${base}/stream?static=true`,
      downloadUrl: `http://127.0.0.1:8096/Items/${encodeURIComponent(item.itemId)}/Download`,
      durationSeconds: item.runtimeSeconds,
      posterUrl: item.posterUrl,
      year: item.year,
      tmdbId: null,
      imdbId: null,
      episode: null,
    };
    return { target, audioTracks: fakeAudioTracks, subtitleTracks: fakeSubtitleTracks };
  }

  #checkUp(): void {
    if (this.down)
      throw new MediaServerUnavailableError(
        'jellyfin_unreachable',
        // What the real client says: a route, a setting, and the socket's own words with an address.
        'Jellyfin did not answer /Items (connect ECONNREFUSED 127.0.0.1:8096). Check that JELLYFIN_URL is right and the server is up.',
      );
  }
}

function movie(itemId: string, title: string, year: number, runtimeSeconds: number | null): MediaDescription {
  return { itemId, mediaType: 'movie', title, year, runtimeSeconds, summary: null, posterUrl: null };
}

function track(index: number, language: string, codec: string, extra: Partial<MediaTrack> = {}): MediaTrack {
  const text = codec !== 'hdmv_pgs_subtitle';
  return {
    index,
    codec,
    language,
    title: null,
    channels: null,
    isDefault: false,
    isForced: false,
    isText: text,
    isExternal: false,
    deliveryUrl: text ? `http://127.0.0.1:8096/Videos/x/x/Subtitles/${index}/Stream.srt` : null,
    ...extra,
  };
}

/** Every fake item's tracks: English (default) and Japanese audio; English, forced English and Japanese subtitles. */
export const fakeAudioTracks: MediaTrack[] = [
  track(1, 'eng', 'aac', { channels: 2, isDefault: true }),
  track(2, 'jpn', 'ac3', { channels: 6, title: 'Original' }),
];
export const fakeSubtitleTracks: MediaTrack[] = [
  track(3, 'eng', 'subrip'),
  track(4, 'eng', 'ass', { isForced: true, title: 'Signs' }),
  track(5, 'jpn', 'hdmv_pgs_subtitle'),
  track(6, 'fre', 'subrip', { isExternal: true }),
];
