// A party's changes as Server-Sent Events: the party as it stands on connect, then again after each
// change the service announces (commands from any door and worker reports alike), so the page never
// polls. Changes that land while one is being read collapse into one more read.
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/connection.ts';
import { parseInput, parseOutput } from '../http/errors.ts';
import type { Logger } from '../logger.ts';
import { countEvents } from '../watchparty/audit-events.ts';
import { pageLocale } from './page-locale.ts';
import { loginOf, type PartyRoutesOptions, visibleParty } from './party-routes.ts';
import { partyParamsSchema, partyViewSchema } from './schemas.ts';
import { StreamHealthSampler, type StreamStatsSource, streamHealthSchema } from './stream-health.ts';

/** Proxies close idle connections; a comment line now and then keeps the stream open. */
const KEEPALIVE_MS = 15_000;
const HEALTH_INTERVAL_MS = 2_000;

export interface PartyEventsOptions extends Pick<PartyRoutesOptions, 'service' | 'members'> {
  db: Db;
  logger: Logger;
  /** Workers' stream figures; without it the page shows no stream health. */
  streamStats?: StreamStatsSource | undefined;
  /** How often stream health is sent; 2 s unless told. */
  healthIntervalMs?: number | undefined;
}

export function registerPartyEvents(app: FastifyInstance, options: PartyEventsOptions): void {
  const open = new Set<ServerResponse>();
  // An event stream never ends by itself; shutting down must not wait for every browser to leave.
  app.addHook('preClose', async () => {
    for (const stream of open) stream.end();
  });

  app.get('/dashboard/api/parties/:id/events', async (request, reply) => {
    const login = loginOf(request);
    const id = parseInput(partyParamsSchema, request.params).id;
    // Refuses an unknown or foreign party with a plain 404 before the stream opens.
    const locale = pageLocale(request);
    const first = await visibleParty(options, login, id, locale);

    reply.hijack();
    const stream = reply.raw;
    stream.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const send = (view: unknown) =>
      stream.write(`event: party\ndata: ${JSON.stringify(parseOutput(partyViewSchema, view))}\n\n`);
    send(first);

    let reading = false;
    let again = false;
    const read = async () => {
      if (reading) {
        again = true;
        return;
      }
      reading = true;
      try {
        do {
          again = false;
          send(await visibleParty(options, login, id, locale));
        } while (again);
      } catch (error) {
        options.logger.warn(
          { err: error, sessionId: id },
          'a dashboard event stream could not read its party',
        );
      } finally {
        reading = false;
      }
    };
    const unsubscribe = options.service.onSessionChanged((changed) => {
      if (changed === id) void read();
    });
    const keepalive = setInterval(() => stream.write(': keepalive\n\n'), KEEPALIVE_MS);
    const stopHealth = options.streamStats ? sendHealth(options.streamStats, id, stream, options) : () => {};
    open.add(stream);
    request.raw.once('close', () => {
      open.delete(stream);
      clearInterval(keepalive);
      stopHealth();
      unsubscribe();
    });
  });
}

/** Sends `event: health` every interval while the party streams; answers a function that stops it. */
function sendHealth(
  source: StreamStatsSource,
  sessionId: number,
  stream: ServerResponse,
  options: PartyEventsOptions,
): () => void {
  const sampler = new StreamHealthSampler(source, sessionId, () =>
    countEvents(options.db, sessionId, 'worker-restarting'),
  );
  let sampling = false;
  const timer = setInterval(async () => {
    if (sampling) return;
    sampling = true;
    try {
      const health = await sampler.sample();
      if (health)
        stream.write(`event: health\ndata: ${JSON.stringify(streamHealthSchema.parse(health))}\n\n`);
    } catch (error) {
      options.logger.debug({ err: error, sessionId }, 'no stream figures for the dashboard');
    } finally {
      sampling = false;
    }
  }, options.healthIntervalMs ?? HEALTH_INTERVAL_MS);
  return () => clearInterval(timer);
}
