// The bot's JSON API under /api: a Fastify instance built by a factory (main.ts listens, tests
// inject). Every route is declared once with its schemas; the same declarations register the
// handler, check its answer and produce /api/openapi.json. Bearer auth runs in onRequest, before
// any body is read; only routes that act for the token's holder get an actor.
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import type { z } from 'zod';
import type { Logger } from '../logger.ts';
import { type OpenApiRoute, openApiDocument } from '../openapi.ts';
import type { Actor } from '../watchparty/permissions.ts';
import type { WatchPartyService } from '../watchparty/service.ts';
import { sessionDetailsSchema } from '../watchparty/views.ts';
import {
  apiErrorExample,
  partySessionExample,
  searchResultsExample,
  sessionDetailsExample,
  upcomingEntryExample,
} from './api-examples.ts';
import { createTokenChecker } from './bearer-auth.ts';
import { ApiRequestError, handleApiError, handleNotFound, parseInput, parseOutput } from './errors.ts';
import { metricsOpenApiRoute } from './metrics-openapi.ts';
import { METRICS_PATH, type MetricsEndpoint, registerMetricsRoute } from './metrics-route.ts';
import {
  addToQueueBodySchema,
  addToQueueResponseSchema,
  apiErrorSchema,
  clearedResponseSchema,
  controlBodySchema,
  createSessionBodySchema,
  healthSchema,
  listSessionsQuerySchema,
  moveBodySchema,
  movedResponseSchema,
  queueEntryParamsSchema,
  removedResponseSchema,
  sessionListSchema,
  sessionParamsSchema,
  sessionResponseSchema,
} from './schemas.ts';
import { type RankedSearch, rankedSearch, searchQuerySchema, searchResultsSchema } from './search.ts';

export interface ApiOptions {
  service: WatchPartyService;
  /** Accepted bearer tokens (API_TOKENS). With none, only the public routes answer. */
  apiTokens: readonly string[];
  logger: Logger;
  /** GET /metrics for Prometheus, with its own token (metrics-route.ts). */
  metrics?: MetricsEndpoint;
  /** The catalog's ranked search behind GET /api/search (search.ts); without it that route is absent. */
  search?: RankedSearch;
}

type PublicHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
type Handler = (request: FastifyRequest, reply: FastifyReply, actor: Actor) => Promise<unknown>;

const errorResponses = {
  400: {
    description: 'A field is invalid; `field` names it',
    schema: apiErrorSchema,
    example: apiErrorExample(
      'bad_request',
      'position: is required for seek (e.g. "1:23:45" or "+30")',
      'position',
    ),
  },
  401: {
    description: 'Missing or wrong bearer token',
    schema: apiErrorSchema,
    example: apiErrorExample('unauthorized', 'Send a valid API token as "Authorization: Bearer <token>".'),
  },
  404: {
    description: 'Unknown session or queue entry',
    schema: apiErrorSchema,
    example: apiErrorExample('not_found', 'There is no watch party #7.'),
  },
  409: {
    description: "The party's state forbids this action",
    schema: apiErrorSchema,
    example: apiErrorExample('conflict', 'The party is paused; use resume.'),
  },
  503: {
    description: 'No streaming account, worker or media server available',
    schema: apiErrorSchema,
    example: apiErrorExample(
      'unavailable',
      'Every streaming account is busy with another watch party. Stop one, or ask the server admin to add an account.',
    ),
  },
};
const sessionExample = { params: { id: '7' } };

export type ApiServer = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  Logger
> & {
  /** Adds routes registered outside this file (the dashboard's) to /api/openapi.json. */
  documentRoutes(routes: readonly OpenApiRoute[]): void;
};

