// GET /metrics as /api/openapi.json describes it (the route itself: metrics-route.ts).
import type { OpenApiRoute } from '../openapi.ts';
import { apiErrorExample } from './api-examples.ts';
import { METRICS_PATH } from './metrics-route.ts';
import { apiErrorSchema } from './schemas.ts';

export const metricsOpenApiRoute: OpenApiRoute = {
  method: 'get',
  path: METRICS_PATH,
  summary: 'Figures for Prometheus; needs METRICS_TOKEN as a bearer token (an API token does not open it)',
  // Its own token, checked by the route: the API's bearer scheme does not open it.
  access: 'public',
  responses: {
    200: {
      description: 'Prometheus text format',
      schema: null,
      contentType: 'text/plain; version=0.0.4',
      example: '# TYPE orb_parties gauge\norb_parties{status="playing"} 1\n',
    },
    401: {
      description: 'Missing or wrong metrics token',
      schema: apiErrorSchema,
      example: apiErrorExample(
        'unauthorized',
        'Send the metrics token (METRICS_TOKEN) as "Authorization: Bearer <token>".',
      ),
    },
    404: {
      description: 'Metrics are off (no METRICS_TOKEN)',
      schema: apiErrorSchema,
      example: apiErrorExample('not_found', 'Metrics are off: set METRICS_TOKEN to serve them.'),
    },
  },
};
