// Times each Jellyfin API call for /metrics. The label is the route's template, never the path: the
// ids in a path (items, series, users) would make a series per item and name what people watch.
import { jellyfinRequestSeconds } from '../metrics/instruments.ts';

/** Jellyfin's own path words (`Items`, `PlaybackInfo`) stay; every other segment becomes `{id}`. */
export function routeTemplate(path: string): string {
  return path
    .split('/')
    .map((segment) => (segment === '' || /^[A-Z][A-Za-z]*$/.test(segment) ? segment : '{id}'))
    .join('/');
}

/** `outcome`: the HTTP status, `timeout`, `aborted` (the caller gave up) or `unreachable`. */
export function observeJellyfinRequest(
  method: string,
  path: string,
  outcome: string,
  startedMs: number,
): void {
  jellyfinRequestSeconds.observe(
    { method, route: routeTemplate(path), outcome },
    (performance.now() - startedMs) / 1000,
  );
}
