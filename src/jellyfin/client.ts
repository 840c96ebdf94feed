// A small hand-written Jellyfin client: native fetch, a deadline on every call, zod on every answer,
// and the MediaBrowser Authorization header as the only credential (never a key in a URL). Failures
// come out as the typed errors of ./errors.ts.
import type { z } from 'zod';
import { type MediaBrowserIdentity, mediaBrowserAuthorization } from '../media/jellyfin-auth-header.ts';
import {
  JellyfinError,
  JellyfinNotFoundError,
  JellyfinUnauthorizedError,
  JellyfinUnexpectedResponseError,
  JellyfinUnreachableError,
} from './errors.ts';
import { observeJellyfinRequest } from './request-timing.ts';
import {
  type ItemsResult,
  itemsResultSchema,
  type PlaybackInfo,
  type PublicSystemInfo,
  playbackInfoSchema,
  publicSystemInfoSchema,
} from './schemas.ts';
import {
  type JellyfinUser,
  type MediaSegmentsResult,
  mediaSegmentsResultSchema,
  type UserItemData,
  userItemDataSchema,
  usersSchema,
} from './user-schemas.ts';

export const DEFAULT_TIMEOUT_MS = 10_000;

export interface JellyfinClientOptions {
  /** Server root, e.g. `http://jellyfin:8096` (a path prefix such as `/jellyfin` is kept). */
  baseUrl: string;
  apiKey: string;
  /** Stable id of this client in Jellyfin's session list. */
  deviceId?: string;
  identity?: MediaBrowserIdentity;
  /** Deadline for a call that sets none of its own. */
  timeoutMs?: number;
}

export interface CallOptions {
  timeoutMs?: number;
  /** Lets the caller give up early (e.g. an autocomplete that is already answered). */
  signal?: AbortSignal;
}

type QueryValue = string | number | boolean | readonly string[] | null | undefined;
export type Query = Record<string, QueryValue>;

/** Parameters of `GET /Items`; names as Jellyfin spells them. */
export interface ItemsQuery extends Query {
  searchTerm?: string;
  ids?: readonly string[];
  includeItemTypes?: readonly string[];
  fields?: readonly string[];
  recursive?: boolean;
  startIndex?: number;
  limit?: number;
  sortBy?: readonly string[];
  sortOrder?: 'Ascending' | 'Descending';
  minDateLastSaved?: string;
  isMissing?: boolean;
  enableImages?: boolean;
  enableUserData?: boolean;
  enableTotalRecordCount?: boolean;
}

export type PlaybackReportKind = 'start' | 'progress' | 'stopped';
const reportRoutes: Record<PlaybackReportKind, string> = {
  start: '/Sessions/Playing',
  progress: '/Sessions/Playing/Progress',
  stopped: '/Sessions/Playing/Stopped',
};

function describeNetworkFailure(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  switch (cause?.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection dropped';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connection timed out';
    default:
      return 'network error';
  }
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length > 0 ? issue.path.join('.') : 'body';
  return `${where} ${issue.message}`;
}

export class JellyfinClient {
  readonly baseUrl: string;
  readonly #apiKey: string;
  readonly #deviceId: string;
  readonly #identity: MediaBrowserIdentity;
  readonly #timeoutMs: number;

  constructor(options: JellyfinClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#apiKey = options.apiKey;
    this.#deviceId = options.deviceId ?? 'orb-watch-party';
    this.#identity = options.identity ?? {};
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** The same server and key seen as another device (one per party, for the dashboard). */
  asDevice(deviceId: string, device: string): JellyfinClient {
    return new JellyfinClient({
      baseUrl: this.baseUrl,
      apiKey: this.#apiKey,
      deviceId,
      identity: { ...this.#identity, device },
      timeoutMs: this.#timeoutMs,
    });
  }

  publicInfo(options?: CallOptions): Promise<PublicSystemInfo> {
    return this.#getJson('/System/Info/Public', {}, publicSystemInfoSchema, options);
  }

  /** The same fields as publicInfo, but behind the API key: an answer proves the key works. */
  systemInfo(options?: CallOptions): Promise<PublicSystemInfo> {
    return this.#getJson('/System/Info', {}, publicSystemInfoSchema, options);
  }

  items(query: ItemsQuery, options?: CallOptions): Promise<ItemsResult> {
    return this.#getJson('/Items', query, itemsResultSchema, options);
  }

  /** A series' episodes in aired order, optionally one season's (by season id). */
  episodes(
    seriesId: string,
    query: { seasonId?: string; fields?: readonly string[]; isMissing?: boolean } = {},
    options?: CallOptions,
  ): Promise<ItemsResult> {
    return this.#getJson(
      `/Shows/${encodeURIComponent(seriesId)}/Episodes`,
      { enableImages: false, enableUserData: false, ...query },
      itemsResultSchema,
      options,
    );
  }

  users(options?: CallOptions): Promise<JellyfinUser[]> {
    return this.#getJson('/Users', {}, usersSchema, options);
  }

  /** The episode a user watches next in a series (Jellyfin's Next Up; specials never come up). */
  nextUp(
    userId: string,
    seriesId: string,
    query: { fields?: readonly string[] } = {},
    options?: CallOptions,
  ): Promise<ItemsResult> {
    return this.#getJson(
      '/Shows/NextUp',
      { userId, seriesId, limit: 1, enableImages: false, enableUserData: false, ...query },
      itemsResultSchema,
      options,
    );
  }

