// OpenAPI 3.1 documents generated from the same zod schemas that validate requests, so the
// published contract is the enforced one. Used by the worker's contract server and the bot's API.
// Examples are parsed with the schemas they illustrate when the document is made, so an example
// that no longer matches its route fails at once instead of misleading a reader.
import { z } from 'zod';

export interface OpenApiResponse {
  description: string;
  /** The JSON body's schema; null for an empty body or one that is not JSON (see contentType). */
  schema: z.ZodType | null;
  contentType?: string;
  /** What the body looks like: checked against `schema` when there is one. */
  example?: unknown;
  /** Headers a caller acts on, such as a redirect's Location. */
  headers?: Record<string, { description: string; example: string }>;
}

/** Query parameters: one per key of the object (or of each object of a union). */
type QuerySchema = z.ZodObject | z.ZodUnion<readonly z.ZodObject[]>;

export interface OpenApiRoute {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI path template, e.g. `/sessions/{sessionId}/play`. */
  path: string;
  summary: string;
  /** Path parameters' schema; without it every `{name}` is a plain string. */
  params?: z.ZodObject;
  body?: z.ZodType;
  /** Query parameters: required unless they may be left out. */
  query?: QuerySchema;
  /** A request as a caller sends it; each part is checked against its schema. */
  example?: { params?: Record<string, string>; query?: Record<string, string>; body?: unknown };
  /** Status code → response. */
  responses: Record<number, OpenApiResponse>;
  /**
   * Who may call: the bearer token (the default), anyone, or a member logged in to the dashboard
   * (whose changes also carry the login's CSRF token).
   */
  access?: 'bearer' | 'public' | 'login';
}

/** Turns a zod schema into the JSON Schema a document shows. */
type SchemaWriter = (schema: z.ZodType) => unknown;

/**
 * A writer that keeps the schemas named with `.meta({ id })` (a party's details, a queue entry…) in
 * `named`, for the document's components, and refers to them there: a shape many routes answer is
 * written once instead of in every route.
 */
function schemaWriter(named: Record<string, unknown>): SchemaWriter {
  return (schema) => {
    const written = JSON.stringify(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }));
    const { $defs, ...json } = JSON.parse(written.replaceAll('"#/$defs/', '"#/components/schemas/')) as {
      $defs?: Record<string, unknown>;
    };
    Object.assign(named, $defs);
    return json;
  };
}

function checked(route: OpenApiRoute, part: string, schema: z.ZodType | undefined, example: unknown) {
  if (schema === undefined || example === undefined) return example;
  const result = schema.safeParse(example);
  if (!result.success)
    throw new Error(
      `The OpenAPI example of ${route.method.toUpperCase()} ${route.path} (${part}) does not match its schema: ${result.error.message}`,
    );
  return example;
}

function queryShapes(query: QuerySchema | undefined): Record<string, z.ZodType>[] {
  if (query === undefined) return [];
  return query instanceof z.ZodUnion ? query.options.map((option) => option.shape) : [query.shape];
}

function parametersOf(route: OpenApiRoute, jsonSchema: SchemaWriter) {
  const path = [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => {
    const schema = route.params?.shape[name!];
    const example = route.example?.params?.[name!];
    return {
      name,
      in: 'path',
      required: true,
      schema: schema ? jsonSchema(schema) : { type: 'string' },
      ...(example === undefined ? {} : { example }),
    };
  });
  checked(route, 'path parameters', route.params, route.example?.params);
  checked(route, 'query', route.query, route.example?.query);
  const shapes = queryShapes(route.query);
  const names = [...new Set(shapes.flatMap((shape) => Object.keys(shape)))];
  const query = names.map((name) => {
    // Required only when every accepted form needs it.
    const required = shapes.every((shape) => shape[name] && !shape[name].safeParse(undefined).success);
    const schema = shapes.find((shape) => shape[name])![name]!;
    const example = route.example?.query?.[name];
    return {
      name,
      in: 'query',
      required,
      schema: jsonSchema(schema),
      ...(example === undefined ? {} : { example }),
    };
  });
  return [...path, ...query];
}

function responsesOf(route: OpenApiRoute, jsonSchema: SchemaWriter) {
  return Object.fromEntries(
    Object.entries(route.responses).map(([status, response]) => {
      const example = checked(route, `response ${status}`, response.schema ?? undefined, response.example);
      const hasBody = response.schema !== null || response.contentType !== undefined;
      const content = hasBody
        ? {
            [response.contentType ?? 'application/json']: {
              schema: response.schema ? jsonSchema(response.schema) : { type: 'string' },
              ...(example === undefined ? {} : { example }),
            },
          }
        : undefined;
      const headers =
        response.headers &&
        Object.fromEntries(
          Object.entries(response.headers).map(([name, header]) => [
            name,
            { description: header.description, schema: { type: 'string' }, example: header.example },
          ]),
        );
      return [
        status,
        {
          description: response.description,
          ...(headers ? { headers } : {}),
          ...(content ? { content } : {}),
        },
      ];
    }),
  );
}

function securityOf(route: OpenApiRoute) {
  if (route.access === 'public') return [];
  if (route.access !== 'login') return undefined;
  return route.method === 'get' ? [{ login: [] }] : [{ login: [], csrf: [] }];
}

export function openApiDocument(
  info: { title: string; version: string; description?: string },
  routes: readonly OpenApiRoute[],
) {
  const paths: Record<string, Record<string, unknown>> = {};
  const named: Record<string, unknown> = {};
  const jsonSchema = schemaWriter(named);
  for (const route of routes) {
    const parameters = parametersOf(route, jsonSchema);
    const body = checked(route, 'body', route.body, route.example?.body);
    const security = securityOf(route);
    paths[route.path] ??= {};
    paths[route.path]![route.method] = {
      summary: route.summary,
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: {
                'application/json': {
                  schema: jsonSchema(route.body),
                  ...(body === undefined ? {} : { example: body }),
                },
              },
            },
          }
        : {}),
      responses: responsesOf(route, jsonSchema),
      ...(security ? { security } : {}),
    };
  }
  const loginSchemes = routes.some((route) => route.access === 'login') && {
    login: {
      type: 'apiKey',
      in: 'cookie',
      name: 'orb_login',
      description: 'Set by logging in with Discord at /login',
    },
    csrf: {
      type: 'apiKey',
      in: 'header',
      name: 'x-csrf-token',
      description: "Every change (not GET) sends `csrfToken` from /dashboard/api/me, from this site's origin",
    },
  };
  return {
    openapi: '3.1.0',
    info,
    components: {
      ...(Object.keys(named).length > 0 ? { schemas: named } : {}),
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, ...(loginSchemes || {}) },
    },
    security: [{ bearer: [] }],
    paths,
  };
}
