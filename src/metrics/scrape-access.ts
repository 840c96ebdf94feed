// Who may read /metrics, on the bot (src/http/metrics-route.ts) and on a worker host
// (src/worker-host/host-server.ts): the bearer METRICS_TOKEN and nothing else, so a scraper's
// configuration never holds a token that can run parties or start workers. Without the setting,
// metrics are off and the answer says how to turn them on.
import { bearerCredential, digestMatches, tokenDigest } from '../bearer-token.ts';

export const METRICS_PATH = '/metrics';

export interface ScrapeRefusal {
  status: 401 | 404;
  code: 'unauthorized' | 'not_found';
  message: string;
}

/** A check for `token` (METRICS_TOKEN, null when unset): null lets the scrape through. */
export function scrapeAccess(
  token: string | null,
): (authorization: string | undefined) => ScrapeRefusal | null {
  const expected = token === null ? null : tokenDigest(token);
  return (authorization) => {
    if (expected === null)
      return { status: 404, code: 'not_found', message: 'Metrics are off: set METRICS_TOKEN to serve them.' };
    if (digestMatches(bearerCredential(authorization), expected)) return null;
    return {
      status: 401,
      code: 'unauthorized',
      message: 'Send the metrics token (METRICS_TOKEN) as "Authorization: Bearer <token>".',
    };
  };
}
