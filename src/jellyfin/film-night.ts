// Film night against Jellyfin: the JELLYFIN_USER whose resume positions and watched state the party
// shares (resolved from its name once, at start), that user's Next Up, media segments (intros and
// credits; a server before 10.10 answers 404 and simply has none), and a series' episodes for the
// "whole season" and "rest of the series" choices. Writes are best effort: a failure is logged and
// never touches playback.
import type { Logger } from '../logger.ts';
import { UnknownMediaError } from '../watchparty/media-library.ts';
import type { MediaSegment, SegmentKind, SegmentSource } from '../watchparty/segments.ts';
import { episodesInScope, type SeriesEpisodes, type SeriesScope } from '../watchparty/series-queueing.ts';
import type { WatchHistory, WatchState } from '../watchparty/watch-history.ts';
import type { JellyfinClient } from './client.ts';
import { asMediaServerFailure, JellyfinError, JellyfinNotFoundError } from './errors.ts';
import { JellyfinMediaLibrary } from './media-library.ts';
import { secondsToTicks, ticksToSeconds } from './schemas.ts';
import type { TranscodeSettings } from './transcoding-request.ts';

/** How often a playing party's position is saved for the user (Jellyfin's own clients: every 10 s or so). */
export const USER_PROGRESS_INTERVAL_MS = 30_000;

export class JellyfinUserNotFoundError extends Error {
  constructor(name: string, known: readonly string[]) {
    super(
      `JELLYFIN_USER is "${name.slice(0, 64)}", but Jellyfin has no user by that name` +
        (known.length > 0 ? ` (it has: ${known.slice(0, 10).join(', ')})` : '') +
        '. Set it to one of them, or leave it unset.',
    );
    this.name = 'JellyfinUserNotFoundError';
  }
}

/** The id of the Jellyfin user named `name` (case-insensitive, as Jellyfin logs in). */
export async function resolveJellyfinUser(client: JellyfinClient, name: string): Promise<string> {
  const users = await client.users();
  const wanted = name.trim().toLowerCase();
  const user = users.find((candidate) => candidate.Name?.toLowerCase() === wanted);
  if (!user)
    throw new JellyfinUserNotFoundError(
      name,
      users.flatMap((candidate) => candidate.Name ?? []),
    );
  return user.Id;
}

interface ItemWrites {
  /** Writes for one item run one after another, so a late position never overwrites "played". */
  chain: Promise<void>;
  lastProgressMs: number;
}

export class JellyfinWatchHistory implements WatchHistory {
  readonly #client: JellyfinClient;
  readonly #userId: string;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #items = new Map<string, ItemWrites>();

  constructor(options: {
    client: JellyfinClient;
    userId: string;
    logger: Logger;
    progressIntervalMs?: number;
  }) {
    this.#client = options.client;
    this.#userId = options.userId;
    this.#logger = options.logger.child({ room: 'watch-history' });
    this.#intervalMs = options.progressIntervalMs ?? USER_PROGRESS_INTERVAL_MS;
  }

  async stateOf(itemId: string): Promise<WatchState | null> {
    try {
      const data = await this.#client.userData(this.#userId, itemId);
      return {
        positionSeconds: ticksToSeconds(data.PlaybackPositionTicks) ?? 0,
        played: data.Played === true,
        lastPlayedAt: data.LastPlayedDate ?? null,
      };
    } catch (error) {
      this.#logger.warn({ err: error, itemId }, 'could not read the Jellyfin user’s watch state');
      return null;
    }
  }

  progress(itemId: string, positionSeconds: number): void {
    const writes = this.#writes(itemId);
    const nowMs = performance.now();
    if (nowMs - writes.lastProgressMs < this.#intervalMs) return;
    writes.lastProgressMs = nowMs;
    this.#enqueue(itemId, () => this.#savePosition(itemId, positionSeconds));
  }

  ended(itemId: string, positionSeconds: number, finished: boolean): void {
    this.#enqueue(itemId, () =>
      finished ? this.#client.markPlayed(this.#userId, itemId) : this.#savePosition(itemId, positionSeconds),
    );
    // The next time this item plays, its first position is saved at once again.
    this.#writes(itemId).lastProgressMs = Number.NEGATIVE_INFINITY;
  }

