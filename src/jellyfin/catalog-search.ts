// Autocomplete over the local catalog. Tiers, best first: exact title, title prefix, all words
// (FTS5 over titles, series names and original titles, last word as a prefix), then words one or two
// typos away (trigram index of title words). A lower tier runs only while the higher ones have not
// filled the list, which keeps the common case to one or two indexed lookups. Episode codes
// (`S2E5`, `Show 2x05`, `Show e2`) get their own path, and a trailing year (`Night Harbor 2019`)
// narrows the search to that year's items before the same words are tried as typed and without it.
// When the catalog is still empty, Jellyfin's own search answers instead. The search returns hits;
// what a door makes of them (Discord's choices and their limits) is the door's business, and so is
// when to give up: it passes an AbortSignal, which also cancels a live request to Jellyfin.
import { type RawBuilder, sql } from 'kysely';
import type { Db } from '../db/connection.ts';
import type { CatalogItemType } from '../db/schema.ts';
import type { Logger } from '../logger.ts';
import type { JellyfinClient } from './client.ts';
import { editDistanceWithin } from './edit-distance.ts';
import { type EpisodeQuery, parseEpisodeQuery } from './episode-query.ts';
import { type BaseItem, catalogTypeOf, jellyfinKindOf } from './schemas.ts';
import { normalizeTitle } from './text.ts';

const MAX_QUERY_LENGTH = 200;
/** How many series an episode code's series text may stand for (`Show S2E5`). */
const SERIES_CANDIDATES = 25;

export type MatchKind = 'exact' | 'prefix' | 'word' | 'fuzzy' | 'episode' | 'recent' | 'live';

/** How sure a tier is that it found what was meant (0-1); hits come in tier order, best first. */
export const matchScores: Record<MatchKind, number> = {
  exact: 1,
  episode: 0.9,
  prefix: 0.85,
  word: 0.7,
  fuzzy: 0.5,
  recent: 0.3,
  live: 0.3,
};

export interface CatalogHit {
  /** The Jellyfin item id. */
  itemId: string;
  type: CatalogItemType;
  title: string;
  year: number | null;
  /** For an episode: its series, season and number. */
  seriesName: string | null;
  seasonNumber: number | null;
  episodeNumber: number | null;
  /** For a series: how many episodes the catalog holds. */
  episodeCount: number | null;
  match: MatchKind;
}

export interface SearchLimits {
  /** The most hits wanted. */
  limit: number;
  /** Aborts the search (and a live request to Jellyfin) when the caller stops waiting. */
  signal?: AbortSignal;
}

export interface SearchOptions extends SearchLimits {
  type?: CatalogItemType | readonly CatalogItemType[];
}

export interface SeasonSummary {
  seasonNumber: number | null;
  episodeCount: number;
}

interface CatalogRow {
  item_id: string;
  type: CatalogItemType;
  name: string;
  name_norm: string;
  year: number | null;
  series_id: string | null;
  series_name: string | null;
  season_number: number | null;
  episode_number: number | null;
  episode_count: number | null;
}

const rowColumns = sql.raw(
  'c.item_id, c.type, c.name, c.name_norm, c.year, c.series_id, c.series_name, c.season_number, c.episode_number, ' +
    "case c.type when 'series' then (select count(*) from catalog_items e where e.series_id = c.item_id and e.type = 'episode') end as episode_count",
);
/** Aired order with specials (season 0, or no season) after the regular seasons. */
const airedOrder = sql.raw(
  'coalesce(c.season_number, 0) = 0, c.season_number, c.episode_number, c.name_norm',
);
/** A year typed after the title words: `Night Harbor 2019`, `Night Harbor (2019)`. */
const trailingYear = /^(.*\S)\s+\(?((?:19|20)\d{2})\)?$/;
/** Words that ask the episode picker for specials. */
const specialsWords = new Set(['special', 'specials', 'extra', 'extras']);
const typeRank = sql.raw("case c.type when 'movie' then 0 when 'series' then 1 else 2 end");
/** Sorts after every UTF-8 string that starts with the prefix (U+10FFFF). */
const PREFIX_END = '\u{10FFFF}';
/** How many prefix matches are ranked by length; the index gives them in name order. */
const PREFIX_SCAN = 400;

