// A worker host's contract server: the routes of one stream worker (docs/worker-contract.md) for
// every session it hosts, plus its own (GET /host, DELETE /sessions/{id}), and GET /metrics for
// Prometheus with a token of its own (METRICS_TOKEN, as on the bot). A session's requests are
// relayed to that session's worker process as they are, event stream included, so the bot speaks
// to a host exactly as to a local worker and a worker's answers (its errors too) reach the bot intact.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { cpus, loadavg } from 'node:os';
import { pipeline } from 'node:stream';
import { bearerCredential, digestMatches, tokenDigest } from '../bearer-token.ts';
import { errorMessage } from '../error-message.ts';
import { type Logger, redactText } from '../logger.ts';
import { HostMetrics } from '../metrics/host-metrics.ts';
import { METRICS_PATH, scrapeAccess } from '../metrics/scrape-access.ts';
import { WorkerUnavailableError } from '../watchparty/worker-pool.ts';
import {
  HttpError,
  parseWith,
  readJson,
  sendError,
  sendJson,
  serveContract,
} from '../worker/contract-http.ts';
import { type HostStatus, hostCreateSessionRequestSchema } from '../worker-contract/host.ts';
import { errorCodes, type HealthResponse } from '../worker-contract/http.ts';
import { WorkerRefusedError } from '../worker-pool/client.ts';
import type { HostedWorker, HostedWorkers } from './hosted-workers.ts';

export interface HostServerOptions {
  token: string;
  /** METRICS_TOKEN; null turns /metrics off. */
  metricsToken: string | null;
  workers: HostedWorkers;
  logger: Logger;
}

/** Request headers a worker needs; the host's own credential is swapped for the worker's. */
const RELAYED_HEADERS = ['content-type', 'content-length', 'accept'] as const;

/**
 * A worker that does not answer may be dying: its port closes before the host sees it exit. This
 * long for the exit tells the bot "the session is gone" (it restarts the party at once) instead of
 * "no answer" (which it must wait out before it restarts).
 */
const EXIT_WAIT_MS = 250;

/** Whether the worker's process exits within `ms`. */
function exitsWithin(worker: HostedWorker, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    worker.process.exited.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Sends a session's request on to its worker and the worker's answer back, streaming both ways;
 * when the worker has died meanwhile, the answer is `gone()`.
 */
function relay(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  worker: HostedWorker,
  logger: Logger,
  gone: () => HttpError,
) {
  const headers: http.OutgoingHttpHeaders = { authorization: `Bearer ${worker.token}` };
  for (const name of RELAYED_HEADERS) if (req.headers[name]) headers[name] = req.headers[name];
  const upstream = http.request({
    host: '127.0.0.1',
    port: worker.port,
    method: req.method,
    path: req.url,
    headers,
  });
  upstream.on('response', (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    // An event stream ends when either side goes: the bot hanging up, or the worker dying.
    pipeline(answer, res, () => {});
  });
  upstream.on('error', (error) => {
    if (res.headersSent) return void res.destroy();
    void exitsWithin(worker, EXIT_WAIT_MS).then((exited) => {
      if (!exited) logger.warn({ err: error }, 'a hosted worker did not answer');
      sendError(res, exited ? gone() : new HttpError(502, 'internal', 'the stream worker did not answer'));
    });
  });
  res.on('close', () => upstream.destroy());
  req.pipe(upstream);
}

/** A worker's refusal as the host's own answer: same status, code, words and failure kind. */
function relayedRefusal(error: WorkerRefusedError): HttpError {
  const code = errorCodes.find((known) => known === error.code) ?? 'internal';
  return new HttpError(error.status, code, redactText(error.detail ?? error.message), {
    failure: error.failure,
  });
}

export function createHostServer(options: HostServerOptions): http.Server {
  const { workers, logger } = options;
  const expectedToken = tokenDigest(options.token);
  const hostId = randomUUID();
  const startedAt = performance.now();
  const uptimeSeconds = () => (performance.now() - startedAt) / 1000;
  const metrics = new HostMetrics({
    status: () => hostStatus(),
    parties: (timeoutMs) => workers.partyStats(timeoutMs),
  });
  const scrapeRefusal = scrapeAccess(options.metricsToken);

  function hostStatus(): HostStatus {
    const cores = Math.max(1, cpus().length);
    return {
      hostId,
      capacity: workers.capacity,
      sessions: workers.count,
      cpus: cores,
      load: Math.round(((loadavg()[0] ?? 0) / cores) * 100) / 100,
      uptimeSeconds: uptimeSeconds(),
    };
  }

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://host').pathname;
    const method = req.method ?? 'GET';
    if (method === 'GET' && path === '/health') {
      const health: HealthResponse = { ok: true, sessions: workers.count, uptimeSeconds: uptimeSeconds() };
      return sendJson(res, 200, health);
    }
    if (method === 'GET' && path === METRICS_PATH) {
      const refused = scrapeRefusal(req.headers.authorization);
      if (refused) throw new HttpError(refused.status, refused.code, refused.message);
      const text = await metrics.render();
      res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    if (!digestMatches(bearerCredential(req.headers.authorization), expectedToken))
      throw new HttpError(401, 'unauthorized', 'a valid bearer token is required');
    if (method === 'GET' && path === '/host') return sendJson(res, 200, hostStatus());
    if (method === 'POST' && path === '/sessions') {
      const request = parseWith(hostCreateSessionRequestSchema, await readJson(req));
      const { status, created } = await workers.open(request);
      return sendJson(res, created ? 201 : 200, status);
    }
    const match = /^\/sessions\/([^/]+)(\/[^/]+)?$/.exec(path);
    if (!match) throw new HttpError(404, 'not_found', `no route ${method} ${path}`);
    const sessionId = decodeURIComponent(match[1]!);
    const unknown = () =>
      new HttpError(404, 'not_found', `no session ${sessionId.slice(0, 64)} on this worker host`);
    if (method === 'DELETE' && match[2] === undefined) {
      if (!(await workers.close(sessionId))) throw unknown();
      res.writeHead(204).end();
      return;
    }
    const worker = workers.get(sessionId);
    if (!worker) throw unknown();
    if (match[2] === '/events') res.once('close', workers.follow(sessionId, worker));
    relay(req, res, worker, logger.child({ sessionId }), unknown);
  }

  return serveContract(route, (error, req) => {
    if (error instanceof WorkerRefusedError) return relayedRefusal(error);
    logger.error({ err: error, method: req.method }, 'worker host request failed');
    const detail = error instanceof WorkerUnavailableError ? error.detail : errorMessage(error);
    return new HttpError(500, 'internal', `the stream worker could not start: ${redactText(detail ?? '')}`);
  });
}
