// What the watch-party service needs from the media server's memory of one user (JELLYFIN_USER):
// how far that user got in an item, and being told what the party watched. src/jellyfin implements
// it; without a configured user there is none, and only the party's own memory counts.

/** A user's state of one item. */
export interface WatchState {
  /** Where they stopped; 0 when at the start or finished. */
  positionSeconds: number;
  played: boolean;
  /** ISO-8601, or null when never played. */
  lastPlayedAt: string | null;
}

export interface WatchHistory {
  /** The user's state of an item; null when the media server cannot say. Never throws. */
  stateOf(itemId: string): Promise<WatchState | null>;
  /** The party is at `positionSeconds` in the item (best effort, thinned by the adapter). */
  progress(itemId: string, positionSeconds: number): void;
  /** The item ended: finished (watched) or stopped at `positionSeconds` (best effort). */
  ended(itemId: string, positionSeconds: number, finished: boolean): void;
}
