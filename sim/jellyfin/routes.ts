// The Jellyfin simulator's routing: anonymous endpoints first (as in Jellyfin), then the API key
// check, then each endpoint wired to the item queries, DTOs, sessions and ranged files. Paths and
// query names match case-insensitively, as Jellyfin's do.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthScheme, SimAuth } from './auth.ts';
import { isPlayable, type JellyfinDtos, recipeOf } from './dtos.ts';
import { boolParam, guidParam, HttpError, intParam, type Query, readJson, send } from './http.ts';
import { fieldsOf, filterItems, queryResult, requireItem, showChildren } from './items.ts';
import type { SimItem, SimLibrary } from './library.ts';
import type { MediaFactory } from './media.ts';
import { serveRangedFile } from './ranged-files.ts';
import type { SimSegments } from './segments.ts';
import type { PlaybackReport, SimSessions } from './sessions.ts';
import type { SimTranscoding } from './transcoding.ts';
import { routeUserRequest, type SimUserStore } from './user-data.ts';

export type SimVersion = '10.10' | '10.11' | '12.0';

export interface SimRequestRecord {
  method: string;
  path: string;
  /** The query without any key parameter. */
  query: Record<string, string>;
  /** How the request authenticated: 'MediaBrowser', 'legacy', 'ApiKey' query, or null. */
  auth: AuthScheme | null;
  deviceId: string | null;
  /** The Range header, for stream requests. */
  range: string | null;
}

export interface RouteContext {
  version: SimVersion;
  serverId: string;
  /** The server's own address, known once it listens. */
  url: () => string;
  searchLatencyMs: number | undefined;
  library: SimLibrary;
  media: MediaFactory;
  auth: SimAuth;
  dtos: JellyfinDtos;
  sessions: SimSessions;
  users: SimUserStore;
  segments: SimSegments;
  /** PlaybackInfo's transcode verdicts and the progressive transcodes (transcoding.ts). */
  transcoding: SimTranscoding;
  /** A delay the server cancels when it stops. */
  sleep: (ms: number) => Promise<void>;
}

const reportKinds: Record<string, PlaybackReport['kind']> = {
  '/sessions/playing': 'start',
  '/sessions/playing/progress': 'progress',
  '/sessions/playing/stopped': 'stopped',
  '/sessions/playing/ping': 'ping',
};

export type Route = (
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  query: Query,
  record: SimRequestRecord,
) => Promise<void>;