  /** Resolves once every write asked for so far has been tried (for tests). */
  async settled(): Promise<void> {
    await Promise.all([...this.#items.values()].map((writes) => writes.chain));
  }

  #savePosition(itemId: string, positionSeconds: number): Promise<void> {
    return this.#client.saveUserData(this.#userId, itemId, {
      PlaybackPositionTicks: secondsToTicks(Math.max(0, positionSeconds)),
      LastPlayedDate: new Date().toISOString(),
    });
  }

  #writes(itemId: string): ItemWrites {
    let writes = this.#items.get(itemId);
    if (!writes) {
      writes = { chain: Promise.resolve(), lastProgressMs: Number.NEGATIVE_INFINITY };
      this.#items.set(itemId, writes);
    }
    return writes;
  }

  #enqueue(itemId: string, write: () => Promise<void>): void {
    const writes = this.#writes(itemId);
    writes.chain = writes.chain.then(write).catch((error: unknown) => {
      this.#logger.warn({ err: error, itemId }, 'could not save the party’s progress for the Jellyfin user');
    });
  }
}

const segmentKinds: Record<string, SegmentKind> = { Intro: 'intro', Outro: 'credits' };

export class JellyfinSegments implements SegmentSource {
  readonly #client: JellyfinClient;
  readonly #logger: Logger;

  constructor(options: { client: JellyfinClient; logger: Logger }) {
    this.#client = options.client;
    this.#logger = options.logger.child({ room: 'media-segments' });
  }

  async segmentsOf(itemId: string): Promise<MediaSegment[]> {
    try {
      const result = await this.#client.mediaSegments(itemId);
      return result.Items.flatMap((segment) => {
        const kind = segmentKinds[segment.Type];
        const startSeconds = ticksToSeconds(segment.StartTicks);
        const endSeconds = ticksToSeconds(segment.EndTicks);
        if (!kind || startSeconds === null || endSeconds === null || endSeconds <= startSeconds) return [];
        return [{ kind, startSeconds, endSeconds }];
      });
    } catch (error) {
      // Before 10.10 (or with the feature off) the route does not exist: no segments, nothing wrong.
      if (!(error instanceof JellyfinNotFoundError)) {
        this.#logger.warn(
          { err: error, itemId },
          'could not read media segments; the item plays without skips',
        );
      }
      return [];
    }
  }
}

export class JellyfinSeriesEpisodes implements SeriesEpisodes {
  readonly #client: JellyfinClient;
  readonly #library: JellyfinMediaLibrary;

  constructor(options: { client: JellyfinClient; library: JellyfinMediaLibrary }) {
    this.#client = options.client;
    this.#library = options.library;
  }

  async episodeIds(seriesId: string, scope: SeriesScope): Promise<string[]> {
    try {
      const result = await this.#client.episodes(seriesId, { isMissing: false });
      const episodes = result.Items.filter((item) => item.LocationType !== 'Virtual').map((item) => ({
        id: item.Id,
        seasonNumber: item.ParentIndexNumber ?? null,
        episodeNumber: item.IndexNumber ?? null,
      }));
      const next = scope.kind === 'rest' ? await this.#library.nextEpisode(seriesId) : null;
      return episodesInScope(episodes, scope, next?.Id ?? null).map((episode) => episode.id);
    } catch (error) {
      if (error instanceof JellyfinNotFoundError) throw new UnknownMediaError(seriesId);
      if (error instanceof JellyfinError) throw asMediaServerFailure(error);
      throw error;
    }
  }
}

export interface FilmNightParts {
  media: JellyfinMediaLibrary;
  history: WatchHistory | undefined;
  segments: SegmentSource;
  episodes: SeriesEpisodes;
}

/**
 * The media library and film-night parts for the bot, with JELLYFIN_USER resolved to its id first
 * (a name Jellyfin does not know stops the start with a message saying so).
 */
export async function connectFilmNight(
  client: JellyfinClient,
  options: {
    userName: string | null;
    publicUrl: string | null;
    logger: Logger;
    transcode?: TranscodeSettings;
  },
): Promise<FilmNightParts> {
  const userId = options.userName === null ? null : await resolveJellyfinUser(client, options.userName);
  const media = new JellyfinMediaLibrary(client, {
    publicUrl: options.publicUrl,
    userId,
    transcode: options.transcode,
  });
  return {
    media,
    history:
      userId === null ? undefined : new JellyfinWatchHistory({ client, userId, logger: options.logger }),
    segments: new JellyfinSegments({ client, logger: options.logger }),
    episodes: new JellyfinSeriesEpisodes({ client, library: media }),
  };
}
