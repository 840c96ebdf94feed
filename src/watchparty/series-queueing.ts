// Series choices: "the whole season N" and "the rest of the series" are values of our own in the
// `media` suggestions (`orb:season:<seriesId>:<n>`, `orb:rest:<seriesId>`), checked again on submit
// like every value a member sends. The media server lists the episodes they stand for; they are
// queued in aired order, specials (season 0) last.

export type SeriesScope = { kind: 'season'; seasonNumber: number } | { kind: 'rest' };

/** What the service needs from the media server to queue a series choice. */
export interface SeriesEpisodes {
  /**
   * Episode ids in the order they should play: one season's, or from the episode the party watches
   * next (Next Up, else the first) to the end, then the specials. Throws UnknownMediaError.
   */
  episodeIds(seriesId: string, scope: SeriesScope): Promise<string[]>;
}

const seasonValue = /^orb:season:([\w-]{1,64}):(\d{1,4})$/;
const restValue = /^orb:rest:([\w-]{1,64})$/;

export function seriesChoiceValue(seriesId: string, scope: SeriesScope): string {
  return scope.kind === 'season' ? `orb:season:${seriesId}:${scope.seasonNumber}` : `orb:rest:${seriesId}`;
}

/** The series choice behind a submitted value, or null when it is not one. */
export function parseSeriesChoice(value: string): { seriesId: string; scope: SeriesScope } | null {
  const season = seasonValue.exec(value);
  if (season?.[1] && season[2]) {
    return { seriesId: season[1], scope: { kind: 'season', seasonNumber: Number(season[2]) } };
  }
  const rest = restValue.exec(value);
  return rest?.[1] ? { seriesId: rest[1], scope: { kind: 'rest' } } : null;
}

export function isSeriesChoice(value: string): boolean {
  return value.startsWith('orb:season:') || value.startsWith('orb:rest:');
}

interface Episode {
  id: string;
  seasonNumber: number | null;
  episodeNumber: number | null;
}

/** Aired order with the specials (season 0, or none) after every regular season. */
export function orderEpisodes<E extends Episode>(episodes: readonly E[]): E[] {
  const seasonKey = (episode: E) => (episode.seasonNumber ? episode.seasonNumber : Number.MAX_SAFE_INTEGER);
  return [...episodes].sort(
    (a, b) => seasonKey(a) - seasonKey(b) || (a.episodeNumber ?? 0) - (b.episodeNumber ?? 0),
  );
}

/** The episodes a scope picks from a whole series; `nextId` is where "the rest" begins. */
export function episodesInScope<E extends Episode>(
  all: readonly E[],
  scope: SeriesScope,
  nextId: string | null,
): E[] {
  const ordered = orderEpisodes(all);
  if (scope.kind === 'season') {
    return ordered.filter((episode) => (episode.seasonNumber ?? 0) === scope.seasonNumber);
  }
  const regular = ordered.filter((episode) => (episode.seasonNumber ?? 0) > 0);
  const specials = ordered.filter((episode) => (episode.seasonNumber ?? 0) === 0);
  const from =
    nextId === null
      ? 0
      : Math.max(
          0,
          regular.findIndex((episode) => episode.id === nextId),
        );
  return [...regular.slice(from), ...specials];
}
