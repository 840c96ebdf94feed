// Which addresses a stream worker may read: the Jellyfin routes it plays from, on the one Jellyfin
// server it was configured with (JELLYFIN_URL), over http(s). A play request naming anything else is
// refused at the contract door, and the worker's source proxy checks again before it connects, so
// whoever holds a worker token cannot make the worker fetch another host or port, another scheme, or
// another Jellyfin API route with the key attached.

/**
 * `media`: a stream or download of the file; `image`: a poster; `subtitle`: an external subtitle
 * file; `transcode`: Jellyfin's progressive transcode of the file (TRANSCODE_SOURCE).
 */
export type JellyfinMediaRoute = 'media' | 'image' | 'subtitle' | 'transcode';

/** Jellyfin ids (GUIDs, with or without dashes) and stream indexes: nothing that needs escaping. */
const SEGMENT = '[A-Za-z0-9-]+';

/** The routes the bot builds (src/jellyfin/client.ts), below the server's base path. */
const ROUTES: readonly [JellyfinMediaRoute, RegExp][] = [
  ['media', new RegExp(`^/Videos/${SEGMENT}/stream$`)],
  ['media', new RegExp(`^/Items/${SEGMENT}/Download$`)],
  ['image', new RegExp(`^/Items/${SEGMENT}/Images/[A-Za-z]+$`)],
  ['subtitle', new RegExp(`^/Videos/${SEGMENT}/${SEGMENT}/Subtitles/\\d+/Stream\\.[a-z]+$`)],
  ['transcode', new RegExp(`^/Videos/${SEGMENT}/stream\\.ts$`)],
];

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * The Jellyfin route `url` names on the server at `jellyfinUrl`, or null when it is none of them (or
 * not on that server at all). `URL` has already resolved `..` and percent-encoded dots by then, so a
 * path cannot climb out of a route.
 */
export function jellyfinMediaRoute(jellyfinUrl: string | null, url: string): JellyfinMediaRoute | null {
  const base = jellyfinUrl === null ? null : parse(jellyfinUrl);
  const target = parse(url);
  if (!base || !target) return null;
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return null;
  if (target.origin !== base.origin || target.username || target.password) return null;
  const prefix = base.pathname.replace(/\/+$/, '');
  if (!target.pathname.startsWith(`${prefix}/`)) return null;
  const path = target.pathname.slice(prefix.length);
  return ROUTES.find(([, pattern]) => pattern.test(path))?.[0] ?? null;
}
