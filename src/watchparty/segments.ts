// Intros and credits: the parts of an item a party may skip, as the media server marks them
// (Jellyfin's media segments). Fetched when an entry starts and kept on it, so the panel can offer
// "Skip intro" while one plays and, once the credits start with something queued, count down to the
// next item ("Up next in 10 s"). Everything here is read from the entry and a position: nothing
// needs a timer but the automatic advance (credits-countdown.ts).
import { z } from 'zod';

export const segmentKinds = ['intro', 'credits'] as const;
export type SegmentKind = (typeof segmentKinds)[number];

export const mediaSegmentSchema = z.object({
  kind: z.enum(segmentKinds),
  startSeconds: z.number().min(0),
  endSeconds: z.number().min(0),
});
export type MediaSegment = z.infer<typeof mediaSegmentSchema>;

/** What the service needs from the media server about segments. */
export interface SegmentSource {
  /** An item's intro and credits; empty when the server has none or cannot say. Never throws. */
  segmentsOf(itemId: string): Promise<MediaSegment[]>;
}

/** Seconds from the start of the credits to the next item. */
export const CREDITS_COUNTDOWN_SECONDS = 10;

/** Stored segments; a column written before or by hand reads as none rather than breaking a panel. */
export function readSegments(json: string | null): MediaSegment[] {
  if (json === null) return [];
  try {
    const parsed = z.array(mediaSegmentSchema).safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

/** The intro playing at `positionSeconds`, if any. */
export function introAt(segments: readonly MediaSegment[], positionSeconds: number): MediaSegment | null {
  return (
    segments.find(
      (segment) =>
        segment.kind === 'intro' &&
        positionSeconds >= segment.startSeconds &&
        positionSeconds < segment.endSeconds,
    ) ?? null
  );
}

/** When the credits have started at `positionSeconds`: the seconds left before the next item. */
export function creditsCountdown(segments: readonly MediaSegment[], positionSeconds: number): number | null {
  const credits = segments.find(
    (segment) => segment.kind === 'credits' && positionSeconds >= segment.startSeconds,
  );
  if (!credits) return null;
  return Math.max(0, credits.startSeconds + CREDITS_COUNTDOWN_SECONDS - positionSeconds);
}
