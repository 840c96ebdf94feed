// GET /metrics for Prometheus, beside the API but with a token of its own (METRICS_TOKEN): a scraper
// reads figures and nothing else, so its configuration never holds a token that can run parties.
// Without METRICS_TOKEN the route says that metrics are off.
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import { createTokenChecker } from './bearer-auth.ts';
import { ApiRequestError } from './errors.ts';

export interface MetricsEndpoint {
  /** METRICS_TOKEN; null turns /metrics off. */
  token: string | null;
  contentType: string;
  render(): Promise<string>;
}

export const METRICS_PATH = '/metrics';

export function registerMetricsRoute<L extends FastifyBaseLogger>(
  app: FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, L>,
  endpoint: MetricsEndpoint,
): void {
  const tokens = createTokenChecker(endpoint.token === null ? [] : [endpoint.token]);
  // A scrape every few seconds would bury the log in request lines: only its failures are logged.
  app.get(METRICS_PATH, { logLevel: 'warn' }, async (request, reply) => {
    if (endpoint.token === null)
      throw new ApiRequestError(404, 'not_found', 'Metrics are off: set METRICS_TOKEN to serve them.');
    if (tokens.identify(request.headers.authorization) === null) {
      throw new ApiRequestError(
        401,
        'unauthorized',
        'Send the metrics token (METRICS_TOKEN) as "Authorization: Bearer <token>".',
      );
    }
    return reply.header('content-type', endpoint.contentType).send(await endpoint.render());
  });
}
