// sim/jellyfin: a local stand-in for a Jellyfin server, real HTTP on 127.0.0.1, for tests,
// benchmarks and the demo. Payloads are shaped like Jellyfin's own (PascalCase, nulls left
// out, 32-hex GUIDs, QueryResult envelopes, `fields`-gated properties).
//
// const sim = await startJellyfinSim(options);  … sim.url, sim.apiKey …  await sim.stop();
//
// Options (all optional):
//   apiKey              the one valid API key (default: random 32 hex). Sessions show `apiKeyName`.
//   apiKeyName          the key's "App name"; Jellyfin reports it as the session's Client.
//   version             '10.10' | '10.11' | '12.0' (default '12.0'), reported by /System/Info/Public.
//   legacyAuthorization accept X-Emby-Token, X-Emby-Authorization, X-MediaBrowser-Token, the `Emby`
//                       scheme and `api_key=` (default: true for 10.10/10.11, false for 12.0, as upstream).
//   library             'default' (movies, a series with two seasons + specials, long, accented and
//                       non-Latin titles, dual audio + subtitles, HEVC, VFR) or 'empty'.
//   largeCatalog        add this many metadata-only items (e.g. 50_000) for benchmarks; they play the
//                       shared fallback media when asked.
//   searchLatencyMs     delay every search (`/Items?searchTerm=`, `/Search/Hints`), e.g. 2000.
//   mediaCacheDir       where generated media is cached (default: $ORB_SIM_MEDIA_DIR, else
//                       `<project>/.cache/sim-media`, which is gitignored).
//   now                 injectable clock (DateLastSaved stamps and session activity).
//   port                where to listen on 127.0.0.1 (default 0: an ephemeral port).
//   transcoding         {prepareAhead}: serve a transcode from the start out of a file made once
//                       (benchmarks count Jellyfin's encoding apart; see transcoding.ts).
//
// What it returns (JellyfinSim): url, apiKey, stop(), library (add/update/remove items; each write
// stamps DateLastSaved), faults (set({path, latencyMs, status, dropConnection, dropAfterBytes,
// times}) / clear()), playbackReports (every Sessions/Playing* call with its device), sessions()
// (like GET /Sessions), dashboardVisible(session), requests (method, path, query, Range header,
// auth scheme and DeviceId of every request; the key is never stored), mediaFile(itemId) (generate
// and return the file path), transcoding (started and stopped transcodes), prepareTranscode(url). `node sim/jellyfin/main.ts` runs it on its own.
//
// Endpoints: GET /System/Info/Public, /System/Ping, /System/Info (with the key); GET /Items (searchTerm,
// ids, includeItemTypes, recursive, startIndex, limit, sortBy, sortOrder, minDateLastSaved, isMissing, fields,
// enableImages, enableTotalRecordCount); GET /Items/{id} (needs userId with an API key, else 404);
// GET /Search/Hints; GET /Shows/{id}/Seasons, /Shows/{id}/Episodes; GET|POST /Items/{id}/PlaybackInfo;
// GET|HEAD /Videos/{id}/stream[.ext]?static=true and /Items/{id}/Download (Range, 206, 416);
// GET /Items/{id}/Images/Primary (anonymous); POST /Sessions/Playing[/Progress|/Stopped|/Ping],
// /Sessions/Capabilities/Full; GET /Sessions; GET /Users; GET|POST /UserItems/{id}/UserData and
// /Users/{userId}/Items/{id}/UserData; POST|DELETE /UserPlayedItems/{id} and /Users/{userId}/PlayedItems/{id};
// GET /Videos/{id}/stream.ts (a progressive transcode, transcoding.ts) and DELETE /Videos/ActiveEncodings;
// GET /Shows/NextUp; GET /UserItems/Resume and /Users/{userId}/Items/Resume; GET /MediaSegments/{id}.
// With a userId, items carry that user's UserData (user-data.ts); segments.ts holds intros and credits.
//
// This file starts the server and applies faults; routes.ts wires each endpoint to auth.ts (who is
// asking), items.ts (which items), dtos.ts (their JSON shapes), sessions.ts (playback reporting)
// and ranged-files.ts (streams and downloads); library.ts and media.ts hold the catalog and files.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { SimAuth } from './auth.ts';
import { JellyfinDtos, recipeOf } from './dtos.ts';
import { SimFaults, type SimRequestInfo } from './faults.ts';
import { cutAfter, HttpError, lowerQuery, send } from './http.ts';
import { requireItem } from './items.ts';
import { defaultLibraryItems, generateLargeLibrary, SimLibrary, simId } from './library.ts';
import { MediaFactory } from './media.ts';
import { createRoute, type SimRequestRecord, type SimVersion } from './routes.ts';
import { SimSegments } from './segments.ts';
import { type PlaybackReport, type SimSession, SimSessions } from './sessions.ts';
import { SimTranscoding, type SimTranscodingOptions } from './transcoding.ts';
import { SimUserStore } from './user-data.ts';

