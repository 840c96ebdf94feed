// zod schemas for the parts of Jellyfin's JSON we read. Jellyfin leaves null properties out and may
// add new ones, so every field is optional (nullish) and objects are loose. GUIDs arrive with or
// without dashes depending on version; they are normalised to 32 lowercase hex characters.
import { z } from 'zod';
import type { CatalogItemType } from '../db/schema.ts';

/** Jellyfin's "N" GUID format; routes accept both, we store and compare this one. */
export function normalizeGuid(id: string): string {
  return id.replaceAll('-', '').toLowerCase();
}

const guid = z.string().min(1).transform(normalizeGuid);
const optionalInt = z.number().int().nullish();

export const mediaStreamSchema = z.looseObject({
  Index: z.number().int(),
  Type: z.string(),
  Codec: z.string().nullish(),
  Language: z.string().nullish(),
  Title: z.string().nullish(),
  DisplayTitle: z.string().nullish(),
  IsDefault: z.boolean().nullish(),
  IsForced: z.boolean().nullish(),
  IsExternal: z.boolean().nullish(),
  IsTextSubtitleStream: z.boolean().nullish(),
  Channels: optionalInt,
  Width: optionalInt,
  Height: optionalInt,
});
export type MediaStream = z.infer<typeof mediaStreamSchema>;

export const mediaSourceSchema = z.looseObject({
  Id: z.string().min(1),
  Name: z.string().nullish(),
  Protocol: z.string().nullish(),
  Type: z.string().nullish(),
  Container: z.string().nullish(),
  Size: z.number().nullish(),
  RunTimeTicks: z.number().nullish(),
  VideoType: z.string().nullish(),
  IsInfiniteStream: z.boolean().nullish(),
  MediaStreams: z.array(mediaStreamSchema).nullish(),
  DefaultAudioStreamIndex: optionalInt,
  DefaultSubtitleStreamIndex: optionalInt,
});
export type MediaSource = z.infer<typeof mediaSourceSchema>;

export const baseItemSchema = z.looseObject({
  Id: guid,
  Name: z.string().nullish(),
  OriginalTitle: z.string().nullish(),
  Type: z.string(),
  ProductionYear: optionalInt,
  PremiereDate: z.string().nullish(),
  RunTimeTicks: z.number().nullish(),
  Overview: z.string().nullish(),
  ProviderIds: z.record(z.string(), z.string().nullish()).nullish(),
  ImageTags: z.record(z.string(), z.string()).nullish(),
  SeriesId: guid.nullish(),
  SeriesName: z.string().nullish(),
  SeriesPrimaryImageTag: z.string().nullish(),
  SeasonId: guid.nullish(),
  IndexNumber: optionalInt,
  ParentIndexNumber: optionalInt,
  LocationType: z.string().nullish(),
  DateLastSaved: z.string().nullish(),
  MediaSources: z.array(mediaSourceSchema).nullish(),
});
export type BaseItem = z.infer<typeof baseItemSchema>;

export const itemsResultSchema = z.looseObject({
  Items: z.array(baseItemSchema),
  TotalRecordCount: z.number().int().nullish(),
  StartIndex: z.number().int().nullish(),
});
export type ItemsResult = z.infer<typeof itemsResultSchema>;

export const playbackInfoSchema = z.looseObject({
  MediaSources: z.array(mediaSourceSchema),
  PlaySessionId: z.string().nullish(),
  ErrorCode: z.string().nullish(),
});
export type PlaybackInfo = z.infer<typeof playbackInfoSchema>;

export const publicSystemInfoSchema = z.looseObject({
  Version: z.string().nullish(),
  ServerName: z.string().nullish(),
  Id: z.string().nullish(),
  ProductName: z.string().nullish(),
});
export type PublicSystemInfo = z.infer<typeof publicSystemInfoSchema>;

/** Jellyfin's BaseItemKind for each kind the catalog keeps. */
export const jellyfinKindOf = {
  movie: 'Movie',
  series: 'Series',
  episode: 'Episode',
} as const satisfies Record<CatalogItemType, string>;

export function catalogTypeOf(kind: string): CatalogItemType | null {
  const entry = Object.entries(jellyfinKindOf).find(([, jellyfinKind]) => jellyfinKind === kind);
  return entry ? (entry[0] as CatalogItemType) : null;
}

/** Ticks are 100 ns; 10,000,000 ticks make a second. */
export function ticksToSeconds(ticks: number | null | undefined): number | null {
  return typeof ticks === 'number' && ticks >= 0 ? ticks / 10_000_000 : null;
}

export function secondsToTicks(seconds: number): number {
  return Math.round(seconds * 10_000_000);
}

/** Provider ids have case-varying keys (`Tmdb`, `tmdb`); look them up case-insensitively. */
export function providerId(item: Pick<BaseItem, 'ProviderIds'>, provider: string): string | null {
  const wanted = provider.toLowerCase();
  for (const [key, value] of Object.entries(item.ProviderIds ?? {})) {
    if (key.toLowerCase() === wanted && value) return value;
  }
  return null;
}
