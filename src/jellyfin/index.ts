// The Jellyfin room's front door: what the composition root (src/main.ts) wires together.
import type { JellyfinConfig } from '../config.ts';
import { JellyfinClient } from './client.ts';

export { CatalogScheduler } from './catalog-scheduler.ts';
export { type CatalogHit, CatalogSearch, type SearchOptions } from './catalog-search.ts';
export {
  CatalogSyncBusyError,
  type SyncCatalogOptions,
  type SyncProgress,
  type SyncResult,
  syncCatalog,
} from './catalog-sync.ts';
export { JellyfinClient } from './client.ts';
export * from './errors.ts';
export {
  connectFilmNight,
  JellyfinSegments,
  JellyfinSeriesEpisodes,
  JellyfinUserNotFoundError,
  JellyfinWatchHistory,
  resolveJellyfinUser,
} from './film-night.ts';
export { JellyfinMediaLibrary } from './media-library.ts';
export { JellyfinPlaybackReporter, partyDeviceId } from './playback-reporter.ts';
export { createSyncProgressReporter } from './sync-progress.ts';

/** The bot's own client: one device id for catalog and lookups; parties get their own (see reporter). */
export function createJellyfinClient(config: JellyfinConfig, version = '0.1.0'): JellyfinClient {
  return new JellyfinClient({
    baseUrl: config.url,
    apiKey: config.apiKey,
    deviceId: 'orb-watch-party-bot',
    identity: { client: 'Orb Watch Party', device: 'Orb Watch Party bot', version },
  });
}
