// The watch party's view of Jellyfin (the MediaLibrary seam): what an item is, and where the worker
// reads it. A series resolves to JELLYFIN_USER's Next Up episode, else (no user, or nothing next) its
// first regular episode (specials and missing episodes skipped).
// URLs carry no key: the worker sends the MediaBrowser header itself (see src/media/jellyfin-auth-header.ts).
// Posters have two addresses: the worker reads Jellyfin's own (JELLYFIN_URL, often internal), and
// what members see (queue entries, panels, the API) uses JELLYFIN_PUBLIC_URL, or no address at all,
// in which case panels attach the image the bot reads here (posterImage).
import {
  type MediaDescription,
  type MediaLibrary,
  MediaServerUnavailableError,
  type MediaTrack,
  type PlaybackDetails,
  UnknownMediaError,
} from '../watchparty/media-library.ts';
import { playbackTargetSchema } from '../worker-contract/http.ts';
import type { JellyfinClient } from './client.ts';
import {
  asMediaServerFailure,
  JellyfinError,
  JellyfinNotFoundError,
  JellyfinUnexpectedResponseError,
} from './errors.ts';
import {
  type BaseItem,
  type MediaSource,
  type MediaStream,
  type PlaybackInfo,
  providerId,
  ticksToSeconds,
} from './schemas.ts';
import { episodeCode } from './text.ts';
import {
  jellyfinTranscode,
  type TranscodeSettings,
  transcodePlaybackInfoRequest,
} from './transcoding-request.ts';

const itemFields = ['Overview', 'ProviderIds', 'OriginalTitle'];
const POSTER_FETCH_TIMEOUT_MS = 5_000;
/** Well under Discord's attachment limit; Jellyfin's 400 px posters are tens of kilobytes. */
const MAX_POSTER_BYTES = 8 * 1024 * 1024;
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

/** The file format Jellyfin delivers a text subtitle track as, keeping ASS/SSA styling. */
const deliveryFormats: Record<string, string> = {
  ass: 'ass',
  ssa: 'ssa',
  subrip: 'srt',
  srt: 'srt',
  webvtt: 'vtt',
  vtt: 'vtt',
  mov_text: 'srt',
};

function mediaTrack(stream: MediaStream, deliveryUrl: string | null): MediaTrack {
  return {
    index: stream.Index,
    codec: stream.Codec ?? null,
    language: stream.Language ?? null,
    title: stream.Title ?? null,
    channels: stream.Channels ?? null,
    isDefault: stream.IsDefault === true,
    isForced: stream.IsForced === true,
    isText: stream.IsTextSubtitleStream === true,
    isExternal: stream.IsExternal === true,
    deliveryUrl,
  };
}

function isPlayableEpisode(item: BaseItem): boolean {
  return item.LocationType !== 'Virtual';
}

export class JellyfinMediaLibrary implements MediaLibrary {
  readonly #client: JellyfinClient;
  readonly #publicUrl: string | null;
  readonly #userId: string | null;
  readonly #transcode: TranscodeSettings | null;

