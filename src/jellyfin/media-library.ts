// The watch party's view of Jellyfin (the MediaLibrary seam): what an item is, and where the worker
// reads it. A series resolves to its first regular episode (specials and missing episodes skipped).
// URLs carry no key: the worker sends the MediaBrowser header itself (see src/media/jellyfin-auth-header.ts).
import {
  type MediaDescription,
  type MediaLibrary,
  MediaServerUnavailableError,
  UnknownMediaError,
} from '../watchparty/media-library.ts';
import { type PlaybackTarget, playbackTargetSchema } from '../worker-contract/http.ts';
import type { JellyfinClient } from './client.ts';
import { JellyfinError, JellyfinNotFoundError } from './errors.ts';
import { type BaseItem, type MediaSource, type MediaStream, providerId, ticksToSeconds } from './schemas.ts';
import { episodeCode } from './text.ts';

/** An audio or subtitle track of the chosen media source, for track pickers later. */
export interface TrackInfo {
  /** Absolute stream index in the file (ffmpeg `-map 0:{index}`), or after them for external files. */
  index: number;
  codec: string | null;
  language: string | null;
  label: string;
  isDefault: boolean;
  isForced: boolean;
  isExternal: boolean;
  /** Subtitles only: text (burnable from the file) rather than bitmap. */
  isText: boolean;
}

export interface PlaybackDetails {
  target: PlaybackTarget;
  audioTracks: TrackInfo[];
  subtitleTracks: TrackInfo[];
}