export interface JellyfinSimOptions {
  apiKey?: string;
  apiKeyName?: string;
  version?: SimVersion;
  legacyAuthorization?: boolean;
  library?: 'default' | 'empty';
  largeCatalog?: number;
  searchLatencyMs?: number;
  mediaCacheDir?: string;
  now?: () => Date;
  port?: number;
  transcoding?: SimTranscodingOptions;
}

export interface JellyfinSim {
  url: string;
  apiKey: string;
  serverId: string;
  library: SimLibrary;
  faults: SimFaults;
  playbackReports: PlaybackReport[];
  requests: SimRequestRecord[];
  sessions(): SimSession[];
  dashboardVisible(session: SimSession): boolean;
  mediaFile(itemId: string): Promise<string>;
  /** Users and what each watched (user data, Next Up, Resume). */
  users: SimUserStore;
  /** Media segments (intro, credits) per item. */
  segments: SimSegments;
  /** The transcodes asked for (transcoding.ts). */
  transcoding: SimTranscoding;
  /** With `transcoding.prepareAhead`: makes the rendition a transcode address asks for, before it is read. */
  prepareTranscode(transcodeUrl: string): Promise<void>;
  stop(): Promise<void>;
}

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

export async function startJellyfinSim(options: JellyfinSimOptions = {}): Promise<JellyfinSim> {
  const apiKey = options.apiKey ?? randomBytes(16).toString('hex');
  const version = options.version ?? '12.0';
  const now = options.now ?? (() => new Date());
  const serverId = simId(`server:${apiKey}`);
  const library = new SimLibrary(now);
  if ((options.library ?? 'default') === 'default') library.load(defaultLibraryItems());
  if (options.largeCatalog) library.load(generateLargeLibrary(options.largeCatalog));
  const media = new MediaFactory(
    options.mediaCacheDir ?? process.env.ORB_SIM_MEDIA_DIR ?? `${projectRoot}.cache/sim-media`,
  );
  const dtos = new JellyfinDtos(library, media, serverId);
  const sessions = new SimSessions({ now, serverId, library, dtos });
  const faults = new SimFaults();
  const users = new SimUserStore(library, now);
  const segments = new SimSegments(library);
  const transcoding = new SimTranscoding(media, options.transcoding);
  const requests: SimRequestRecord[] = [];
  const pendingTimers = new Set<NodeJS.Timeout>();

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        pendingTimers.delete(timer);
        resolve();
      }, ms);
      timer.unref();
      pendingTimers.add(timer);
    });

  let serverUrl = '';
  const route = createRoute({
    version,
    serverId,
    url: () => serverUrl,
    searchLatencyMs: options.searchLatencyMs,
    library,
    media,
    auth: new SimAuth({
      apiKey,
      apiKeyName: options.apiKeyName ?? 'Orb Watch Party',
      serverId,
      version,
      legacy: options.legacyAuthorization ?? version !== '12.0',
    }),
    dtos,
    sessions,
    users,
    segments,
    transcoding,
    sleep,
  });

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const info: SimRequestInfo = {
      method: request.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
    };
    const safeQuery = Object.fromEntries(
      [...url.searchParams].filter(([key]) => !['apikey', 'api_key'].includes(key.toLowerCase())),
    );
    const record: SimRequestRecord = {
      method: info.method,
      path: info.path,
      query: safeQuery,
      auth: null,
      deviceId: null,
      range: request.headers.range ?? null,
    };
    requests.push(record);
    void (async () => {
      const fault = faults.take(info);
      if (fault.latencyMs) await sleep(fault.latencyMs);
      if (response.destroyed || closing) return;
      if (fault.dropConnection) {
        request.socket.destroy();
        return;
      }
      if (fault.status) {
        send(response, fault.status, { message: `Simulated failure (HTTP ${fault.status})` });
        return;
      }
      if (fault.dropAfterBytes !== undefined) cutAfter(response, fault.dropAfterBytes);
      await route(request, response, url.pathname, lowerQuery(url.searchParams), record);
    })().catch((error: unknown) => {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      const status = error instanceof HttpError ? error.status : 500;
      const message = error instanceof HttpError ? error.message : 'Internal simulator error.';
      if (status === 401) response.writeHead(401, { 'Content-Length': 0 }).end();
      else send(response, status, { message });
    });
  });

  let closing = false;
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: serverUrl,
    apiKey,
    serverId,
    library,
    faults,
    playbackReports: sessions.reports,
    requests,
    sessions: () => sessions.list(),
    dashboardVisible: (session) => sessions.dashboardVisible(session),
    users,
    segments,
    transcoding,
    prepareTranscode: async (transcodeUrl) => {
      const url = new URL(transcodeUrl);
      const itemId = /\/videos\/([^/]+)\/stream\.ts$/i.exec(url.pathname)?.[1];
      if (!itemId) throw new Error('not a transcode address (/Videos/{id}/stream.ts)');
      await transcoding.prepare(recipeOf(requireItem(library, itemId)), lowerQuery(url.searchParams));
    },
    mediaFile: async (itemId) => (await media.media(recipeOf(requireItem(library, itemId)))).path,
    stop: async () => {
      closing = true;
      for (const timer of pendingTimers) clearTimeout(timer);
      pendingTimers.clear();
      transcoding.endAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