function typesOf(option: SearchOptions['type']): readonly CatalogItemType[] {
  if (option === undefined) return [];
  return typeof option === 'string' ? [option] : option;
}

function typeFilter(types: readonly CatalogItemType[]): RawBuilder<unknown> {
  return types.length === 0 ? sql`` : sql`and c.type in (${sql.join(types.map((type) => sql`${type}`))})`;
}

function quoted(token: string): string {
  return `"${token.replaceAll('"', '""')}"`;
}

/** How many typos a word may carry: none below 4 letters, one up to 5, two from 6 (`diarys`). */
function maxTyposFor(token: string): number {
  const length = Array.from(token).length;
  if (length < 4) return 0;
  return length < 6 ? 1 : 2;
}

function trigramsOf(token: string): string[] {
  const grams = new Set<string>();
  const chars = Array.from(token);
  for (let i = 0; i + 3 <= chars.length; i += 1) grams.add(chars.slice(i, i + 3).join(''));
  return [...grams];
}

export class CatalogSearch {
  readonly #db: Db;
  readonly #client: JellyfinClient | null;
  readonly #logger: Logger | null;

  constructor(options: { db: Db; client?: JellyfinClient; logger?: Logger }) {
    this.#db = options.db;
    this.#client = options.client ?? null;
    this.#logger = options.logger ?? null;
  }

