// The worker's side of the contract (src/worker-contract/http.ts) on node:http: a handful of routes
// do not need a framework. Bearer token in constant time before any body is read, bodies validated
// with the contract schemas, errors as {error: {code, message, field?}}, never a stack trace.
import type http from 'node:http';
import { bearerCredential, digestMatches, tokenDigest } from '../bearer-token.ts';
import { errorMessage } from '../error-message.ts';
import { type Logger, redactText } from '../logger.ts';
import { openApiDocument } from '../openapi.ts';
import {
  controlRequestSchema,
  createSessionRequestSchema,
  errorResponseSchema,
  HEARTBEAT_INTERVAL_MS,
  healthResponseSchema,
  jellyfinPlayRequestSchema,
  playRequestSchema,
  sessionStatsSchema,
  sessionStatusSchema,
  type WorkerEvent,
  workerEventSchema,
} from '../worker-contract/http.ts';
import { HttpError, parseWith, readJson, sendJson, serveContract } from './contract-http.ts';
import type { WorkerProcessSessions } from './process-sessions.ts';
import { workerFailureOf } from './worker-failure.ts';
import { PlaybackConflictError, PlaybackFieldError, type WorkerSession } from './worker-session.ts';

const errorSchemaResponse = (description: string) => ({ description, schema: errorResponseSchema });

/** The OpenAPI document of this contract, generated from the schemas the routes enforce. */
export function workerOpenApiDocument() {
  const sessionErrors = {
    400: errorSchemaResponse('A field is invalid; `field` names it'),
    401: errorSchemaResponse('Missing or wrong bearer token'),
    404: errorSchemaResponse('Unknown session'),
    409: errorSchemaResponse('The playback state forbids this action'),
  };
  return openApiDocument({ title: 'Orb Watch Party stream worker', version: '1.0.0' }, [
    {
      method: 'post',
      path: '/sessions',
      summary: 'Create the session: join the voice channel and open the stream',
      body: createSessionRequestSchema,
      responses: {
        200: { description: 'The session already existed', schema: sessionStatusSchema },
        201: { description: 'Created and connected', schema: sessionStatusSchema },
        500: errorSchemaResponse('The stream could not be opened'),
        ...sessionErrors,
      },
    },
    {
      method: 'post',
      path: '/sessions/{sessionId}/play',
      summary: 'Play an item (optionally from startPositionSeconds), replacing what plays',
      body: playRequestSchema,
      responses: { 202: { description: 'Loading', schema: sessionStatusSchema }, ...sessionErrors },
    },
    {
      method: 'post',
      path: '/sessions/{sessionId}/control',
      summary: 'Pause, resume, seek, skip or stop',
      body: controlRequestSchema,
      responses: {
        200: { description: 'The status after the action', schema: sessionStatusSchema },
        ...sessionErrors,
      },
    },
    {
      method: 'get',
      path: '/sessions/{sessionId}',
      summary: 'Playback status',
      responses: { 200: { description: 'Status', schema: sessionStatusSchema }, ...sessionErrors },
    },
    {
      method: 'get',
      path: '/sessions/{sessionId}/stats',
      summary: "What the session's stream has done since this worker started (the bot's /metrics reads it)",
      responses: { 200: { description: 'Figures', schema: sessionStatsSchema }, ...sessionErrors },
    },
    {
      method: 'get',
      path: '/sessions/{sessionId}/events',
      summary: `Server-Sent Events: state, ended, error, and a heartbeat every ${HEARTBEAT_INTERVAL_MS} ms`,
      responses: {
        200: { description: 'Event stream', schema: workerEventSchema, contentType: 'text/event-stream' },
        ...sessionErrors,
      },
    },
    {
      method: 'get',
      path: '/health',
      summary: 'Liveness',
      access: 'public',
      responses: { 200: { description: 'Alive', schema: healthResponseSchema } },
    },
    {
      method: 'get',
      path: '/openapi.json',
      summary: 'This document',
      access: 'public',
      responses: { 200: { description: 'OpenAPI 3.1', schema: null } },
    },
  ]);
}

