// zod schemas for Jellyfin's users, per-user watch state and media segments, loose like schemas.ts:
// Jellyfin leaves nulls out and adds properties over versions.
import { z } from 'zod';
import { normalizeGuid } from './schemas.ts';

const guid = z.string().min(1).transform(normalizeGuid);

export const userSchema = z.looseObject({ Id: guid, Name: z.string().nullish() });
export const usersSchema = z.array(userSchema);
export type JellyfinUser = z.infer<typeof userSchema>;

/** UserItemDataDto: one user's watch state of one item. */
export const userItemDataSchema = z.looseObject({
  PlaybackPositionTicks: z.number().nullish(),
  Played: z.boolean().nullish(),
  PlayCount: z.number().int().nullish(),
  LastPlayedDate: z.string().nullish(),
});
export type UserItemData = z.infer<typeof userItemDataSchema>;

export const mediaSegmentSchema = z.looseObject({
  Type: z.string(),
  StartTicks: z.number(),
  EndTicks: z.number(),
});
export const mediaSegmentsResultSchema = z.looseObject({ Items: z.array(mediaSegmentSchema) });
export type MediaSegmentsResult = z.infer<typeof mediaSegmentsResultSchema>;
