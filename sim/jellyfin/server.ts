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
//
// What it returns (JellyfinSim): url, apiKey, stop(), library (add/update/remove items; each write
// stamps DateLastSaved), faults (set({path, latencyMs, status, dropConnection, dropAfterBytes,
// times}) / clear()), playbackReports (every Sessions/Playing* call with its device), sessions()
// (like GET /Sessions), dashboardVisible(session), requests (method, path, query, Range header,
// auth scheme and DeviceId of every request; the key is never stored), mediaFile(itemId) (generate
// and return the file path). `node sim/jellyfin/main.ts` runs it on its own.
//
// Endpoints: GET /System/Info/Public, /System/Ping; GET /Items (searchTerm, ids, includeItemTypes,
// recursive, startIndex, limit, sortBy, sortOrder, minDateLastSaved, isMissing, fields,
// enableImages, enableTotalRecordCount); GET /Items/{id} (needs userId with an API key, else 404);
// GET /Search/Hints; GET /Shows/{id}/Seasons, /Shows/{id}/Episodes; GET|POST /Items/{id}/PlaybackInfo;
// GET|HEAD /Videos/{id}/stream[.ext]?static=true and /Items/{id}/Download (Range, 206, 416);
// GET /Items/{id}/Images/Primary (anonymous); POST /Sessions/Playing[/Progress|/Stopped|/Ping],
// /Sessions/Capabilities/Full; GET /Sessions.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { SimFaults, type SimRequestInfo } from './faults.ts';
import { defaultLibraryItems, generateLargeLibrary, type SimItem, SimLibrary, simId } from './library.ts';
import { containerOf, fallbackRecipe, type GeneratedMedia, MediaFactory, type ProbeStream } from './media.ts';

export type SimVersion = '10.10' | '10.11' | '12.0';

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
}

export interface PlaybackReport {
  kind: 'start' | 'progress' | 'stopped' | 'ping';
  client: string;
  device: string;
  deviceId: string;
  body: Record<string, unknown>;
  at: string;
}

export interface SimSession {
  Id: string;
  Client: string;
  DeviceId: string;
  DeviceName: string;
  ApplicationVersion: string;
  UserId: string;
  LastActivityDate: string;
  LastPlaybackCheckIn: string;
  NowPlayingItem?: Record<string, unknown>;
  PlayState: Record<string, unknown>;
  IsActive: boolean;
  SupportsMediaControl: boolean;
  SupportsRemoteControl: boolean;
  ServerId: string;
}

export interface SimRequestRecord {
  method: string;
  path: string;
  /** The query without any key parameter. */
  query: Record<string, string>;
  /** How the request authenticated: 'MediaBrowser', 'legacy', 'ApiKey' query, or null. */
  auth: 'MediaBrowser' | 'legacy' | 'ApiKey' | null;
  deviceId: string | null;
  /** The Range header, for stream requests. */
  range: string | null;
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
  stop(): Promise<void>;
}

const emptyGuid = '00000000000000000000000000000000';
const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

interface AuthContext {
  scheme: SimRequestRecord['auth'];
  token: string | null;
  client: string;
  device: string;
  deviceId: string;
  version: string;
}

/** Jellyfin's header grammar: `Scheme Key="value", …`, values URL-decoded. */
function parseAuthorizationFields(value: string): { scheme: string; fields: Record<string, string> } | null {
  const space = value.indexOf(' ');
  if (space <= 0) return null;
  const fields: Record<string, string> = {};
  for (const match of value.slice(space + 1).matchAll(/([A-Za-z]+)="([^"]*)"/g)) {
    const [, key, raw] = match;
    if (!key || raw === undefined) continue;
    try {
      fields[key] = decodeURIComponent(raw);
    } catch {
      fields[key] = raw;
    }
  }
  return { scheme: value.slice(0, space).toLowerCase(), fields };
}

function lowerQuery(query: URLSearchParams): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of query) out.set(key.toLowerCase(), value);
  return out;
}

