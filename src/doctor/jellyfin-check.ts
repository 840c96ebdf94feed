// Jellyfin: reachable at JELLYFIN_URL and accepting JELLYFIN_API_KEY, proven by /System/Info, which
// answers only with a valid key. The line names the server and its version.
import { type JellyfinClient, JellyfinError } from '../jellyfin/index.ts';
import { type CheckLine, fail, ok } from './check-line.ts';

const check = 'Jellyfin';

export async function checkJellyfin(client: JellyfinClient): Promise<CheckLine> {
  try {
    const info = await client.systemInfo();
    return ok(check, `${info.ServerName ?? 'Jellyfin'}, version ${info.Version ?? 'unknown'}`);
  } catch (error) {
    if (!(error instanceof JellyfinError)) throw error;
    switch (error.kind) {
      case 'unauthorized':
        return fail(
          check,
          `Jellyfin refused JELLYFIN_API_KEY (HTTP ${error.status})`,
          "Create a key in Jellyfin's Dashboard → API Keys and put it in JELLYFIN_API_KEY.",
        );
      case 'unreachable':
        return fail(
          check,
          `no answer at JELLYFIN_URL (${unreachableReason(error)})`,
          'Check that Jellyfin runs and that JELLYFIN_URL is its address as seen from this machine (or container).',
        );
      case 'not_found':
        return fail(
          check,
          'JELLYFIN_URL answers, but not as a Jellyfin server (HTTP 404 on /System/Info)',
          "Point JELLYFIN_URL at the server's root, with its base path if it has one (e.g. /jellyfin).",
        );
      case 'unexpected_response':
        return fail(
          check,
          `Jellyfin answered unexpectedly (${error.status === null ? 'unreadable answer' : `HTTP ${error.status}`})`,
          "Check Jellyfin's own log; if the server is starting up, try again in a minute.",
        );
    }
  }
}

/** The client's own wording in parentheses: "connection refused", "no answer within 10000 ms"… */
function unreachableReason(error: JellyfinError): string {
  return /\(([^)]*)\)/.exec(error.message)?.[1] ?? 'network error';
}