export function createRoute(context: RouteContext): Route {
  const { library, media, dtos, sessions, users, segments } = context;
  // With a user (`userId`, or the /Users/{userId}/ path form) items carry that user's UserData.
  const withUserData = (item: SimItem, dto: Record<string, unknown>, userId: string | undefined) => {
    const user =
      userId && users.users.find((candidate) => candidate.id === userId.replaceAll('-', '').toLowerCase());
    return user ? { ...dto, UserData: users.dto(user.id, item) } : dto;
  };
  const userContext = {
    library,
    users,
    serverId: context.serverId,
    itemDto: (item: SimItem, query: Query, userId: string) =>
      withUserData(
        item,
        dtos.item(item, fieldsOf(query), boolParam(query, 'enableImages') !== false),
        userId,
      ),
  };
  const requirePlayable = (item: SimItem): SimItem => {
    if (!isPlayable(item)) throw new HttpError(400, 'Not a playable item.');
    return item;
  };

  return async (request, response, path, query, record) => {
    const method = request.method ?? 'GET';
    const lower = path.toLowerCase();
    // Anonymous endpoints first, as in Jellyfin.
    const publicInfo = () => ({
      LocalAddress: context.url(),
      ServerName: 'Orb Jellyfin Simulator',
      Version: context.version === '12.0' ? '12.0.0' : `${context.version}.11`,
      ProductName: 'Jellyfin Server',
      OperatingSystem: '',
      Id: context.serverId,
      StartupWizardCompleted: true,
    });
    if (method === 'GET' && lower === '/system/info/public') return send(response, 200, publicInfo());
    if (lower === '/system/ping') {
      response.writeHead(200, { 'Content-Type': 'application/json' }).end('"Jellyfin Server"');
      return;
    }
    const image = /^\/items\/([^/]+)\/images\/primary$/i.exec(path);
    if (method === 'GET' && image?.[1]) {
      const item = requireItem(library, image[1]);
      if (!item.imageTag) throw new HttpError(404, 'No image of that type.');
      const poster = await media.poster();
      response.writeHead(200, { 'Content-Type': 'image/jpeg' });
      createReadStream(poster).pipe(response);
      return;
    }

    const auth = context.auth.authenticate(request, query);
    record.auth = auth.scheme;
    record.deviceId = auth.scheme ? auth.deviceId : null;
    if (!context.auth.validKey(auth.token)) throw new HttpError(401, 'Unauthorized');

    if (method === 'GET' && lower === '/system/info') {
      return send(response, 200, { ...publicInfo(), HasPendingRestart: false, IsShuttingDown: false });
    }
    if (await routeUserRequest(userContext, request, response, path, query)) return;
    if (segments.route(request, response, path, query)) return;
    if (method === 'GET' && lower === '/items') {
      if (query.has('searchterm') && context.searchLatencyMs) await context.sleep(context.searchLatencyMs);
      const fields = fieldsOf(query);
      const images = boolParam(query, 'enableImages') !== false;
      return send(
        response,
        200,
        queryResult(filterItems(library, query), query, (item) =>
          withUserData(item, dtos.item(item, fields, images), query.get('userid')),
        ),
      );
    }
    if (method === 'GET' && lower === '/search/hints') {
      if (context.searchLatencyMs) await context.sleep(context.searchLatencyMs);
      if (!query.get('searchterm')) throw new HttpError(400, 'The searchTerm field is required.');
      const found = filterItems(library, new Map([...query, ['recursive', 'true']]));
      const limit = intParam(query, 'limit') ?? found.length;
      return send(response, 200, {
        SearchHints: found.slice(0, limit).map((item) => dtos.searchHint(item)),
        TotalRecordCount: found.length,
      });
    }
    const single = /^\/(?:users\/([^/]+)\/)?items\/([^/]+)$/i.exec(path);
    if (method === 'GET' && single?.[2]) {
      // An API key has no user: without userId Jellyfin looks up the empty user and answers 404.
      if (!single[1] && !query.get('userid')) throw new HttpError(404, 'Item not found.');
      const item = requireItem(library, single[2]);
      const dto = withUserData(
        item,
        dtos.item(item, new Set(['overview', 'providerids', 'originaltitle', 'datelastsaved'])),
        single[1] ?? query.get('userid'),
      );
      return send(
        response,
        200,
        isPlayable(item) ? { ...dto, MediaSources: [await dtos.mediaSource(item)] } : dto,
      );
    }
    const shows = /^\/shows\/([^/]+)\/(seasons|episodes)$/i.exec(path);
    if (method === 'GET' && shows?.[1] && shows[2]) {
      const series = requireItem(library, shows[1]);
      if (series.type !== 'Series') throw new HttpError(404, 'Series not found.');
      const kind = shows[2].toLowerCase() === 'seasons' ? 'Season' : 'Episode';
      const fields = fieldsOf(query);
      const images = boolParam(query, 'enableImages') !== false;
      return send(
        response,
        200,
        queryResult(showChildren(library, series, kind, query), query, (item) =>
          dtos.item(item, fields, images),
        ),
      );
    }
    const playbackInfo = /^\/items\/([^/]+)\/playbackinfo$/i.exec(path);
    if ((method === 'GET' || method === 'POST') && playbackInfo?.[1]) {
      const item = requireItem(library, playbackInfo[1]);
      const body = method === 'POST' ? await readJson(request) : {};
      const playSessionId = randomBytes(16).toString('hex');
      const source = isPlayable(item)
        ? {
            ...(await dtos.mediaSource(item)),
            ...(await context.transcoding.verdict(item.id, recipeOf(item), body, {
              deviceId: auth.deviceId,
              playSessionId,
              keyName: context.version === '10.10' ? 'api_key' : 'ApiKey',
              apiKey: auth.token ?? '',
            })),
          }
        : null;
      return send(response, 200, { MediaSources: source ? [source] : [], PlaySessionId: playSessionId });
    }
    const stream = /^\/videos\/([^/]+)\/stream(?:\.[a-z0-9]+)?$/i.exec(path);
    if ((method === 'GET' || method === 'HEAD') && stream?.[1]) {
      const item = requireItem(library, stream[1]);
      if (query.get('static')?.toLowerCase() !== 'true' && lower.endsWith('/stream.ts')) {
        return context.transcoding.serve(request, response, item.id, recipeOf(requirePlayable(item)), query);
      }
      if (query.get('static')?.toLowerCase() !== 'true') {
        throw new HttpError(400, 'The simulator serves static streams only (static=true).');
      }
      const sourceId = guidParam(query, 'mediaSourceId');
      if (sourceId && sourceId !== item.id) throw new HttpError(404, 'Media source not found.');
      const file = await media.media(recipeOf(requirePlayable(item)));
      return serveRangedFile(request, response, file, null);
    }
    const subtitle = /^\/videos\/([^/]+)\/([^/]+)\/subtitles\/(\d+)(?:\/\d+)?\/stream\.([a-z]+)$/i.exec(path);
    if (method === 'GET' && subtitle?.[1] && subtitle[2] && subtitle[3] && subtitle[4]) {
      const item = requirePlayable(requireItem(library, subtitle[1]));
      if (subtitle[2].replaceAll('-', '').toLowerCase() !== item.id)
        throw new HttpError(404, 'Media source not found.');
      const file = await media.subtitleFile(recipeOf(item), Number(subtitle[3]), subtitle[4]);
      if (!file) throw new HttpError(404, 'No text subtitle stream with that index.');
      response.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      createReadStream(file).pipe(response);
      return;
    }
    const download = /^\/items\/([^/]+)\/download$/i.exec(path);
    if ((method === 'GET' || method === 'HEAD') && download?.[1]) {
      const item = requirePlayable(requireItem(library, download[1]));
      const file = await media.media(recipeOf(item));
      return serveRangedFile(request, response, file, `${item.id}.${file.container}`);
    }
    if (method === 'POST') {
      const kind = reportKinds[lower];
      if (kind) {
        sessions.report(kind, kind === 'ping' ? {} : await readJson(request), auth);
        return send(response, 204);
      }
      if (lower === '/sessions/capabilities/full') {
        await readJson(request);
        sessions.touch(auth);
        return send(response, 204);
      }
    }
    if (method === 'DELETE' && lower === '/videos/activeencodings') {
      context.transcoding.stop(query);
      return send(response, 204);
    }
    if (method === 'GET' && lower === '/sessions') {
      return send(
        response,
        200,
        sessions.active(intParam(query, 'activeWithinSeconds'), query.get('deviceid')),
      );
    }
    throw new HttpError(404, 'Not found.');
  };
}
