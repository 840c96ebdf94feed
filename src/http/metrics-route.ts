// GET /metrics for Prometheus, beside the API but with a token of its own (METRICS_TOKEN, checked as
// on a worker host: src/metrics/scrape-access.ts).
import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import { METRICS_PATH, scrapeAccess } from '../metrics/scrape-access.ts';
import { ApiRequestError } from './errors.ts';

export { METRICS_PATH };

export interface MetricsEndpoint {
  /** METRICS_TOKEN; null turns /metrics off. */
  token: string | null;
  contentType: string;
  render(): Promise<string>;
}

export function registerMetricsRoute<L extends FastifyBaseLogger>(
  app: FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, L>,
  endpoint: MetricsEndpoint,
): void {
  const refusal = scrapeAccess(endpoint.token);
  // A scrape every few seconds would bury the log in request lines: only its failures are logged.
  app.get(METRICS_PATH, { logLevel: 'warn' }, async (request, reply) => {
    const refused = refusal(request.headers.authorization);
    if (refused) throw new ApiRequestError(refused.status, refused.code, refused.message);
    return reply.header('content-type', endpoint.contentType).send(await endpoint.render());
  });
}