export function buildApi(options: ApiOptions): ApiServer {
  const { service } = options;
  const app = Fastify({ loggerInstance: options.logger, bodyLimit: 64 * 1024 });
  const tokens = createTokenChecker(options.apiTokens);
  const documented: OpenApiRoute[] = [];
  const publicRoutes = new Set<string>();
  const startedAt = Date.now();

  app.setErrorHandler(handleApiError);
  app.setNotFoundHandler(handleNotFound);
  if (options.metrics) {
    // Not the API's tokens: the route checks its own.
    for (const method of ['GET', 'HEAD']) publicRoutes.add(`${method} ${METRICS_PATH}`);
    registerMetricsRoute(app, options.metrics);
    documented.push(metricsOpenApiRoute);
  }

  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url;
    // Routes outside /api (the dashboard's) have their own login; unmatched URLs still need a token.
    if (route !== undefined && !route.startsWith('/api/')) return;
    if (publicRoutes.has(`${request.method} ${route}`)) return;
    const label = tokens.identify(request.headers.authorization);
    if (label === null) {
      throw new ApiRequestError(
        401,
        'unauthorized',
        'Send a valid API token as "Authorization: Bearer <token>".',
      );
    }
    request.apiActor = { kind: 'api', label };
  });

  /**
   * Registers a route and documents it from the same declaration. The answer is parsed with the
   * documented schema of its status before it leaves: what does not match is a logged 500 (see
   * errors.ts), and fields the schema does not declare are dropped, so nothing leaks by accident.
   */
  function register(spec: OpenApiRoute, status: number, handler: PublicHandler): void {
    const url = `/api${spec.path.replace(/\{(\w+)\}/g, ':$1')}`;
    documented.push({ ...spec, path: `/api${spec.path}` });
    if (spec.access === 'public') {
      publicRoutes.add(`${spec.method.toUpperCase()} ${url}`);
      // Fastify answers HEAD for every GET route; health probes often use it.
      if (spec.method === 'get') publicRoutes.add(`HEAD ${url}`);
    }
    const schema = spec.responses[status]?.schema ?? null;
    app.route({
      method: spec.method.toUpperCase() as 'GET',
      url,
      handler: async (request, reply) => {
        const body = await handler(request, reply);
        return reply.code(status).send(schema === null ? body : parseOutput(schema, body));
      },
    });
  }

  /** A route anyone may call: it acts for nobody, so its handler gets no actor. */
  function publicRoute(spec: Omit<OpenApiRoute, 'access'>, status: number, handler: PublicHandler): void {
    register({ ...spec, access: 'public' }, status, handler);
  }

  /** A route behind the bearer token; its handler acts for the token that was presented. */
  function route(spec: Omit<OpenApiRoute, 'access'>, status: number, handler: Handler): void {
    register(spec, status, (request, reply) => {
      const actor = request.apiActor;
      // The auth hook sets the actor on every route it does not list as public; should that ever
      // fail, the request fails (a 500) instead of running for nobody or as the system.
      if (actor === undefined)
        throw new Error(`${request.method} ${request.url} reached its handler without an actor`);
      return handler(request, reply, actor);
    });
  }

  const details = (id: number) => service.getSession(id);
  const sessionId = (request: FastifyRequest) => parseInput(sessionParamsSchema, request.params).id;
  const body = <S extends z.ZodType>(schema: S, request: FastifyRequest) =>
    parseInput(schema, request.body ?? {});

  publicRoute(
    {
      method: 'get',
      path: '/health',
      summary: 'Liveness and readiness (the database answers)',
      responses: {
        200: {
          description: 'Healthy',
          schema: healthSchema,
          example: { ok: true, liveSessions: 1, uptimeSeconds: 42 },
        },
      },
    },
    200,
    async () => ({
      ok: true,
      liveSessions: (await service.listSessions()).length,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    }),
  );

  route(
    {
      method: 'get',
      path: '/sessions',
      summary: 'List parties (not stopped, unless includeStopped=true), newest first',
      query: listSessionsQuerySchema,
      example: { query: { guildId: partySessionExample.guildId, includeStopped: 'true' } },
      responses: {
        200: {
          description: 'The parties',
          schema: sessionListSchema,
          example: { sessions: [partySessionExample] },
        },
        ...errorResponses,
      },
    },
    200,
    async (request) => {
      const query = parseInput(listSessionsQuerySchema, request.query);
      return { sessions: await service.listSessions(query) };
    },
  );

  route(
    {
      method: 'post',
      path: '/sessions',
      summary: 'Create a party for a voice channel (at most one live party per channel)',
      body: createSessionBodySchema,
      example: {
        body: {
          guildId: partySessionExample.guildId,
          voiceChannelId: partySessionExample.voiceChannelId,
          textChannelId: partySessionExample.textChannelId,
          ownerUserId: partySessionExample.ownerUserId,
          title: partySessionExample.title,
        },
      },
      responses: {
        201: {
          description: 'Created',
          schema: sessionResponseSchema,
          example: { session: { ...partySessionExample, status: 'draft', currentQueueEntryId: null } },
        },
        ...errorResponses,
      },
    },
    201,
    async (request, _reply, actor) => ({
      session: await service.createSession(body(createSessionBodySchema, request), actor),
    }),
  );

  route(
    {
      method: 'get',
      path: '/sessions/{id}',
      summary: 'One party with its current item, upcoming queue, history, worker state and recent events',
      params: sessionParamsSchema,
      example: sessionExample,
      responses: {
        200: { description: 'The party', schema: sessionDetailsSchema, example: sessionDetailsExample },
        ...errorResponses,
      },
    },
    200,
    async (request) => details(sessionId(request)),
  );

  route(
    {
      method: 'post',
      path: '/sessions/{id}/queue',
      summary: 'Queue an item (a series queues its first episode); next puts it first',
      params: sessionParamsSchema,
      body: addToQueueBodySchema,
      example: { ...sessionExample, body: { itemId: upcomingEntryExample.itemId, startIfIdle: true } },
      responses: {
        201: {
          description: 'Queued',
          schema: addToQueueResponseSchema,
          example: { entry: upcomingEntryExample, started: false, startError: null },
        },
        ...errorResponses,
      },
    },
    201,
    async (request, _reply, actor) => {
      const id = sessionId(request);
      const result = await service.addToQueue(id, body(addToQueueBodySchema, request), actor);
      const { startError } = result;
      return { ...result, startError: startError && { code: startError.code, message: startError.message } };
    },
  );

  route(
    {
      method: 'post',
      path: '/sessions/{id}/queue/move',
      summary: 'Move upcoming item `from` to place `to` (1-based, as listed)',
      params: sessionParamsSchema,
      body: moveBodySchema,
      example: { ...sessionExample, body: { from: 3, to: 1 } },
      responses: {
        200: { description: 'Moved', schema: movedResponseSchema, example: { moved: upcomingEntryExample } },
        ...errorResponses,
      },
    },
    200,
    async (request, _reply, actor) => {
      const id = sessionId(request);
      const { from, to } = body(moveBodySchema, request);
      return { moved: await service.moveInQueue(id, from, to, actor) };
    },
  );

  route(
    {
      method: 'delete',
      path: '/sessions/{id}/queue/{index}',
      summary: 'Remove upcoming item `index` (1-based, as listed)',
      params: queueEntryParamsSchema,
      example: { params: { id: '7', index: '2' } },
      responses: {
        200: {
          description: 'Removed',
          schema: removedResponseSchema,
          example: { removed: { ...upcomingEntryExample, status: 'skipped' } },
        },
        ...errorResponses,
      },
    },
    200,
    async (request, _reply, actor) => {
      const { id, index } = parseInput(queueEntryParamsSchema, request.params);
      return { removed: await service.removeFromQueue(id, index, actor) };
    },
  );

  route(
    {
      method: 'delete',
      path: '/sessions/{id}/queue',
      summary: 'Remove every upcoming item; the current one plays on',
      params: sessionParamsSchema,
      example: sessionExample,
      responses: {
        200: { description: 'Cleared', schema: clearedResponseSchema, example: { cleared: 3 } },
        ...errorResponses,
      },
    },
    200,
    async (request, _reply, actor) => ({ cleared: await service.clearQueue(sessionId(request), actor) }),
  );

  route(
    {
      method: 'post',
      path: '/sessions/{id}/control',
      summary:
        'start, pause, resume, seek (with position), skip, stop, previous, shuffle or loop (with mode); answers the party afterwards',
      params: sessionParamsSchema,
      body: controlBodySchema,
      example: { ...sessionExample, body: { action: 'seek', position: '+30' } },
      responses: {
        200: { description: 'Done', schema: sessionDetailsSchema, example: sessionDetailsExample },
        ...errorResponses,
      },
    },
    200,
    async (request, _reply, actor) => {
      const id = sessionId(request);
      const { action, position, mode } = body(controlBodySchema, request);
      if (action === 'previous') await service.queueMoves.previous(id, actor);
      else if (action === 'shuffle') await service.queueMoves.shuffle(id, actor);
      else if (action === 'loop') await service.queueMoves.setLoop(id, mode ?? 'off', actor);
      else await service.control(id, action, actor, position);
      return details(id);
    },
  );

  const { search } = options;
  if (search) {
    route(
      {
        method: 'get',
        path: '/search',
        summary: "Find films, series and episodes to queue, ranked as /watchparty queue's autocomplete",
        query: searchQuerySchema,
        example: { query: { q: 'night harbor', limit: '5' } },
        responses: {
          200: {
            description: 'The best matches first',
            schema: searchResultsSchema,
            example: searchResultsExample,
          },
          ...errorResponses,
        },
      },
      200,
      async (request) => rankedSearch(search, parseInput(searchQuerySchema, request.query)),
    );
  }

  const document = () =>
    openApiDocument(
      {
        title: 'Orb Watch Party API',
        version: '1.0.0',
        description: 'Run Jellyfin watch parties in Discord voice channels.',
      },
      documented,
    );
  publicRoute(
    {
      method: 'get',
      path: '/openapi.json',
      summary: 'This document',
      responses: {
        200: {
          description: 'OpenAPI 3.1',
          schema: null,
          contentType: 'application/json',
          example: { openapi: '3.1.0', info: { title: 'Orb Watch Party API', version: '1.0.0' }, paths: {} },
        },
      },
    },
    200,
    async () => document(),
  );

  return Object.assign(app, {
    documentRoutes(routes: readonly OpenApiRoute[]) {
      documented.push(...routes);
    },
  });
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on authenticated routes. */
    apiActor?: Actor;
  }
}
