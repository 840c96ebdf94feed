// Library items as Jellyfin's JSON shapes: BaseItemDto (with its `fields`-gated properties), media
// sources with their streams as ffprobe sees the generated file, and search hints. PascalCase, and
// properties left undefined are dropped on the wire, which is Jellyfin's "nulls left out".
import { basename, extname } from 'node:path';
import type { SimItem, SimLibrary } from './library.ts';
import {
  containerOf,
  type ExternalSubtitle,
  fallbackRecipe,
  type MediaFactory,
  type MediaRecipe,
  type ProbeStream,
  textSubtitleCodecs,
} from './media.ts';

const ticks = (seconds: number) => Math.round(seconds * 10_000_000);

/** Metadata-only items (the large catalog) play the shared fallback media. */
export function recipeOf(item: SimItem): MediaRecipe {
  return item.media ?? fallbackRecipe;
}

export function isPlayable(item: SimItem): boolean {
  return item.type === 'Movie' || item.type === 'Episode';
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function frameRate(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const [num, den] = value.split('/').map(Number);
  return num && den ? Math.round((num / den) * 1000) / 1000 : undefined;
}

function mediaStream(stream: ProbeStream): Record<string, unknown> {
  const type = stream.codec_type === 'subtitle' ? 'Subtitle' : capitalize(stream.codec_type ?? 'data');
  const language = stream.tags?.language;
  const codec = stream.codec_name ?? 'unknown';
  const isDefault = stream.disposition?.default === 1;
  const isForced = stream.disposition?.forced === 1;
  const title = stream.tags?.title;
  const label = [
    title ?? language ?? 'Undefined',
    codec.toUpperCase(),
    isDefault ? 'Default' : null,
    isForced ? 'Forced' : null,
  ].filter(Boolean);
  return {
    Codec: codec,
    Type: type,
    Index: stream.index,
    Language: language,
    Title: title,
    Width: stream.width,
    Height: stream.height,
    Channels: stream.channels,
    ChannelLayout: stream.channel_layout,
    SampleRate: stream.sample_rate ? Number(stream.sample_rate) : undefined,
    AverageFrameRate: frameRate(stream.avg_frame_rate),
    RealFrameRate: frameRate(stream.r_frame_rate),
    IsDefault: isDefault,
    IsForced: isForced,
    IsExternal: false,
    IsTextSubtitleStream: type === 'Subtitle' && textSubtitleCodecs.has(codec),
    SupportsExternalStream: type === 'Subtitle' && textSubtitleCodecs.has(codec),
    DisplayTitle: label.join(' - '),
  };
}

/**
 * A subtitle file beside the media, numbered after the file's own streams, with the DeliveryUrl
 * Jellyfin gives external text subtitles (start ticks 0, in the file's own format).
 */
function externalStream(
  subtitle: ExternalSubtitle,
  index: number,
  itemId: string,
  extension: string,
): Record<string, unknown> {
  const language = subtitle.language ?? undefined;
  return {
    Codec: subtitle.codec,
    Type: 'Subtitle',
    Index: index,
    Language: language,
    IsDefault: false,
    IsForced: false,
    IsExternal: true,
    IsTextSubtitleStream: true,
    SupportsExternalStream: true,
    DeliveryMethod: 'External',
    DeliveryUrl: `/Videos/${itemId}/${itemId}/Subtitles/${index}/0/Stream.${extension}`,
    Path: `/media/subtitles/${basename(subtitle.path)}`,
    DisplayTitle: [language ?? 'Undefined', subtitle.codec.toUpperCase(), 'External'].join(' - '),
  };
}

export class JellyfinDtos {
  readonly #library: SimLibrary;
  readonly #media: MediaFactory;
  readonly #serverId: string;

  constructor(library: SimLibrary, media: MediaFactory, serverId: string) {
    this.#library = library;
    this.#media = media;
    this.#serverId = serverId;
  }

  /** BaseItemDto; `fields` holds the lower-cased names of the optional properties asked for. */
  item(item: SimItem, fields: Set<string>, enableImages = true): Record<string, unknown> {
    const playable = isPlayable(item);
    return {
      Name: item.name,
      ServerId: this.#serverId,
      Id: item.id,
      OriginalTitle: fields.has('originaltitle') ? item.originalTitle : undefined,
      Overview: fields.has('overview') ? item.overview : undefined,
      ProviderIds: fields.has('providerids') ? (item.providerIds ?? {}) : undefined,
      DateLastSaved: fields.has('datelastsaved') ? item.dateLastSaved : undefined,
      Container: playable ? containerOf(recipeOf(item)) : undefined,
      PremiereDate: item.year ? `${item.year}-01-01T00:00:00.0000000Z` : undefined,
      RunTimeTicks: item.runtimeSeconds ? ticks(item.runtimeSeconds) : undefined,
      ProductionYear: item.year,
      IndexNumber: item.indexNumber,
      ParentIndexNumber: item.parentIndexNumber,
      IsFolder: !playable,
      Type: item.type,
      SeriesName: item.seriesName,
      SeriesId: item.seriesId,
      SeasonId: item.seasonId,
      SeasonName: item.seasonName,
      ...this.#imageFields(item, enableImages),
      LocationType: item.locationType ?? 'FileSystem',
      VideoType: playable ? 'VideoFile' : undefined,
      MediaType: playable ? 'Video' : 'Unknown',
    };
  }

  #imageFields(item: SimItem, enableImages: boolean): Record<string, unknown> {
    if (!enableImages) return {};
    const series = item.seriesId ? this.#library.get(item.seriesId) : undefined;
    return {
      ImageTags: item.imageTag ? { Primary: item.imageTag } : {},
      SeriesPrimaryImageTag: series?.imageTag,
    };
  }

  /** MediaSourceInfo of the item's generated file (generating it on first use). */
  async mediaSource(item: SimItem): Promise<Record<string, unknown>> {
    const file = await this.#media.media(recipeOf(item));
    const streams = [
      ...file.probe.streams.map(mediaStream),
      ...file.externalSubtitles.map((subtitle, n) =>
        externalStream(subtitle, file.probe.streams.length + n, item.id, extname(subtitle.path).slice(1)),
      ),
    ];
    const audio = streams.filter((stream) => stream.Type === 'Audio');
    const defaultSubtitle = streams.find((stream) => stream.Type === 'Subtitle' && stream.IsDefault);
    const duration = Number(file.probe.format.duration ?? item.runtimeSeconds ?? 0);
    return {
      Protocol: 'File',
      Id: item.id,
      Path: `/media/${item.type === 'Episode' ? 'shows' : 'movies'}/${item.name}.${file.container}`,
      Type: 'Default',
      Container: file.container,
      Size: file.size,
      Name: item.name,
      IsRemote: false,
      RunTimeTicks: ticks(duration),
      SupportsTranscoding: true,
      SupportsDirectStream: true,
      SupportsDirectPlay: true,
      IsInfiniteStream: false,
      RequiresOpening: false,
      RequiresClosing: false,
      VideoType: 'VideoFile',
      Bitrate: Number(file.probe.format.bit_rate ?? 0) || undefined,
      DefaultAudioStreamIndex: (audio.find((stream) => stream.IsDefault) ?? audio[0])?.Index,
      DefaultSubtitleStreamIndex: defaultSubtitle?.Index ?? -1,
      RequiredHttpHeaders: {},
      MediaStreams: streams,
    };
  }

  /** SearchHint, as /Search/Hints lists them. */
  searchHint(item: SimItem): Record<string, unknown> {
    return {
      ItemId: item.id,
      Id: item.id,
      Name: item.name,
      Type: item.type,
      ProductionYear: item.year,
      IndexNumber: item.indexNumber,
      ParentIndexNumber: item.parentIndexNumber,
      Series: item.seriesName,
      RunTimeTicks: item.runtimeSeconds ? ticks(item.runtimeSeconds) : undefined,
      PrimaryImageTag: item.imageTag,
    };
  }
}