  /**
   * `publicUrl`: JELLYFIN_PUBLIC_URL, the base of poster addresses members are shown; null for none.
   * `userId`: JELLYFIN_USER's id, whose Next Up a series starts at; null for none.
   * `transcode`: TRANSCODE_SOURCE and the stream profile; absent or `worker`, Jellyfin is not asked.
   */
  constructor(
    client: JellyfinClient,
    options: {
      publicUrl?: string | null;
      userId?: string | null;
      transcode?: TranscodeSettings;
    } = {},
  ) {
    this.#client = client;
    this.#publicUrl = options.publicUrl?.replace(/\/+$/, '') ?? null;
    this.#userId = options.userId ?? null;
    this.#transcode = options.transcode?.source === 'worker' ? null : (options.transcode ?? null);
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
      posterUrl: this.#publicPosterUrl(item),
    };
  }

  /** The playback target plus the chosen source's audio and subtitle tracks. */
  playbackDetails(itemId: string): Promise<PlaybackDetails> {
    return this.#guard(itemId, async () => {
      const item = await this.#playableItem(itemId);
      const info = await this.#playbackInfo(item.Id);
      if (info.ErrorCode) {
        throw new MediaServerUnavailableError(
          'item_refused',
          `PlaybackInfo answered ErrorCode ${info.ErrorCode} for item ${item.Id}`,
        );
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
        ...(this.#transcode && {
          transcode: jellyfinTranscode(
            this.#client.baseUrl,
            source,
            this.#transcode.source === 'jellyfin' ? 'always' : 'needed',
          ),
        }),
      });
      return {
        target,
        audioTracks: streams
          .filter((stream) => stream.Type === 'Audio')
          .map((stream) => mediaTrack(stream, null)),
        subtitleTracks: streams.flatMap((stream) => this.#subtitleTrack(item.Id, source.Id, stream)),
      };
    });
  }

  /**
   * PlaybackInfo, with Jellyfin's transcode offer when it may transcode. A server that refuses the
   * profile (an error status, an ErrorCode) is asked plainly, and the worker transcodes itself.
   */
  async #playbackInfo(itemId: string): Promise<PlaybackInfo> {
    if (this.#transcode === null) return this.#client.playbackInfo(itemId);
    try {
      const offered = await this.#client.playbackInfo(
        itemId,
        undefined,
        transcodePlaybackInfoRequest(this.#transcode.limits),
      );
      if (!offered.ErrorCode) return offered;
    } catch (error) {
      if (!(error instanceof JellyfinUnexpectedResponseError)) throw error;
    }
    return this.#client.playbackInfo(itemId);
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

  /** The user's next episode of a series (Jellyfin's Next Up); null without a user or when none is next. */
  async nextEpisode(seriesId: string): Promise<BaseItem | null> {
    if (this.#userId === null) return null;
    const result = await this.#client.nextUp(this.#userId, seriesId, { fields: itemFields });
    return result.Items.find(isPlayableEpisode) ?? null;
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
        return (await this.nextEpisode(item.Id)) ?? this.firstEpisode(item.Id);
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

  /**
   * A subtitle stream as a track. Text tracks, embedded or external, are read as the file Jellyfin
   * delivers (it extracts embedded ones once and caches them), so the worker never reads a whole film
   * for its subtitles; the URL is built from the index, as Jellyfin's DeliveryUrl may carry the key.
   * External picture subtitles are left out: Jellyfin cannot deliver them as a stream to overlay.
   */
  #subtitleTrack(itemId: string, sourceId: string, stream: MediaStream): MediaTrack[] {
    if (stream.Type !== 'Subtitle') return [];
    const format = deliveryFormats[stream.Codec?.toLowerCase() ?? ''];
    if (stream.IsTextSubtitleStream === true && format) {
      return [mediaTrack(stream, this.#client.subtitleUrl(itemId, sourceId, stream.Index, format))];
    }
    return stream.IsExternal === true ? [] : [mediaTrack(stream, null)];
  }

  /**
   * The poster of a queued item (the queue entry's item id), read from Jellyfin with the bot's key;
   * null when it has none. For panels when posters have no public address.
   */
  async posterImage(itemId: string): Promise<Buffer | null> {
    const item = await this.#guard(itemId, () => this.#playableItem(itemId));
    const url = this.#posterUrl(item);
    if (url === null) return null;
    const response = await fetch(url, {
      headers: { authorization: this.#client.authorizationHeader() },
      redirect: 'error',
      signal: AbortSignal.timeout(POSTER_FETCH_TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`Jellyfin answered the poster request with HTTP ${response.status}`);
    const image = Buffer.from(await response.arrayBuffer());
    if (image.length === 0 || image.length > MAX_POSTER_BYTES) {
      throw new Error(`the poster has an unusable size (${image.length} bytes)`);
    }
    return image;
  }

  /** The poster's address under JELLYFIN_PUBLIC_URL: the same route, on the address members reach. */
  #publicPosterUrl(item: BaseItem): string | null {
    const url = this.#posterUrl(item);
    if (url === null || this.#publicUrl === null) return null;
    return `${this.#publicUrl}${url.slice(this.#client.baseUrl.length)}`;
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
      if (error instanceof JellyfinError) throw asMediaServerFailure(error);
      throw error;
    }
  }
}