  /** One user's watch state of an item (10.10+ route). */
  userData(userId: string, itemId: string, options?: CallOptions): Promise<UserItemData> {
    return this.#getJson(
      `/UserItems/${encodeURIComponent(itemId)}/UserData`,
      { userId },
      userItemDataSchema,
      options,
    );
  }

  /** Saves a user's position (and last-played time) in an item; the rest of its state is kept. */
  async saveUserData(
    userId: string,
    itemId: string,
    data: UserItemData,
    options?: CallOptions,
  ): Promise<void> {
    await this.#send('POST', `/UserItems/${encodeURIComponent(itemId)}/UserData`, { userId }, data, options);
  }

  /** Marks an item played for a user: one more play, position back to the start. */
  async markPlayed(userId: string, itemId: string, options?: CallOptions): Promise<void> {
    await this.#send('POST', `/UserPlayedItems/${encodeURIComponent(itemId)}`, { userId }, {}, options);
  }

  /**
   * The parts of an item a player may skip (Jellyfin 10.10+); a server without them answers 404.
   * Unfiltered: Jellyfin binds `includeSegmentTypes` from repeated keys only, never a comma list.
   */
  mediaSegments(itemId: string, options?: CallOptions): Promise<MediaSegmentsResult> {
    return this.#getJson(
      `/MediaSegments/${encodeURIComponent(itemId)}`,
      {},
      mediaSegmentsResultSchema,
      options,
    );
  }

  /**
   * The item's media sources. With `request` (a PlaybackInfoDto: a DeviceProfile and what it allows)
   * it is POSTed, and Jellyfin also says how it would transcode each source for that profile.
   */
  playbackInfo(itemId: string, options?: CallOptions, request?: object): Promise<PlaybackInfo> {
    return this.#getJson(
      `/Items/${encodeURIComponent(itemId)}/PlaybackInfo`,
      {},
      playbackInfoSchema,
      options,
      request,
    );
  }

  async reportPlayback(kind: PlaybackReportKind, body: object, options?: CallOptions): Promise<void> {
    await this.#send('POST', reportRoutes[kind], {}, body, options);
  }

  /** Jellyfin's static stream of one media source: the original bytes, Range-capable. No key inside. */
  streamUrl(itemId: string, mediaSourceId: string): string {
    const query = new URLSearchParams({ static: 'true', mediaSourceId });
    return `${this.baseUrl}/Videos/${encodeURIComponent(itemId)}/stream?${query}`;
  }

  /** An external subtitle file as Jellyfin delivers it, in `format` (srt, ass, ssa, vtt). No key. */
  subtitleUrl(itemId: string, mediaSourceId: string, streamIndex: number, format: string): string {
    const path = [itemId, mediaSourceId, 'Subtitles', String(streamIndex)].map(encodeURIComponent);
    return `${this.baseUrl}/Videos/${path.join('/')}/Stream.${encodeURIComponent(format)}`;
  }

  downloadUrl(itemId: string): string {
    return `${this.baseUrl}/Items/${encodeURIComponent(itemId)}/Download`;
  }

  /** Image URLs are anonymous in Jellyfin, so they are safe to show (no key). */
  imageUrl(itemId: string, tag: string): string {
    const query = new URLSearchParams({ tag, fillWidth: '400', quality: '90' });
    return `${this.baseUrl}/Items/${encodeURIComponent(itemId)}/Images/Primary?${query}`;
  }

  authorizationHeader(): string {
    return mediaBrowserAuthorization(this.#apiKey, this.#deviceId, this.#identity);
  }

  /** GETs `path`, or POSTs `body` to it when there is one, and checks the JSON answer with `schema`. */
  async #getJson<S extends z.ZodType>(
    path: string,
    query: Query,
    schema: S,
    options?: CallOptions,
    body?: object,
  ): Promise<z.output<S>> {
    const text = await this.#send(body ? 'POST' : 'GET', path, query, body, options);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new JellyfinUnexpectedResponseError(path, 200, 'the body is not valid JSON', { cause: error });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new JellyfinUnexpectedResponseError(path, 200, first ? describeIssue(first) : 'invalid body');
    }
    return parsed.data;
  }

  async #send(
    method: 'GET' | 'POST',
    path: string,
    query: Query,
    body: object | undefined,
    options: CallOptions = {},
  ): Promise<string> {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [name, value] of Object.entries(query)) {
      if (value === undefined || value === null) continue;
      url.searchParams.set(name, Array.isArray(value) ? value.join(',') : String(value));
    }
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
    const headers: Record<string, string> = {
      Authorization: this.authorizationHeader(),
      Accept: 'application/json',
    };
    if (body) headers['Content-Type'] = 'application/json';

    const startedMs = performance.now();
    let outcome = 'unreachable';
    try {
      const response = await fetch(url, {
        method,
        headers,
        body: body ? JSON.stringify(body) : undefined,
        signal,
      });
      outcome = String(response.status);
      if (response.status === 401 || response.status === 403) {
        await response.body?.cancel();
        throw new JellyfinUnauthorizedError(path, response.status);
      }
      if (response.status === 404) {
        await response.body?.cancel();
        throw new JellyfinNotFoundError(path);
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new JellyfinUnexpectedResponseError(path, response.status, `HTTP ${response.status}`);
      }
      return await response.text();
    } catch (error) {
      if (deadline.aborted) outcome = 'timeout';
      else if (options.signal?.aborted) outcome = 'aborted';
      if (error instanceof JellyfinError) throw error;
      if (deadline.aborted) {
        throw new JellyfinUnreachableError(path, `no answer within ${timeoutMs} ms`, { cause: error });
      }
      if (options.signal?.aborted) throw error;
      throw new JellyfinUnreachableError(path, describeNetworkFailure(error), { cause: error });
    } finally {
      observeJellyfinRequest(method, path, outcome, startedMs);
    }
  }
}
