// Users and what each has watched, as Jellyfin keeps it: UserItemDataDto per user and item
// (PlaybackPositionTicks, Played, PlayCount, LastPlayedDate), its 10.10 routes (/UserItems/...,
// /UserPlayedItems/...) and the older /Users/{userId}/... forms, Next Up (the episode after the
// last one played, in aired order, specials left out) and Resume (started, not finished, latest first).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { guidParam, HttpError, listParam, type Query, readJson, send } from './http.ts';
import { queryResult, requireItem } from './items.ts';
import { type SimItem, type SimLibrary, simId } from './library.ts';

/** The default users: the one a watch party reports as, and someone else. */
export const defaultUserNames = { party: 'movienight', other: 'alice' } as const;

export interface SimUser {
  id: string;
  name: string;
}

export interface SimUserData {
  PlaybackPositionTicks: number;
  PlayCount: number;
  IsFavorite: boolean;
  Played: boolean;
  LastPlayedDate?: string;
}

const emptyData = (): SimUserData => ({
  PlaybackPositionTicks: 0,
  PlayCount: 0,
  IsFavorite: false,
  Played: false,
});

const ticksPerSecond = 10_000_000;

function isRegularEpisode(item: SimItem): boolean {
  return item.type === 'Episode' && item.locationType !== 'Virtual' && (item.parentIndexNumber ?? 0) > 0;
}

function airedOrder(a: SimItem, b: SimItem): number {
  return (
    (a.parentIndexNumber ?? 0) - (b.parentIndexNumber ?? 0) || (a.indexNumber ?? 0) - (b.indexNumber ?? 0)
  );
}

export class SimUserStore {
  readonly users: SimUser[];
  readonly #library: SimLibrary;
  readonly #now: () => Date;
  readonly #data = new Map<string, SimUserData>();

  constructor(
    library: SimLibrary,
    now: () => Date,
    names: readonly string[] = Object.values(defaultUserNames),
  ) {
    this.#library = library;
    this.#now = now;
    this.users = names.map((name) => ({ id: simId(`user:${name}`), name }));
  }

  byName(name: string): SimUser {
    const user = this.users.find((candidate) => candidate.name === name);
    if (!user) throw new Error(`The simulator has no user named ${name}`);
    return user;
  }

  /** A user's data for an item, as Jellyfin answers it (with ItemId, Key and PlayedPercentage). */
  dto(userId: string, item: SimItem): Record<string, unknown> {
    const data = this.#read(userId, item.id);
    const runtime = item.runtimeSeconds ? item.runtimeSeconds * ticksPerSecond : 0;
    const series = item.type === 'Series' ? this.#seriesState(userId, item) : undefined;
    return {
      ...data,
      ...(series ?? {}),
      PlayedPercentage:
        runtime > 0 && data.PlaybackPositionTicks > 0
          ? (100 * data.PlaybackPositionTicks) / runtime
          : undefined,
      Key: item.id,
      ItemId: item.id,
    };
  }

  /** Sets what a client posts (UpdateUserItemDataDto); fields left out keep their value. */
  update(userId: string, itemId: string, patch: Partial<SimUserData>): void {
    const data = { ...this.#read(userId, itemId) };
    if (typeof patch.PlaybackPositionTicks === 'number')
      data.PlaybackPositionTicks = patch.PlaybackPositionTicks;
    if (typeof patch.PlayCount === 'number') data.PlayCount = patch.PlayCount;
    if (typeof patch.IsFavorite === 'boolean') data.IsFavorite = patch.IsFavorite;
    if (typeof patch.Played === 'boolean') data.Played = patch.Played;
    if (typeof patch.LastPlayedDate === 'string') data.LastPlayedDate = patch.LastPlayedDate;
    this.#data.set(`${userId}:${itemId}`, data);
  }

  /** POST /UserPlayedItems: played once more, position back to the start. */
  markPlayed(userId: string, itemId: string, when: string | undefined): void {
    const data = this.#read(userId, itemId);
    this.#data.set(`${userId}:${itemId}`, {
      ...data,
      Played: true,
      PlayCount: data.PlayCount + 1,
      PlaybackPositionTicks: 0,
      LastPlayedDate: when ?? this.#now().toISOString(),
    });
  }

  /** DELETE /UserPlayedItems: as if never watched. */
  markUnplayed(userId: string, itemId: string): void {
    const data = this.#read(userId, itemId);
    this.#data.set(`${userId}:${itemId}`, { ...emptyData(), IsFavorite: data.IsFavorite });
  }

  /**
   * The episode after the last one played (by aired order; one in progress counts as unplayed), the
   * first episode when nothing was watched, null after the last. Specials and missing episodes never
   * come up next.
   */
  nextUp(userId: string, series: SimItem): SimItem | null {
    const episodes = this.#library
      .sorted()
      .filter((item) => item.seriesId === series.id && isRegularEpisode(item))
      .sort(airedOrder);
    const played = episodes.map((episode) => this.#read(userId, episode.id).Played);
    return episodes[played.lastIndexOf(true) + 1] ?? null;
  }

  /** Started and not finished, the latest played first. */
  resumable(userId: string): SimItem[] {
    return this.#library
      .sorted()
      .filter((item) => {
        const data = this.#read(userId, item.id);
        return (
          (item.type === 'Movie' || item.type === 'Episode') && data.PlaybackPositionTicks > 0 && !data.Played
        );
      })
      .sort((a, b) =>
        (this.#read(userId, b.id).LastPlayedDate ?? '').localeCompare(
          this.#read(userId, a.id).LastPlayedDate ?? '',
        ),
      );
  }

  #seriesState(userId: string, series: SimItem): Partial<SimUserData> & { UnplayedItemCount: number } {
    const episodes = this.#library
      .sorted()
      .filter((item) => item.seriesId === series.id && isRegularEpisode(item));
    const unplayed = episodes.filter((episode) => !this.#read(userId, episode.id).Played).length;
    return { UnplayedItemCount: unplayed, Played: episodes.length > 0 && unplayed === 0 };
  }

  #read(userId: string, itemId: string): SimUserData {
    return this.#data.get(`${userId}:${itemId}`) ?? emptyData();
  }
}

