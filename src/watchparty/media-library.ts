// What the watch-party service needs from the media server. src/jellyfin implements it against
// Jellyfin; tests may inject their own. Kept here so the domain depends on a shape, not a client.
import type { PlaybackTarget } from '../worker-contract/http.ts';

export interface MediaDescription {
  /** The playable item's id (for a series: its first episode's id). */
  itemId: string;
  mediaType: 'movie' | 'episode' | 'video';
  /** Display title; episodes read `Series · S02E05 · Episode title`. */
  title: string;
  year: number | null;
  runtimeSeconds: number | null;
  summary: string | null;
  posterUrl: string | null;
}

/** Raised when the media server does not know an item id; `message` is safe to show to users. */
export class UnknownMediaError extends Error {
  constructor(itemId: string) {
    super(
      `Jellyfin has no playable item with id "${itemId.slice(0, 64)}". Pick one from the search suggestions.`,
    );
    this.name = 'UnknownMediaError';
  }
}

/** The media server could not be reached or answered oddly; `message` is safe to show to users. */
export class MediaServerUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MediaServerUnavailableError';
  }
}

export interface MediaLibrary {
  /** Metadata to queue an item; a series id resolves to its first episode. Throws UnknownMediaError. */
  describe(itemId: string): Promise<MediaDescription>;
  /** The contract's playback object for the worker. Throws UnknownMediaError. */
  playbackTarget(itemId: string): Promise<PlaybackTarget>;
}

/** Tells the media server what a party is watching, so it shows on its dashboard. */
export interface PlaybackReporter {
  started(sessionId: string, itemId: string, positionSeconds: number): Promise<void>;
  progress(sessionId: string, itemId: string, positionSeconds: number, paused: boolean): Promise<void>;
  stopped(sessionId: string, itemId: string, positionSeconds: number): Promise<void>;
}
