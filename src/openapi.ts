// OpenAPI 3.1 documents generated from the same zod schemas that validate requests, so the
// published contract is the enforced one. Used by the worker's contract server and the bot's API.
import { z } from 'zod';

export interface OpenApiRoute {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI path template, e.g. `/sessions/{sessionId}/play`. */
  path: string;
  summary: string;
  body?: z.ZodType;
  /** Query parameters: one per key of the object, required unless it may be left out. */
  query?: z.ZodObject;
  /** Status code → response schema (null for an empty body). */
  responses: Record<number, { description: string; schema: z.ZodType | null; contentType?: string }>;
  /** False for the few routes that need no bearer token. */
  authenticated?: boolean;
}

function jsonSchema(schema: z.ZodType): unknown {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
}

export function openApiDocument(
  info: { title: string; version: string; description?: string },
  routes: OpenApiRoute[],
) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const parameters = [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
      name,
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    for (const [name, schema] of Object.entries(route.query?.shape ?? {})) {
      const required = !schema.safeParse(undefined).success;
      parameters.push({ name, in: 'query', required, schema: jsonSchema(schema) as { type: string } });
    }
    const responses = Object.fromEntries(
      Object.entries(route.responses).map(([status, response]) => [
        status,
        response.schema
          ? {
              description: response.description,
              content: {
                [response.contentType ?? 'application/json']: { schema: jsonSchema(response.schema) },
              },
            }
          : { description: response.description },
      ]),
    );
    paths[route.path] ??= {};
    paths[route.path]![route.method] = {
      summary: route.summary,
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: jsonSchema(route.body) } },
            },
          }
        : {}),
      responses,
      ...(route.authenticated === false ? { security: [] } : {}),
    };
  }
  return {
    openapi: '3.1.0',
    info,
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
