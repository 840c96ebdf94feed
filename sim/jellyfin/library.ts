// The simulator's library: movies, series → seasons → episodes, each with the metadata Jellyfin
// keeps, plus a recipe for the media file ffmpeg makes on first use. The default library holds the
// odd cases tests need; `generateLargeLibrary` adds metadata-only items for benchmarks.
import { createHash } from 'node:crypto';
import type { GeneratedRecipe, MediaRecipe } from './media.ts';

export type SimItemType = 'Movie' | 'Series' | 'Season' | 'Episode';

export interface SimItem {
  /** 32 lowercase hex, as Jellyfin writes GUIDs. */
  id: string;
  type: SimItemType;
  name: string;
  originalTitle?: string;
  year?: number;
  overview?: string;
  /** Declared runtime; for generated media it matches the recipe's duration. */
  runtimeSeconds?: number;
  providerIds?: Record<string, string>;
  seriesId?: string;
  seriesName?: string;
  seasonId?: string;
  seasonName?: string;
  /** Episode number (episodes) or season number (seasons). */
  indexNumber?: number;
  /** Season number of an episode. */
  parentIndexNumber?: number;
  /** `Virtual` marks a missing episode: listed, not playable. */
  locationType?: 'FileSystem' | 'Virtual';
  /** ISO time of the last metadata save; incremental syncs ask for items saved since. */
  dateLastSaved: string;
  /** Playable items only: what ffmpeg generates for it. Metadata-only items share a default. */
  media?: MediaRecipe;
  /** Primary image tag; the simulator serves one generated poster for every tag. */
  imageTag?: string;
}

export function simId(seed: string): string {
  return createHash('md5').update(`orb-sim:${seed}`).digest('hex');
}

const baseDate = '2026-01-01T00:00:00.000Z';

/** Gives generated items distinct save times, a second apart, as a real library would have. */
function stampSaveTimes(items: SimItem[]): SimItem[] {
  const start = Date.parse(baseDate);
  return items.map((item, index) => ({
    ...item,
    dateLastSaved: new Date(start + index * 1000).toISOString(),
  }));
}

/** Mutable, ordered store of items; every write bumps `version` so cached views can refresh. */
export class SimLibrary {
  #items = new Map<string, SimItem>();
  #sorted: SimItem[] | null = null;
  #now: () => Date;
  version = 0;

  constructor(now: () => Date = () => new Date()) {
    this.#now = now;
  }

  get size(): number {
    return this.#items.size;
  }

  get(id: string): SimItem | undefined {
    return this.#items.get(id.replaceAll('-', '').toLowerCase());
  }

