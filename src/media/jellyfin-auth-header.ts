// The one way this project authenticates to Jellyfin: the `Authorization: MediaBrowser …` header.
// Legacy forms (X-Emby-Token, api_key=, the Emby scheme) are off by default from Jellyfin 12.0, and a
// key in a URL leaks into argv and logs. Here in src/media, next to ffmpeg's resolution, because the
// bot's Jellyfin client and the stream worker's source proxy both send it.

export interface MediaBrowserIdentity {
  /** Shown as the session's client in Jellyfin's dashboard (API keys show their App name instead). */
  client?: string;
  /** Human label for the device, e.g. `Discord · #movie-night`. */
  device?: string;
  /** Client version string. */
  version?: string;
}

/** Jellyfin URL-decodes every value, so each one is percent-encoded (as the official SDK does). */
function field(name: string, value: string): string {
  return `${name}="${encodeURIComponent(value)}"`;
}

/**
 * The value of the `Authorization` header for an API key and a stable device id, e.g.
 * `MediaBrowser Token="…", Client="Orb%20Watch%20Party", Device="…", DeviceId="…", Version="0.1.0"`.
 */
export function mediaBrowserAuthorization(
  apiKey: string,
  deviceId: string,
  identity: MediaBrowserIdentity = {},
): string {
  return [
    `MediaBrowser ${field('Token', apiKey)}`,
    field('Client', identity.client ?? 'Orb Watch Party'),
    field('Device', identity.device ?? 'Orb Watch Party'),
    field('DeviceId', deviceId),
    field('Version', identity.version ?? '0.1.0'),
  ].join(', ');
}