/** The user a request names (`userId`, or the `/Users/{userId}/` path form); 404 for one unknown. */
function requireUser(store: SimUserStore, id: string | undefined): SimUser {
  const wanted = id?.replaceAll('-', '').toLowerCase();
  const user = store.users.find((candidate) => candidate.id === wanted);
  if (!user)
    throw new HttpError(wanted ? 404 : 400, wanted ? 'User not found.' : 'The userId field is required.');
  return user;
}

function userDto(user: SimUser, serverId: string): Record<string, unknown> {
  return {
    Name: user.name,
    ServerId: serverId,
    Id: user.id,
    HasPassword: true,
    HasConfiguredPassword: true,
    EnableAutoLogin: false,
    Policy: { IsAdministrator: false, IsDisabled: false, EnableMediaPlayback: true },
  };
}

export interface UserRouteContext {
  library: SimLibrary;
  users: SimUserStore;
  serverId: string;
  /** BaseItemDto of an item as /Items answers it, with the asking user's data. */
  itemDto: (item: SimItem, query: Query, userId: string) => Record<string, unknown>;
}

/** Answers the user routes; false when `path` is none of them. */
export async function routeUserRequest(
  context: UserRouteContext,
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  query: Query,
): Promise<boolean> {
  const { users, library } = context;
  const method = request.method ?? 'GET';
  const lower = path.toLowerCase();
  if (method === 'GET' && lower === '/users') {
    send(
      response,
      200,
      users.users.map((user) => userDto(user, context.serverId)),
    );
    return true;
  }
  const userData =
    /^\/useritems\/([^/]+)\/userdata$/i.exec(path) ??
    /^\/users\/([^/]+)\/items\/([^/]+)\/userdata$/i.exec(path);
  if (userData && (method === 'GET' || method === 'POST')) {
    const [userId, itemId] =
      userData.length === 3 ? [userData[1], userData[2]] : [query.get('userid'), userData[1]];
    const user = requireUser(users, userId);
    const item = requireItem(library, itemId ?? '');
    if (method === 'POST') users.update(user.id, item.id, (await readJson(request)) as Partial<SimUserData>);
    send(response, 200, users.dto(user.id, item));
    return true;
  }
  const played =
    /^\/userplayeditems\/([^/]+)$/i.exec(path) ?? /^\/users\/([^/]+)\/playeditems\/([^/]+)$/i.exec(path);
  if (played && (method === 'POST' || method === 'DELETE')) {
    const [userId, itemId] = played.length === 3 ? [played[1], played[2]] : [query.get('userid'), played[1]];
    const user = requireUser(users, userId);
    const item = requireItem(library, itemId ?? '');
    if (method === 'POST') users.markPlayed(user.id, item.id, query.get('dateplayed'));
    else users.markUnplayed(user.id, item.id);
    send(response, 200, users.dto(user.id, item));
    return true;
  }
  if (method === 'GET' && lower === '/shows/nextup') {
    const user = requireUser(users, query.get('userid'));
    const seriesId = guidParam(query, 'seriesId');
    const series = seriesId
      ? [requireItem(library, seriesId)]
      : library.sorted().filter((item) => item.type === 'Series');
    const next = series.flatMap((show) => users.nextUp(user.id, show) ?? []);
    send(
      response,
      200,
      queryResult(next, query, (item) => context.itemDto(item, query, user.id)),
    );
    return true;
  }
  const resume = /^\/(?:useritems|users\/([^/]+)\/items)\/resume$/i.exec(path);
  if (method === 'GET' && resume) {
    const user = requireUser(users, resume[1] ?? query.get('userid'));
    const types = new Set(listParam(query, 'includeItemTypes'));
    const found = users.resumable(user.id).filter((item) => types.size === 0 || types.has(item.type));
    send(
      response,
      200,
      queryResult(found, query, (item) => context.itemDto(item, query, user.id)),
    );
    return true;
  }
  return false;
}