function writeEvent(res: http.ServerResponse, event: WorkerEvent): void {
  res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
}

function streamEvents(req: http.IncomingMessage, res: http.ServerResponse, session: WorkerSession): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
  });
  writeEvent(res, { type: 'state', status: session.status() });
  const unsubscribe = session.subscribe((event) => writeEvent(res, event));
  const heartbeat = setInterval(
    () => writeEvent(res, { type: 'heartbeat', positionSeconds: session.status().positionSeconds }),
    HEARTBEAT_INTERVAL_MS,
  );
  const stop = () => {
    clearInterval(heartbeat);
    unsubscribe();
  };
  req.on('close', stop);
  res.on('close', stop);
}

export interface ContractServerOptions {
  token: string;
  host: WorkerProcessSessions;
  logger: Logger;
  /** The only Jellyfin server play requests may name (JELLYFIN_URL); null refuses every play. */
  jellyfinUrl: string | null;
}

export function createContractServer(options: ContractServerOptions): http.Server {
  const { host, logger } = options;
  const playRequest = jellyfinPlayRequestSchema(options.jellyfinUrl);
  const expectedToken = tokenDigest(options.token);
  let openApi: unknown = null;

  const session = (id: string) => {
    const found = host.get(decodeURIComponent(id));
    if (!found)
      throw new HttpError(
        404,
        'not_found',
        `no session ${decodeURIComponent(id).slice(0, 64)} in this worker`,
      );
    return found;
  };

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://worker').pathname;
    const method = req.method ?? 'GET';
    if (method === 'GET' && path === '/health') {
      sendJson(res, 200, { ok: true, sessions: host.sessionCount, uptimeSeconds: host.uptimeSeconds });
      return;
    }
    if (method === 'GET' && path === '/openapi.json') {
      openApi ??= workerOpenApiDocument();
      sendJson(res, 200, openApi);
      return;
    }
    if (!digestMatches(bearerCredential(req.headers.authorization), expectedToken)) {
      throw new HttpError(401, 'unauthorized', 'a valid bearer token is required');
    }
    if (path === '/sessions') {
      if (method !== 'POST') throw new HttpError(404, 'not_found', `no route ${method} ${path}`);
      const request = parseWith(createSessionRequestSchema, await readJson(req));
      try {
        const { session: opened, created } = await host.open(request);
        sendJson(res, created ? 201 : 200, opened.status());
      } catch (error) {
        if (error instanceof PlaybackConflictError) throw error;
        const failure = workerFailureOf(error) ?? undefined;
        throw new HttpError(500, 'internal', redactText(errorMessage(error)), { failure });
      }
      return;
    }
    const match = /^\/sessions\/([^/]+)(?:\/(play|control|events|stats))?$/.exec(path);
    if (!match) throw new HttpError(404, 'not_found', `no route ${method} ${path}`);
    const [, id, action] = match;
    const expected = action === 'play' || action === 'control' ? 'POST' : 'GET';
    if (method !== expected) throw new HttpError(404, 'not_found', `no route ${method} ${path}`);
    const target = session(id!);
    switch (action) {
      case 'play':
        target.play(parseWith(playRequest, await readJson(req)));
        sendJson(res, 202, target.status());
        return;
      case 'control':
        sendJson(res, 200, target.control(parseWith(controlRequestSchema, await readJson(req))));
        return;
      case 'events':
        streamEvents(req, res, target);
        return;
      case 'stats':
        sendJson(res, 200, target.stats());
        return;
      default:
        sendJson(res, 200, target.status());
    }
  }

  return serveContract(route, (error, req) => {
    if (error instanceof PlaybackConflictError) return new HttpError(409, 'conflict', error.message);
    if (error instanceof PlaybackFieldError) {
      return new HttpError(400, 'bad_request', error.message, { field: error.field });
    }
    logger.error({ err: error, method: req.method, path: req.url }, 'request failed');
    return new HttpError(500, 'internal', 'the worker failed to handle the request');
  });
}