  /** Items ordered like Jellyfin's SortName ordering (name, then id for a stable page order). */
  sorted(): readonly SimItem[] {
    this.#sorted ??= [...this.#items.values()].sort((a, b) =>
      a.name === b.name ? (a.id < b.id ? -1 : 1) : a.name.localeCompare(b.name),
    );
    return this.#sorted;
  }

  /** Loads items as they are, keeping their `dateLastSaved` (fixtures and generated catalogs). */
  load(items: Iterable<SimItem>): void {
    for (const item of items) this.#items.set(item.id, item);
    this.#touch();
  }

  /** Adds a new item as saved now. */
  add(item: Omit<SimItem, 'dateLastSaved'>): SimItem {
    const saved = { ...item, dateLastSaved: this.#now().toISOString() };
    this.#items.set(saved.id, saved);
    this.#touch();
    return saved;
  }

  /** Changes an item's metadata and stamps it saved now, like a metadata refresh in Jellyfin. */
  update(id: string, patch: Partial<Omit<SimItem, 'id' | 'dateLastSaved'>>): SimItem {
    const current = this.get(id);
    if (!current) throw new Error(`sim library has no item ${id}`);
    const updated = { ...current, ...patch, dateLastSaved: this.#now().toISOString() };
    this.#items.set(current.id, updated);
    this.#touch();
    return updated;
  }

  /** Deletes an item (and, for a series or season, everything under it). */
  remove(id: string): void {
    const target = this.get(id);
    if (!target) return;
    for (const item of [...this.#items.values()]) {
      if (item.id === target.id || item.seriesId === target.id || item.seasonId === target.id) {
        this.#items.delete(item.id);
      }
    }
    this.#touch();
  }

  byName(name: string): SimItem {
    const found = [...this.#items.values()].find((item) => item.name === name);
    if (!found) throw new Error(`sim library has no item named ${name}`);
    return found;
  }

  #touch(): void {
    this.version += 1;
    this.#sorted = null;
  }
}

interface MovieSeed {
  name: string;
  year: number;
  overview: string;
  media: GeneratedRecipe;
  originalTitle?: string;
}

function movie(seed: MovieSeed, index: number): SimItem {
  return {
    id: simId(`movie:${seed.name}`),
    type: 'Movie',
    name: seed.name,
    originalTitle: seed.originalTitle ?? seed.name,
    year: seed.year,
    overview: seed.overview,
    runtimeSeconds: seed.media.seconds,
    providerIds: { Tmdb: String(550_000 + index), Imdb: `tt99900${String(index).padStart(2, '0')}` },
    locationType: 'FileSystem',
    dateLastSaved: baseDate,
    media: seed.media,
    imageTag: simId(`image:${seed.name}`),
  };
}

interface SeriesSeed {
  name: string;
  year: number;
  overview: string;
  seasons: { number: number; episodes: string[] }[];
  episodeSeconds: number;
}

function series(seed: SeriesSeed): SimItem[] {
  const seriesId = simId(`series:${seed.name}`);
  const items: SimItem[] = [
    {
      id: seriesId,
      type: 'Series',
      name: seed.name,
      year: seed.year,
      overview: seed.overview,
      providerIds: { Tmdb: String(Number.parseInt(seriesId.slice(0, 5), 16)) },
      locationType: 'FileSystem',
      dateLastSaved: baseDate,
      imageTag: simId(`image:${seed.name}`),
    },
  ];
  for (const season of seed.seasons) {
    const seasonName = season.number === 0 ? 'Specials' : `Season ${season.number}`;
    const seasonId = simId(`season:${seed.name}:${season.number}`);
    items.push({
      id: seasonId,
      type: 'Season',
      name: seasonName,
      seriesId,
      seriesName: seed.name,
      indexNumber: season.number,
      year: seed.year,
      locationType: 'FileSystem',
      dateLastSaved: baseDate,
    });
    season.episodes.forEach((title, offset) => {
      const episodeNumber = offset + 1;
      const code = `S${String(season.number).padStart(2, '0')}E${String(episodeNumber).padStart(2, '0')}`;
      items.push({
        id: simId(`episode:${seed.name}:${code}`),
        type: 'Episode',
        name: title,
        year: seed.year + Math.max(0, season.number - 1),
        overview: `${seed.name} ${code}: ${title}.`,
        runtimeSeconds: seed.episodeSeconds,
        seriesId,
        seriesName: seed.name,
        seasonId,
        seasonName,
        indexNumber: episodeNumber,
        parentIndexNumber: season.number,
        locationType: 'FileSystem',
        dateLastSaved: baseDate,
        media: { kind: 'h264', seconds: seed.episodeSeconds, label: code, frequency: 520 + 40 * offset },
        imageTag: simId(`image:${seed.name}`),
      });
    });
  }
  return items;
}

/** Names of the default library's items, for tests and the demo. */
export const defaultTitles = {
  basic: 'Night Harbor',
  dualAudio: 'Babel Tracks',
  hevc: 'Ember Protocol',
  vfr: 'Drift Cadence',
  accented: 'Amélie des Étoiles',
  japanese: '夜の港',
  russian: 'Тихая гавань',
  long: 'The Extraordinarily Long and Winding Chronicle of the Lighthouse Keeper Who Counted Every Wave Until the Sea Answered',
  series: 'Nightshift Diaries',
  longSeries: 'The Remarkably Verbose Adventures of Captain Periwinkle and the Interdimensional Tea Society',
} as const;

export function defaultLibraryItems(): SimItem[] {
  const movies: MovieSeed[] = [
    {
      name: defaultTitles.basic,
      year: 2019,
      overview: 'A harbor pilot takes one last job on the night the fog never lifts.',
      media: { kind: 'h264', seconds: 10, label: 'Night Harbor', frequency: 440 },
    },
    {
      name: defaultTitles.dualAudio,
      year: 2021,
      overview: 'Two languages, one story: an English and a Japanese track, with English subtitles.',
      media: { kind: 'dual-audio', seconds: 8, label: 'Babel Tracks', frequency: 440 },
    },
    {
      name: defaultTitles.hevc,
      year: 2023,
      overview: 'An HEVC encode, to exercise transcoding in the worker.',
      media: { kind: 'hevc', seconds: 6, label: 'Ember Protocol', frequency: 550 },
    },
    {
      name: defaultTitles.vfr,
      year: 2020,
      overview: 'A variable-frame-rate file: 24 fps and 8 fps alternate every second.',
      media: { kind: 'vfr', seconds: 8, label: 'Drift Cadence', frequency: 330 },
    },
    {
      name: defaultTitles.accented,
      year: 2015,
      overview: 'Accents in the title, so searching "amelie" must find it.',
      media: { kind: 'h264', seconds: 5, label: 'Amelie', frequency: 600 },
    },
    {
      name: defaultTitles.japanese,
      originalTitle: 'Yoru no Minato',
      year: 2017,
      overview: 'A Japanese title.',
      media: { kind: 'h264', seconds: 5, label: 'Yoru no Minato', frequency: 700 },
    },
    {
      name: defaultTitles.russian,
      year: 2016,
      overview: 'A Cyrillic title.',
      media: { kind: 'h264', seconds: 5, label: 'Tikhaya Gavan', frequency: 750 },
    },
    {
      name: defaultTitles.long,
      year: 2018,
      overview: 'A title longer than Discord allows in a choice name.',
      media: { kind: 'h264', seconds: 5, label: 'Long Title', frequency: 800 },
    },
    {
      name: 'Harbor Lights',
      year: 2012,
      overview: 'Shares a word with Night Harbor, for ranking tests.',
      media: { kind: 'h264', seconds: 5, label: 'Harbor Lights', frequency: 480 },
    },
    {
      name: 'Harbor',
      year: 2001,
      overview: 'An exact one-word title.',
      media: { kind: 'h264', seconds: 5, label: 'Harbor', frequency: 500 },
    },
  ];
  return stampSaveTimes([
    ...movies.map(movie),
    ...series({
      name: defaultTitles.series,
      year: 2021,
      overview: 'Night-shift nurses keep a hospital running.',
      episodeSeconds: 5,
      seasons: [
        { number: 0, episodes: ['Behind the Scenes'] },
        { number: 1, episodes: ['Pilot', 'Graveyard Shift', 'The Long Night'] },
        { number: 2, episodes: ['Back on the Ward', 'Code Blue'] },
      ],
    }),
    ...series({
      name: defaultTitles.longSeries,
      year: 2019,
      overview: 'A series whose name alone nearly fills a Discord choice.',
      episodeSeconds: 5,
      seasons: [
        {
          number: 2,
          episodes: [
            'An Unusually Protracted Discussion Regarding the Proper Temperature of Earl Grey',
            'Scones',
            'The Kettle Strikes Back',
            'Milk First',
            'The Great Teapot Schism of the Seventeen Dimensions',
          ],
        },
      ],
    }),
  ]);
}

// Deterministic word lists for the large catalog: realistic prefix and word overlaps.
const adjectives =
  'Silent Broken Hidden Golden Crimson Frozen Burning Distant Hollow Electric Forgotten Savage Quiet Midnight Scarlet Lonely Wild Secret Final Endless Bitter Northern Iron Glass Silver Velvet Neon Ancient Lost Wicked Gentle Restless Shattered Sacred Pale Fallen Rising Dark Bright Empty'.split(
    ' ',
  );
const nouns =
  'Harbor River Kingdom Garden Empire Mirror Horizon Forest Station Signal Machine Winter Summer Ocean Desert Island Shadow Promise Memory Thunder Bridge Tower Circle Voyage Letter Highway Orchard Frontier Lantern Compass Harvest Cathedral Carnival Echo Fortress Meadow Canyon Archive Velocity Paradox Cipher Serpent Falcon Monarch Pilgrim Outlaw Stranger Witness Dancer Hunter'.split(
    ' ',
  );
const syllables =
  'ka lo mir tan vel sor dra quin bex ul nor zi pha ren tho gal wyn osk ari eth mun cael rav ist'.split(' ');
type TitlePattern = (adjective: string, noun: string, other: string, made: string) => string;
const patterns: TitlePattern[] = [
  (a, n) => `The ${a} ${n}`,
  (a, n) => `${a} ${n}`,
  (a, n, m) => `${n} of the ${a} ${m}`,
  (a, n, m) => `${a} ${n} and the ${m}`,
  (_a, n, m) => `${n} ${m}`,
  // Invented names widen the vocabulary to the tens of thousands of words a real library has.
  (_a, n, _m, made) => `${made} ${n}`,
  (a, _n, _m, made) => `The ${a} ${made}`,
];
const romans = ['', '', '', ' II', ' III', ' IV'];

function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * `count` metadata-only items (about 60 % movies, 2 % series, the rest their episodes across two
 * seasons), deterministic for a given count. They play the shared default media when asked.
 */
export function generateLargeLibrary(count: number): SimItem[] {
  const random = prng(count);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const madeUp = () => {
    const parts = Array.from({ length: 2 + Math.floor(random() * 2) }, () => pick(syllables)).join('');
    return parts.charAt(0).toUpperCase() + parts.slice(1);
  };
  const title = () => pick(patterns)(pick(adjectives), pick(nouns), pick(nouns), madeUp()) + pick(romans);
  const items: SimItem[] = [];
  const seriesCount = Math.max(1, Math.round(count * 0.02));
  const episodesPerSeries = Math.max(1, Math.floor((count * 0.38) / seriesCount));
  for (let s = 0; s < seriesCount && items.length < count; s += 1) {
    const name = `${title()} Chronicles`;
    const seriesId = simId(`bulk-series:${s}`);
    const year = 1990 + Math.floor(random() * 35);
    items.push({ id: seriesId, type: 'Series', name, year, dateLastSaved: baseDate, imageTag: simId(name) });
    for (let e = 0; e < episodesPerSeries && items.length < count; e += 1) {
      const season = e < episodesPerSeries / 2 ? 1 : 2;
      const episode = season === 1 ? e + 1 : e + 1 - Math.ceil(episodesPerSeries / 2);
      items.push({
        id: simId(`bulk-episode:${s}:${e}`),
        type: 'Episode',
        name: `${pick(adjectives)} ${pick(nouns)}`,
        year: year + season - 1,
        runtimeSeconds: 1_800 + Math.floor(random() * 1_800),
        seriesId,
        seriesName: name,
        seasonId: simId(`bulk-season:${s}:${season}`),
        seasonName: `Season ${season}`,
        indexNumber: episode,
        parentIndexNumber: season,
        locationType: 'FileSystem',
        dateLastSaved: baseDate,
      });
    }
  }
  for (let m = 0; items.length < count; m += 1) {
    const name = title();
    items.push({
      id: simId(`bulk-movie:${m}`),
      type: 'Movie',
      name,
      year: 1950 + Math.floor(random() * 76),
      overview: `${name}: a generated film for benchmarks.`,
      runtimeSeconds: 5_400 + Math.floor(random() * 3_600),
      providerIds: { Tmdb: String(1_000_000 + m), Imdb: `tt${String(5_000_000 + m)}` },
      locationType: 'FileSystem',
      dateLastSaved: baseDate,
      imageTag: simId(`bulk-image:${m}`),
    });
  }
  return stampSaveTimes(items);
}