function listParam(query: Map<string, string>, name: string): string[] {
  return (query.get(name.toLowerCase()) ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

function boolParam(query: Map<string, string>, name: string): boolean | undefined {
  const value = query.get(name.toLowerCase());
  return value === undefined ? undefined : value.toLowerCase() === 'true';
}

function intParam(query: Map<string, string>, name: string): number | undefined {
  const value = query.get(name.toLowerCase());
  if (value === undefined) return undefined;
  const parsed = Number.parseInt(value, 10);
  if (!Number.isFinite(parsed) || parsed < 0)
    throw new HttpError(400, `The value '${value}' is not valid for ${name}.`);
  return parsed;
}

function cleanName(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

const itemKinds = new Set(['Movie', 'Series', 'Season', 'Episode', 'BoxSet', 'Video', 'Folder']);
const ticks = (seconds: number) => Math.round(seconds * 10_000_000);

const containerMime: Record<string, string> = { mp4: 'video/mp4', mkv: 'video/x-matroska' };
const textSubtitleCodecs = new Set(['subrip', 'srt', 'ass', 'ssa', 'webvtt', 'mov_text']);

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function frameRate(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const [num, den] = value.split('/').map(Number);
  return num && den ? Math.round((num / den) * 1000) / 1000 : undefined;
}

function mediaStream(stream: ProbeStream): Record<string, unknown> {
  const type = stream.codec_type === 'subtitle' ? 'Subtitle' : capitalize(stream.codec_type ?? 'data');
  const language = stream.tags?.language;
  const codec = stream.codec_name ?? 'unknown';
  const isDefault = stream.disposition?.default === 1;
  const isForced = stream.disposition?.forced === 1;
  const label = [language ?? 'Undefined', codec.toUpperCase(), isDefault ? 'Default' : null].filter(Boolean);
  return {
    Codec: codec,
    Type: type,
    Index: stream.index,
    Language: language,
    Width: stream.width,
    Height: stream.height,
    Channels: stream.channels,
    ChannelLayout: stream.channel_layout,
    SampleRate: stream.sample_rate ? Number(stream.sample_rate) : undefined,
    AverageFrameRate: frameRate(stream.avg_frame_rate),
    RealFrameRate: frameRate(stream.r_frame_rate),
    IsDefault: isDefault,
    IsForced: isForced,
    IsExternal: false,
    IsTextSubtitleStream: type === 'Subtitle' && textSubtitleCodecs.has(codec),
    SupportsExternalStream: type === 'Subtitle' && textSubtitleCodecs.has(codec),
    DisplayTitle: label.join(' - '),
  };
}

/** JSON.stringify drops undefined properties, which is Jellyfin's "nulls left out". */
function send(response: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    response.writeHead(status).end();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}

/** Lets `limit` body bytes through, then destroys the socket: a connection lost mid-answer. */
function cutAfter(response: ServerResponse, limit: number): void {
  let sent = 0;
  const write = response.write.bind(response) as (chunk: Buffer, callback?: () => void) => boolean;
  const end = response.end.bind(response) as (chunk?: Buffer) => ServerResponse;
  const pass = (chunk: unknown): boolean => {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return true;
    if (sent > limit) return false;
    const bytes = Buffer.from(chunk as Uint8Array | string);
    const room = limit - sent;
    sent += bytes.length;
    if (sent <= limit) return write(bytes);
    // Flush what fits (headers included), then cut the connection.
    write(bytes.subarray(0, room), () => response.socket?.destroy());
    return false;
  };
  response.write = ((chunk: unknown) => pass(chunk)) as typeof response.write;
  response.end = ((chunk?: unknown) => {
    if (pass(chunk)) end();
    return response;
  }) as typeof response.end;
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return {};
  try {
    const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    throw new HttpError(400, 'The request body is not valid JSON.');
  }
}

export async function startJellyfinSim(options: JellyfinSimOptions = {}): Promise<JellyfinSim> {
  const apiKey = options.apiKey ?? randomBytes(16).toString('hex');
  const apiKeyName = options.apiKeyName ?? 'Orb Watch Party';
  const version = options.version ?? '12.0';
  const legacy = options.legacyAuthorization ?? version !== '12.0';
  const now = options.now ?? (() => new Date());
  const serverId = simId(`server:${apiKey}`);
  const library = new SimLibrary(now);
  if ((options.library ?? 'default') === 'default') library.load(defaultLibraryItems());
  if (options.largeCatalog) library.load(generateLargeLibrary(options.largeCatalog));
  const media = new MediaFactory(
    options.mediaCacheDir ?? process.env.ORB_SIM_MEDIA_DIR ?? `${projectRoot}.cache/sim-media`,
  );
  const faults = new SimFaults();
  const playbackReports: PlaybackReport[] = [];
  const requests: SimRequestRecord[] = [];
  const sessionsByKey = new Map<string, SimSession>();
  const pendingTimers = new Set<NodeJS.Timeout>();
  const keyBuffer = Buffer.from(apiKey);

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        pendingTimers.delete(timer);
        resolve();
      }, ms);
      timer.unref();
      pendingTimers.add(timer);
    });

  function validKey(token: string | null): boolean {
    if (!token) return false;
    const candidate = Buffer.from(token);
    // Compare in constant time; unequal lengths still do one comparison.
    return candidate.length === keyBuffer.length
      ? timingSafeEqual(candidate, keyBuffer)
      : !timingSafeEqual(keyBuffer, keyBuffer);
  }

  function authenticate(request: IncomingMessage, query: Map<string, string>): AuthContext {
    const context: AuthContext = {
      scheme: null,
      token: null,
      client: apiKeyName,
      device: 'Unknown',
      deviceId: serverId,
      version: version,
    };
    const header =
      request.headers.authorization ?? (legacy ? request.headers['x-emby-authorization'] : undefined);
    const parsed = typeof header === 'string' ? parseAuthorizationFields(header) : null;
    if (parsed && (parsed.scheme === 'mediabrowser' || (legacy && parsed.scheme === 'emby'))) {
      context.scheme =
        parsed.scheme === 'mediabrowser' && request.headers.authorization ? 'MediaBrowser' : 'legacy';
      context.token = parsed.fields.Token ?? null;
      context.device = parsed.fields.Device ?? context.device;
      context.deviceId = parsed.fields.DeviceId ?? context.deviceId;
      context.version = parsed.fields.Version ?? context.version;
    }
    if (!context.token && legacy) {
      const legacyToken = request.headers['x-emby-token'] ?? request.headers['x-mediabrowser-token'];
      if (typeof legacyToken === 'string') {
        context.token = legacyToken;
        context.scheme = 'legacy';
      }
    }
    if (!context.token && query.has('apikey')) {
      context.token = query.get('apikey') ?? null;
      context.scheme = 'ApiKey';
    }
    if (!context.token && legacy && query.has('api_key')) {
      context.token = query.get('api_key') ?? null;
      context.scheme = 'legacy';
    }
    return context;
  }

  function imageFields(item: SimItem, enableImages: boolean): Record<string, unknown> {
    if (!enableImages) return {};
    const series = item.seriesId ? library.get(item.seriesId) : undefined;
    return {
      ImageTags: item.imageTag ? { Primary: item.imageTag } : {},
      SeriesPrimaryImageTag: series?.imageTag,
    };
  }

  function itemDto(item: SimItem, fields: Set<string>, enableImages = true): Record<string, unknown> {
    const playable = item.type === 'Movie' || item.type === 'Episode';
    return {
      Name: item.name,
      ServerId: serverId,
      Id: item.id,
      OriginalTitle: fields.has('originaltitle') ? item.originalTitle : undefined,
      Overview: fields.has('overview') ? item.overview : undefined,
      ProviderIds: fields.has('providerids') ? (item.providerIds ?? {}) : undefined,
      DateLastSaved: fields.has('datelastsaved') ? item.dateLastSaved : undefined,
      Container: playable ? containerOf(recipeOf(item)) : undefined,
      PremiereDate: item.year ? `${item.year}-01-01T00:00:00.0000000Z` : undefined,
      RunTimeTicks: item.runtimeSeconds ? ticks(item.runtimeSeconds) : undefined,
      ProductionYear: item.year,
      IndexNumber: item.indexNumber,
      ParentIndexNumber: item.parentIndexNumber,
      IsFolder: !playable,
      Type: item.type,
      SeriesName: item.seriesName,
      SeriesId: item.seriesId,
      SeasonId: item.seasonId,
      SeasonName: item.seasonName,
      ...imageFields(item, enableImages),
      LocationType: item.locationType ?? 'FileSystem',
      VideoType: playable ? 'VideoFile' : undefined,
      MediaType: playable ? 'Video' : 'Unknown',
    };
  }

  function requireItem(id: string): SimItem {
    const item = library.get(id);
    if (!item) throw new HttpError(404, 'Item not found.');
    return item;
  }

  function recipeOf(item: SimItem) {
    return item.media ?? fallbackRecipe;
  }

  async function mediaSource(item: SimItem): Promise<Record<string, unknown>> {
    const file: GeneratedMedia = await media.media(recipeOf(item));
    const streams = file.probe.streams.map(mediaStream);
    const firstAudio = streams.find((stream) => stream.Type === 'Audio');
    const duration = Number(file.probe.format.duration ?? item.runtimeSeconds ?? 0);
    return {
      Protocol: 'File',
      Id: item.id,
      Path: `/media/${item.type === 'Episode' ? 'shows' : 'movies'}/${item.name}.${file.container}`,
      Type: 'Default',
      Container: file.container,
      Size: file.size,
      Name: item.name,
      IsRemote: false,
      RunTimeTicks: ticks(duration),
      SupportsTranscoding: true,
      SupportsDirectStream: true,
      SupportsDirectPlay: true,
      IsInfiniteStream: false,
      RequiresOpening: false,
      RequiresClosing: false,
      VideoType: 'VideoFile',
      Bitrate: Number(file.probe.format.bit_rate ?? 0) || undefined,
      DefaultAudioStreamIndex: firstAudio?.Index,
      DefaultSubtitleStreamIndex: -1,
      RequiredHttpHeaders: {},
      MediaStreams: streams,
    };
  }

  function filterItems(query: Map<string, string>): SimItem[] {
    const ids = new Set(listParam(query, 'ids').map((id) => id.replaceAll('-', '').toLowerCase()));
    const recursive = boolParam(query, 'recursive') === true;
    // Without `recursive` (and without ids) only the root folders answer: nothing useful.
    if (!recursive && ids.size === 0) return [];
    const types = new Set(listParam(query, 'includeItemTypes').filter((type) => itemKinds.has(type)));
    const excluded = new Set(listParam(query, 'excludeItemTypes'));
    const term = query.get('searchterm');
    const needle = term ? cleanName(term.trim()) : null;
    const minSaved = query.get('mindatelastsaved');
    const minSavedTime = minSaved ? Date.parse(minSaved) : null;
    if (minSaved && Number.isNaN(minSavedTime)) throw new HttpError(400, 'minDateLastSaved is not a date.');
    const isMissing = boolParam(query, 'isMissing');
    const seriesFilter = query.get('parentid')?.replaceAll('-', '').toLowerCase();
    let items = library
      .sorted()
      .filter(
        (item) =>
          (ids.size === 0 || ids.has(item.id)) &&
          (types.size === 0 || types.has(item.type)) &&
          !excluded.has(item.type) &&
          (!seriesFilter || item.seriesId === seriesFilter || item.seasonId === seriesFilter) &&
          (isMissing === undefined || (item.locationType === 'Virtual') === isMissing) &&
          (minSavedTime === null || Date.parse(item.dateLastSaved) >= minSavedTime) &&
          (needle === null ||
            cleanName(item.name).includes(needle) ||
            cleanName(item.originalTitle ?? '').includes(needle)),
      );
    const sortBy = listParam(query, 'sortBy')[0]?.toLowerCase();
    if (sortBy === 'datelastsaved' || sortBy === 'datecreated') {
      items = [...items].sort(
        (a, b) => a.dateLastSaved.localeCompare(b.dateLastSaved) || a.id.localeCompare(b.id),
      );
    }
    if (query.get('sortorder')?.toLowerCase() === 'descending') items = [...items].reverse();
    return items;
  }

  function queryResult(all: SimItem[], query: Map<string, string>, mapItem: (item: SimItem) => unknown) {
    const start = intParam(query, 'startIndex') ?? 0;
    const limit = intParam(query, 'limit');
    const page = all.slice(start, limit === undefined ? undefined : start + limit);
    const countAll = boolParam(query, 'enableTotalRecordCount') !== false;
    return {
      Items: page.map(mapItem),
      TotalRecordCount: countAll ? all.length : page.length,
      StartIndex: start,
    };
  }

  function fieldsOf(query: Map<string, string>): Set<string> {
    return new Set(listParam(query, 'fields').map((field) => field.toLowerCase()));
  }

  function touchSession(auth: AuthContext): SimSession {
    const key = `${auth.client}\u0000${auth.deviceId}`;
    const at = now().toISOString();
    let session = sessionsByKey.get(key);
    if (!session) {
      session = {
        Id: simId(`session:${key}`),
        Client: auth.client,
        DeviceId: auth.deviceId,
        DeviceName: auth.device,
        ApplicationVersion: auth.version,
        UserId: emptyGuid,
        LastActivityDate: at,
        LastPlaybackCheckIn: at,
        PlayState: { CanSeek: false, IsPaused: false, IsMuted: false, RepeatMode: 'RepeatNone' },
        IsActive: true,
        SupportsMediaControl: false,
        SupportsRemoteControl: false,
        ServerId: serverId,
      };
      sessionsByKey.set(key, session);
    }
    session.DeviceName = auth.device;
    session.LastActivityDate = at;
    return session;
  }

  async function report(kind: PlaybackReport['kind'], request: IncomingMessage, auth: AuthContext) {
    const body = kind === 'ping' ? {} : await readJson(request);
    playbackReports.push({
      kind,
      client: auth.client,
      device: auth.device,
      deviceId: auth.deviceId,
      body,
      at: now().toISOString(),
    });
    const session = touchSession(auth);
    if (kind === 'ping') return;
    session.LastPlaybackCheckIn = session.LastActivityDate;
    const itemId = typeof body.ItemId === 'string' ? body.ItemId : null;
    const item = itemId ? library.get(itemId) : undefined;
    if (kind === 'stopped') {
      delete session.NowPlayingItem;
      session.PlayState = { CanSeek: false, IsPaused: false, IsMuted: false, RepeatMode: 'RepeatNone' };
      return;
    }
    if (item) session.NowPlayingItem = itemDto(item, new Set(), false);
    session.PlayState = {
      PositionTicks: body.PositionTicks,
      CanSeek: body.CanSeek === true,
      IsPaused: body.IsPaused === true,
      IsMuted: body.IsMuted === true,
      MediaSourceId: body.MediaSourceId,
      PlayMethod: body.PlayMethod === 'Transcode' ? 'DirectPlay' : body.PlayMethod,
      RepeatMode: 'RepeatNone',
    };
  }

  function dashboardVisible(session: SimSession): boolean {
    const recent = now().getTime() - Date.parse(session.LastActivityDate) <= 95_000;
    return recent && (session.NowPlayingItem !== undefined || session.UserId !== emptyGuid);
  }

  async function serveFile(
    request: IncomingMessage,
    response: ServerResponse,
    item: SimItem,
    attachment: boolean,
  ): Promise<void> {
    const file = await media.media(recipeOf(item));
    const headers: Record<string, string | number> = {
      'Content-Type': containerMime[file.container] ?? 'application/octet-stream',
      'Accept-Ranges': 'bytes',
    };
    if (attachment) headers['Content-Disposition'] = `attachment; filename="${item.id}.${file.container}"`;
    let start = 0;
    let end = file.size - 1;
    let status = 200;
    const range = request.headers.range;
    if (range) {
      const match = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
      const from = match?.[1] ? Number(match[1]) : null;
      const to = match?.[2] ? Number(match[2]) : null;
      if (!match || (from === null && to === null) || (from !== null && from >= file.size)) {
        response.writeHead(416, { 'Content-Range': `bytes */${file.size}` }).end();
        return;
      }
      if (from === null) start = Math.max(0, file.size - (to ?? 0));
      else {
        start = from;
        end = to === null ? end : Math.min(to, end);
      }
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${file.size}`;
    }
    headers['Content-Length'] = end - start + 1;
    response.writeHead(status, headers);
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    createReadStream(file.path, { start, end }).pipe(response);
  }

  async function route(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    query: Map<string, string>,
    record: SimRequestRecord,
  ): Promise<void> {
    const method = request.method ?? 'GET';
    const lower = path.toLowerCase();
    // Anonymous endpoints first, as in Jellyfin.
    if (method === 'GET' && lower === '/system/info/public') {
      return send(response, 200, {
        LocalAddress: serverUrl,
        ServerName: 'Orb Jellyfin Simulator',
        Version: version === '12.0' ? '12.0.0' : `${version}.11`,
        ProductName: 'Jellyfin Server',
        OperatingSystem: '',
        Id: serverId,
        StartupWizardCompleted: true,
      });
    }
    if (lower === '/system/ping') {
      response.writeHead(200, { 'Content-Type': 'application/json' }).end('"Jellyfin Server"');
      return;
    }
    const image = /^\/items\/([^/]+)\/images\/primary$/i.exec(path);
    if (method === 'GET' && image?.[1]) {
      const item = requireItem(image[1]);
      if (!item.imageTag) throw new HttpError(404, 'No image of that type.');
      const poster = await media.poster();
      response.writeHead(200, { 'Content-Type': 'image/jpeg' });
      createReadStream(poster).pipe(response);
      return;
    }

    const auth = authenticate(request, query);
    record.auth = auth.scheme;
    record.deviceId = auth.scheme ? auth.deviceId : null;
    if (!validKey(auth.token)) throw new HttpError(401, 'Unauthorized');

    if (method === 'GET' && lower === '/items') {
      if (query.has('searchterm') && options.searchLatencyMs) await sleep(options.searchLatencyMs);
      const fields = fieldsOf(query);
      const images = boolParam(query, 'enableImages') !== false;
      return send(
        response,
        200,
        queryResult(filterItems(query), query, (item) => itemDto(item, fields, images)),
      );
    }
    if (method === 'GET' && lower === '/search/hints') {
      if (options.searchLatencyMs) await sleep(options.searchLatencyMs);
      if (!query.get('searchterm')) throw new HttpError(400, 'The searchTerm field is required.');
      const found = filterItems(new Map([...query, ['recursive', 'true']]));
      const limit = intParam(query, 'limit') ?? found.length;
      return send(response, 200, {
        SearchHints: found.slice(0, limit).map((item) => ({
          ItemId: item.id,
          Id: item.id,
          Name: item.name,
          Type: item.type,
          ProductionYear: item.year,
          IndexNumber: item.indexNumber,
          ParentIndexNumber: item.parentIndexNumber,
          Series: item.seriesName,
          RunTimeTicks: item.runtimeSeconds ? ticks(item.runtimeSeconds) : undefined,
          PrimaryImageTag: item.imageTag,
        })),
        TotalRecordCount: found.length,
      });
    }
    const single = /^\/(?:users\/([^/]+)\/)?items\/([^/]+)$/i.exec(path);
    if (method === 'GET' && single?.[2]) {
      // An API key has no user: without userId Jellyfin looks up the empty user and answers 404.
      if (!single[1] && !query.get('userid')) throw new HttpError(404, 'Item not found.');
      const item = requireItem(single[2]);
      const dto = itemDto(item, new Set(['overview', 'providerids', 'originaltitle', 'datelastsaved']));
      const playable = item.type === 'Movie' || item.type === 'Episode';
      return send(response, 200, playable ? { ...dto, MediaSources: [await mediaSource(item)] } : dto);
    }
    const shows = /^\/shows\/([^/]+)\/(seasons|episodes)$/i.exec(path);
    if (method === 'GET' && shows?.[1] && shows[2]) {
      const series = requireItem(shows[1]);
      if (series.type !== 'Series') throw new HttpError(404, 'Series not found.');
      const wantSeasons = shows[2].toLowerCase() === 'seasons';
      const seasonId = query.get('seasonid')?.replaceAll('-', '').toLowerCase();
      const seasonNumber = intParam(query, 'season');
      const isMissing = boolParam(query, 'isMissing');
      const children = library
        .sorted()
        .filter(
          (item) =>
            item.seriesId === series.id &&
            item.type === (wantSeasons ? 'Season' : 'Episode') &&
            (!seasonId || item.seasonId === seasonId) &&
            (seasonNumber === undefined || item.parentIndexNumber === seasonNumber) &&
            (isMissing === undefined || (item.locationType === 'Virtual') === isMissing),
        )
        .sort(
          (a, b) =>
            (a.parentIndexNumber ?? 0) - (b.parentIndexNumber ?? 0) ||
            (a.indexNumber ?? 0) - (b.indexNumber ?? 0),
        );
      const fields = fieldsOf(query);
      const images = boolParam(query, 'enableImages') !== false;
      return send(
        response,
        200,
        queryResult(children, query, (item) => itemDto(item, fields, images)),
      );
    }
    const playbackInfo = /^\/items\/([^/]+)\/playbackinfo$/i.exec(path);
    if ((method === 'GET' || method === 'POST') && playbackInfo?.[1]) {
      const item = requireItem(playbackInfo[1]);
      if (method === 'POST') await readJson(request);
      const playable = item.type === 'Movie' || item.type === 'Episode';
      return send(response, 200, {
        MediaSources: playable ? [await mediaSource(item)] : [],
        PlaySessionId: randomBytes(16).toString('hex'),
      });
    }
    const stream = /^\/videos\/([^/]+)\/stream(?:\.[a-z0-9]+)?$/i.exec(path);
    if ((method === 'GET' || method === 'HEAD') && stream?.[1]) {
      const item = requireItem(stream[1]);
      if (query.get('static')?.toLowerCase() !== 'true') {
        throw new HttpError(400, 'The simulator serves static streams only (static=true).');
      }
      const sourceId = query.get('mediasourceid')?.replaceAll('-', '').toLowerCase();
      if (sourceId && sourceId !== item.id) throw new HttpError(404, 'Media source not found.');
      if (item.type !== 'Movie' && item.type !== 'Episode') throw new HttpError(400, 'Not a playable item.');
      return serveFile(request, response, item, false);
    }
    const download = /^\/items\/([^/]+)\/download$/i.exec(path);
    if ((method === 'GET' || method === 'HEAD') && download?.[1]) {
      const item = requireItem(download[1]);
      if (item.type !== 'Movie' && item.type !== 'Episode') throw new HttpError(400, 'Not a playable item.');
      return serveFile(request, response, item, true);
    }
    if (method === 'POST') {
      const kinds: Record<string, PlaybackReport['kind']> = {
        '/sessions/playing': 'start',
        '/sessions/playing/progress': 'progress',
        '/sessions/playing/stopped': 'stopped',
        '/sessions/playing/ping': 'ping',
      };
      const kind = kinds[lower];
      if (kind) {
        await report(kind, request, auth);
        return send(response, 204);
      }
      if (lower === '/sessions/capabilities/full') {
        await readJson(request);
        touchSession(auth);
        return send(response, 204);
      }
    }
    if (method === 'GET' && lower === '/sessions') {
      const within = intParam(query, 'activeWithinSeconds');
      const deviceId = query.get('deviceid');
      const cutoff = within === undefined ? null : now().getTime() - within * 1000;
      return send(
        response,
        200,
        [...sessionsByKey.values()].filter(
          (session) =>
            (!deviceId || session.DeviceId === deviceId) &&
            (cutoff === null || Date.parse(session.LastActivityDate) >= cutoff),
        ),
      );
    }
    throw new HttpError(404, 'Not found.');
  }

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
  const serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: serverUrl,
    apiKey,
    serverId,
    library,
    faults,
    playbackReports,
    requests,
    sessions: () => [...sessionsByKey.values()],
    dashboardVisible,
    mediaFile: async (itemId) => (await media.media(recipeOf(requireItem(itemId)))).path,
    stop: async () => {
      closing = true;
      for (const timer of pendingTimers) clearTimeout(timer);
      pendingTimers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