const itemFields = ['Overview', 'ProviderIds', 'OriginalTitle'];
const jellyfinIdPattern = /^(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

function mediaTypeOf(item: BaseItem): MediaDescription['mediaType'] {
  if (item.Type === 'Movie') return 'movie';
  return item.Type === 'Episode' ? 'episode' : 'video';
}

/** `Series · S02E05 · Episode title` for episodes, the name for everything else. */
export function displayTitle(item: BaseItem): string {
  const name = item.Name?.trim() || item.OriginalTitle?.trim() || 'Untitled';
  if (item.Type !== 'Episode') return name;
  const code = episodeCode(item.ParentIndexNumber ?? null, item.IndexNumber ?? null);
  return [item.SeriesName, code, name].filter(Boolean).join(' · ');
}

function track(stream: MediaStream): TrackInfo {
  return {
    index: stream.Index,
    codec: stream.Codec ?? null,
    language: stream.Language ?? null,
    label: stream.DisplayTitle ?? stream.Title ?? stream.Language ?? `Track ${stream.Index}`,
    isDefault: stream.IsDefault === true,
    isForced: stream.IsForced === true,
    isExternal: stream.IsExternal === true,
    isText: stream.IsTextSubtitleStream === true,
  };
}

function isPlayableEpisode(item: BaseItem): boolean {
  return item.LocationType !== 'Virtual';
}

function userFacing(error: JellyfinError): string {
  switch (error.kind) {
    case 'unauthorized':
      return 'Jellyfin refused the bot’s API key. Ask the bot’s operator to check JELLYFIN_API_KEY.';
    case 'unreachable':
      return 'Jellyfin can’t be reached right now. Try again in a moment.';
    default:
      return 'Jellyfin answered in a way the bot did not understand. Try again in a moment.';
  }
}

export class JellyfinMediaLibrary implements MediaLibrary {
  readonly #client: JellyfinClient;

  constructor(client: JellyfinClient) {
    this.#client = client;
  }

  async describe(itemId: string): Promise<MediaDescription> {
    const item = await this.#guard(itemId, () => this.#playableItem(itemId));
    return {
      itemId: item.Id,
      mediaType: mediaTypeOf(item),
      title: displayTitle(item),
      year: item.ProductionYear ?? null,
      runtimeSeconds: ticksToSeconds(item.RunTimeTicks),
      summary: item.Overview ?? null,
      posterUrl: this.#posterUrl(item),
    };
  }

  async playbackTarget(itemId: string): Promise<PlaybackTarget> {
    return (await this.playbackDetails(itemId)).target;
  }

  /** The playback target plus the chosen source's audio and subtitle tracks. */
  playbackDetails(itemId: string): Promise<PlaybackDetails> {
    return this.#guard(itemId, async () => {
      const item = await this.#playableItem(itemId);
      const info = await this.#client.playbackInfo(item.Id);
      if (info.ErrorCode) {
        throw new MediaServerUnavailableError(`Jellyfin will not play this item (${info.ErrorCode}).`);
      }
      const source = info.MediaSources.find(
        (candidate: MediaSource) => candidate.Type !== 'Placeholder' && candidate.IsInfiniteStream !== true,
      );
      if (!source) throw new UnknownMediaError(itemId);
      const streams = source.MediaStreams ?? [];
      const target = playbackTargetSchema.parse({
        itemId: item.Id,
        sourceId: source.Id,
        title: displayTitle(item),
        mediaType: mediaTypeOf(item),
        streamUrl: this.#client.streamUrl(item.Id, source.Id),
        downloadUrl: this.#client.downloadUrl(item.Id),
        durationSeconds: ticksToSeconds(item.RunTimeTicks ?? source.RunTimeTicks),
        posterUrl: this.#posterUrl(item),
        year: item.ProductionYear ?? null,
        tmdbId: providerId(item, 'Tmdb'),
        imdbId: providerId(item, 'Imdb'),
        episode:
          item.Type === 'Episode'
            ? {
                seriesName: item.SeriesName ?? 'Unknown series',
                seasonNumber: item.ParentIndexNumber ?? null,
                episodeNumber: item.IndexNumber ?? null,
                title: item.Name ?? 'Untitled',
              }
            : null,
      });
      return {
        target,
        audioTracks: streams.filter((stream) => stream.Type === 'Audio').map(track),
        subtitleTracks: streams.filter((stream) => stream.Type === 'Subtitle').map(track),
      };
    });
  }

  /** The episode a series starts with: the first regular, present episode (specials only if nothing else). */
  async firstEpisode(seriesId: string): Promise<BaseItem> {
    return this.#guard(seriesId, async () => {
      const episodes = await this.#client.episodes(seriesId, { isMissing: false, fields: itemFields });
      const present = episodes.Items.filter(isPlayableEpisode);
      const first = present.find((episode) => episode.ParentIndexNumber !== 0) ?? present[0];
      if (!first) throw new UnknownMediaError(seriesId);
      return first;
    });
  }

  async #playableItem(itemId: string): Promise<BaseItem> {
    if (!jellyfinIdPattern.test(itemId)) throw new UnknownMediaError(itemId);
    const result = await this.#client.items({ ids: [itemId], fields: itemFields, enableUserData: false });
    const item = result.Items[0];
    if (!item) throw new UnknownMediaError(itemId);
    switch (item.Type) {
      case 'Movie':
      case 'Episode':
      case 'Video':
      case 'MusicVideo':
        return item;
      case 'Series':
        return this.firstEpisode(item.Id);
      case 'Season': {
        if (!item.SeriesId) throw new UnknownMediaError(itemId);
        const episodes = await this.#client.episodes(item.SeriesId, {
          seasonId: item.Id,
          isMissing: false,
          fields: itemFields,
        });
        const first = episodes.Items.find(isPlayableEpisode);
        if (!first) throw new UnknownMediaError(itemId);
        return first;
      }
      default:
        throw new UnknownMediaError(itemId);
    }
  }

  #posterUrl(item: BaseItem): string | null {
    if (item.SeriesId && item.SeriesPrimaryImageTag) {
      return this.#client.imageUrl(item.SeriesId, item.SeriesPrimaryImageTag);
    }
    const tag = item.ImageTags?.Primary;
    return tag ? this.#client.imageUrl(item.Id, tag) : null;
  }

  /** Turns client failures into the seam's errors: unknown item, or server unavailable. */
  async #guard<T>(itemId: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof JellyfinNotFoundError) throw new UnknownMediaError(itemId);
      if (error instanceof JellyfinError)
        throw new MediaServerUnavailableError(userFacing(error), { cause: error });
      throw error;
    }
  }
}