  async search(typed: string, options: SearchOptions): Promise<CatalogHit[]> {
    // Nobody types more than a title; a pasted essay shouldn't cost a long query.
    const query = typed.slice(0, MAX_QUERY_LENGTH);
    const limit = Math.max(1, options.limit);
    const { signal } = options;
    const types = typesOf(options.type);
    if (!(await this.#catalogHasItems())) return this.#liveSearch(query, types, limit, signal);

    const episodeQuery = types.length === 0 || types.includes('episode') ? parseEpisodeQuery(query) : null;
    if (episodeQuery) {
      // `Star Wars Episode 1` may be a film's title: no such episode, so the words are a title.
      const episodes = await this.#episodeSearch(episodeQuery, limit, signal);
      if (episodes.length > 0) return episodes;
    }
    if (normalizeTitle(query).length === 0) return this.#recent(types, limit);

    const year = trailingYear.exec(query.trim());
    if (!year?.[1] || !year[2]) return this.#titleSearch(query, types, limit, signal);
    // That year's items first, then the words as typed (`Blade Runner 2049`), then without the year
    // (a year remembered wrong).
    const [words, typedYear] = [year[1], Number(year[2])];
    const found = new Map<string, CatalogHit>();
    for (const [text, onlyYear] of [
      [words, typedYear],
      [query, null],
      [words, null],
    ] as const) {
      if (found.size >= limit) break;
      for (const hit of await this.#titleSearch(text, types, limit, signal, onlyYear)) {
        if (found.size < limit && !found.has(hit.itemId)) found.set(hit.itemId, hit);
      }
    }
    return [...found.values()];
  }

  /** The ranked tiers over titles, optionally of one year only. */
  async #titleSearch(
    query: string,
    types: readonly CatalogItemType[],
    limit: number,
    signal: AbortSignal | undefined,
    year: number | null = null,
  ): Promise<CatalogHit[]> {
    const normalized = normalizeTitle(query);
    if (normalized.length === 0) return [];
    const found = new Map<string, CatalogHit>();
    // Each tier is a query of its own: one the caller no longer waits for is not started.
    const add = (rows: CatalogRow[], match: MatchKind) => {
      signal?.throwIfAborted();
      for (const row of rows) {
        if (found.size >= limit) return;
        if (!found.has(row.item_id)) found.set(row.item_id, toHit(row, match));
      }
    };
    const filter = year === null ? typeFilter(types) : sql`${typeFilter(types)} and c.year = ${year}`;
    add(await this.#exact(normalized, filter, limit), 'exact');
    if (found.size < limit) add(await this.#prefix(normalized, filter, limit + found.size), 'prefix');
    const tokens = normalized.split(' ');
    const lastIsPartial = !/\s$/.test(query);
    // An episode's series name only counts when episodes are wanted at all.
    const columns =
      types.length === 0 || types.includes('episode')
        ? '{name series_name original_title}'
        : '{name original_title}';
    if (found.size < limit) {
      const words = tokens.map((token) => [token]);
      add(await this.#words(columns, words, lastIsPartial, filter, limit + found.size), 'word');
    }
    if (found.size < limit) {
      const alternatives = await this.#typoAlternatives(tokens, lastIsPartial);
      if (alternatives) {
        add(await this.#words(columns, alternatives, lastIsPartial, filter, limit + found.size), 'fuzzy');
      }
    }
    return [...found.values()];
  }

  /** Episodes of one series for an episode picker, in aired order, filtered by code or title. */
  async episodesOf(seriesId: string, query: string, options: SearchLimits): Promise<CatalogHit[]> {
    const max = Math.max(1, options.limit);
    let rows = (
      await sql<CatalogRow>`
      select ${rowColumns} from catalog_items c
      where c.series_id = ${seriesId} and c.type = 'episode'
      order by ${airedOrder}
    `.execute(this.#db)
    ).rows;
    if (rows.length === 0) rows = sortAired(await this.#liveEpisodes(seriesId, options.signal));
    const wanted = query.trim();
    if (wanted.length > 0) {
      const code = parseEpisodeQuery(wanted) ?? parseEpisodeQuery(`x ${wanted}`);
      const bareNumber = /^\d{1,4}$/.test(wanted) ? Number(wanted) : null;
      const words = normalizeTitle(wanted).split(' ');
      const specials = words.length === 1 && specialsWords.has(words[0] ?? '');
      rows = rows.filter((row) => {
        if (specials && !row.season_number) return true;
        if (code) return matchesCode(row, code);
        if (bareNumber !== null && row.episode_number === bareNumber) return true;
        const title = ` ${row.name_norm}`;
        return words.every((word) => title.includes(` ${word}`));
      });
    }
    return rows.slice(0, max).map((row) => toHit(row, 'episode'));
  }

  /** Seasons of a series with their episode counts, from the catalog. */
  async seasonsOf(seriesId: string): Promise<SeasonSummary[]> {
    const rows = await this.#db
      .selectFrom('catalog_items')
      .select((eb) => ['season_number', eb.fn.countAll<number>().as('episodes')])
      .where('series_id', '=', seriesId)
      .where('type', '=', 'episode')
      .groupBy('season_number')
      .orderBy(sql`coalesce(season_number, 0) = 0`)
      .orderBy('season_number')
      .execute();
    return rows.map((row) => ({ seasonNumber: row.season_number, episodeCount: Number(row.episodes) }));
  }

  async #catalogHasItems(): Promise<boolean> {
    const row = await sql<{ present: number }>`select exists(select 1 from catalog_items) as present`.execute(
      this.#db,
    );
    return row.rows[0]?.present === 1;
  }

  async #exact(normalized: string, filter: RawBuilder<unknown>, limit: number): Promise<CatalogRow[]> {
    const result = await sql<CatalogRow>`
      select ${rowColumns} from catalog_items c
      where c.name_norm = ${normalized} ${filter}
      order by ${typeRank}, c.year desc limit ${limit}
    `.execute(this.#db);
    return result.rows;
  }

  async #prefix(normalized: string, filter: RawBuilder<unknown>, limit: number): Promise<CatalogRow[]> {
    // Range scan on the name index; the first few hundred are then ranked shortest (closest) first.
    const result = await sql<CatalogRow>`
      select * from (
        select ${rowColumns} from catalog_items c
        where c.name_norm > ${normalized} and c.name_norm < ${normalized + PREFIX_END} ${filter}
        order by c.name_norm limit ${PREFIX_SCAN}
      ) c
      order by length(c.name_norm), ${typeRank}, c.year desc limit ${limit}
    `.execute(this.#db);
    return result.rows;
  }

  /** Every word must match one of its alternatives; the last one as a prefix while still being typed. */
  async #words(
    columns: string,
    words: string[][],
    lastIsPartial: boolean,
    filter: RawBuilder<unknown>,
    limit: number,
  ): Promise<CatalogRow[]> {
    const parts = words.map((alternatives, index) => {
      const star = index === words.length - 1 && lastIsPartial ? '*' : '';
      const terms = alternatives.map((term) => `${quoted(term)}${star}`);
      return terms.length === 1 ? terms[0] : `(${terms.join(' OR ')})`;
    });
    const match = `${columns} : ${parts.join(' AND ')}`;
    const result = await sql<CatalogRow>`
      select ${rowColumns} from catalog_fts f join catalog_items c on c.row_id = f.rowid
      where catalog_fts match ${match} ${filter}
      order by bm25(catalog_fts, 10.0, 1.0), ${typeRank} limit ${limit}
    `.execute(this.#db);
    return result.rows;
  }

  /**
   * Each typed word with the catalog words one or two typos away (`avngers` → `avengers`,
   * `avenger`); null when no word has a close neighbour.
   */
  async #typoAlternatives(tokens: string[], lastIsPartial: boolean): Promise<string[][] | null> {
    let changed = false;
    const alternatives: string[][] = [];
    for (const [index, token] of tokens.entries()) {
      const partial = lastIsPartial && index === tokens.length - 1;
      if (maxTyposFor(token) === 0 || (await this.#isKnownWord(token, partial))) {
        alternatives.push([token]);
        continue;
      }
      const close = (await this.#neighbourCandidates(token))
        .map((term) => ({ term, distance: editDistanceWithin(token, term, maxTyposFor(token)) }))
        .filter((candidate) => candidate.distance !== null)
        .sort((a, b) => (a.distance ?? 0) - (b.distance ?? 0))
        .slice(0, 5)
        .map((candidate) => candidate.term);
      if (close.length === 0) {
        alternatives.push([token]);
        continue;
      }
      changed = true;
      alternatives.push(close);
    }
    return changed ? alternatives : null;
  }

  /**
   * Catalog words that might be `token` with a typo: those sharing its rarest trigrams, plus those
   * with the same first letter and a similar length (a swap in a short word shares no trigram).
   */
  async #neighbourCandidates(token: string): Promise<string[]> {
    const grams = trigramsOf(token);
    const byTrigram = await sql<{ term: string }>`
      select term from catalog_terms where catalog_terms match ${grams.map(quoted).join(' OR ')}
      order by rank limit 40
    `.execute(this.#db);
    const first = Array.from(token)[0] ?? '';
    const length = token.length;
    const byFirstLetter = await sql<{ term: string }>`
      select term from catalog_fts_vocab
      where term >= ${first} and term < ${first + PREFIX_END}
        and length(term) between ${length - 2} and ${length + 2}
      limit 5000
    `.execute(this.#db);
    return [...new Set([...byTrigram.rows, ...byFirstLetter.rows].map((row) => row.term))];
  }

  /** Whether the catalog has this word (or, while it is being typed, a word starting with it). */
  async #isKnownWord(token: string, partial: boolean): Promise<boolean> {
    const result = partial
      ? await sql`select 1 from catalog_fts_vocab where term >= ${token} and term < ${token + PREFIX_END} limit 1`.execute(
          this.#db,
        )
      : await sql`select 1 from catalog_fts_vocab where term = ${token} limit 1`.execute(this.#db);
    return result.rows.length > 0;
  }

  async #episodeSearch(
    query: EpisodeQuery,
    limit: number,
    signal: AbortSignal | undefined,
  ): Promise<CatalogHit[]> {
    const codeFilter = sql`${query.season === null ? sql`` : sql`and c.season_number = ${query.season}`}
      ${query.episode === null ? sql`` : sql`and c.episode_number = ${query.episode}`}`;
    if (normalizeTitle(query.seriesText).length === 0) {
      const rows = await sql<CatalogRow>`
        select ${rowColumns} from catalog_items c
        where c.type = 'episode' ${codeFilter}
        order by c.series_name, ${airedOrder} limit ${limit}
      `.execute(this.#db);
      return rows.rows.map((row) => toHit(row, 'episode'));
    }
    // The series part ranks like any title search; its episodes follow in that order.
    const series = await this.search(query.seriesText, { type: 'series', limit: SERIES_CANDIDATES, signal });
    if (series.length === 0) return [];
    const order = new Map(series.map((hit, index) => [hit.itemId, index]));
    const rows = await sql<CatalogRow>`
      select ${rowColumns} from catalog_items c
      where c.series_id in (${sql.join(series.map((hit) => sql`${hit.itemId}`))})
        and c.type = 'episode' ${codeFilter}
      order by ${airedOrder}
    `.execute(this.#db);
    // Stable: within one series the aired order from the query stays.
    return rows.rows
      .sort((a, b) => (order.get(a.series_id ?? '') ?? 0) - (order.get(b.series_id ?? '') ?? 0))
      .slice(0, limit)
      .map((row) => toHit(row, 'episode'));
  }

  async #recent(types: readonly CatalogItemType[], limit: number): Promise<CatalogHit[]> {
    // With nothing typed yet, offer what was added or changed last (episodes only when asked for).
    const shown = types.length > 0 ? types : (['movie', 'series'] as const);
    const result = await sql<CatalogRow>`
      select ${rowColumns} from catalog_items c
      where c.type in (${sql.join(shown.map((type) => sql`${type}`))})
      order by c.date_saved desc limit ${limit}
    `.execute(this.#db);
    return result.rows.map((row) => toHit(row, 'recent'));
  }

  async #liveSearch(
    query: string,
    types: readonly CatalogItemType[],
    limit: number,
    signal: AbortSignal | undefined,
  ): Promise<CatalogHit[]> {
    const term = query.trim();
    if (!this.#client || term.length === 0) return [];
    const kinds = (types.length > 0 ? types : (['movie', 'series', 'episode'] as const)).map(
      (type) => jellyfinKindOf[type],
    );
    try {
      const result = await this.#client.items(
        {
          searchTerm: term,
          includeItemTypes: kinds,
          recursive: true,
          limit,
          isMissing: false,
          enableImages: false,
          enableUserData: false,
          enableTotalRecordCount: false,
        },
        { signal },
      );
      return result.Items.map(rowFromItem)
        .filter((row) => row !== null)
        .slice(0, limit)
        .map((row) => toHit(row, 'live'));
    } catch (error) {
      // The caller gave up: that is its answer to give, not a failure of Jellyfin's.
      if (signal?.aborted) throw error;
      this.#logger?.warn({ err: error }, 'live Jellyfin search failed while the catalog is empty');
      return [];
    }
  }

  async #liveEpisodes(seriesId: string, signal: AbortSignal | undefined): Promise<CatalogRow[]> {
    if (!this.#client) return [];
    try {
      const result = await this.#client.episodes(seriesId, { isMissing: false }, { signal });
      return result.Items.map(rowFromItem).filter((row) => row !== null);
    } catch (error) {
      if (signal?.aborted) throw error;
      this.#logger?.warn({ err: error }, 'live Jellyfin episode list failed');
      return [];
    }
  }
}

function matchesCode(row: CatalogRow, code: EpisodeQuery): boolean {
  return (
    (code.season === null || row.season_number === code.season) &&
    (code.episode === null || row.episode_number === code.episode)
  );
}

/** Jellyfin's own episode lists in the order the catalog gives (specials last). */
function sortAired(rows: CatalogRow[]): CatalogRow[] {
  const seasonKey = (row: CatalogRow) => (row.season_number ? row.season_number : Number.MAX_SAFE_INTEGER);
  return rows.sort(
    (a, b) => seasonKey(a) - seasonKey(b) || (a.episode_number ?? 0) - (b.episode_number ?? 0),
  );
}

function toHit(row: CatalogRow, match: MatchKind): CatalogHit {
  return {
    itemId: row.item_id,
    type: row.type,
    title: row.name,
    year: row.year,
    seriesName: row.series_name,
    seasonNumber: row.season_number,
    episodeNumber: row.episode_number,
    episodeCount: row.episode_count === null ? null : Number(row.episode_count),
    match,
  };
}

function rowFromItem(item: BaseItem): CatalogRow | null {
  const type = catalogTypeOf(item.Type);
  if (!type) return null;
  const name = item.Name ?? 'Untitled';
  return {
    item_id: item.Id,
    type,
    name,
    name_norm: normalizeTitle(name),
    year: item.ProductionYear ?? null,
    series_id: item.SeriesId ?? null,
    series_name: item.SeriesName ?? null,
    season_number: item.ParentIndexNumber ?? null,
    episode_number: item.IndexNumber ?? null,
    episode_count: null,
  };
}
