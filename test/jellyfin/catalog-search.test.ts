// Autocomplete over the synced catalog: ranking tiers, type filter, typos, episode codes, the
// 100-character rule, the episode picker, and the live fallback while the catalog is empty.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defaultTitles } from '../../sim/jellyfin/library.ts';
import type { JellyfinSim } from '../../sim/jellyfin/server.ts';
import { CatalogSearch, MAX_CHOICES } from '../../src/jellyfin/catalog-search.ts';
import { syncCatalog } from '../../src/jellyfin/catalog-sync.ts';
import { choiceName, MAX_CHOICE_NAME_LENGTH, truncate } from '../../src/jellyfin/choice-name.ts';
import { JellyfinClient } from '../../src/jellyfin/client.ts';
import { parseEpisodeQuery } from '../../src/jellyfin/episode-query.ts';
import type { TestDatabase } from '../support/database.ts';
import { type JellyfinFixture, startJellyfinFixture } from './fixture.ts';

describe('episode query parsing', () => {
  const cases: [string, ReturnType<typeof parseEpisodeQuery>][] = [
    ['S2E5', { seriesText: '', season: 2, episode: 5 }],
    ['s02e05', { seriesText: '', season: 2, episode: 5 }],
    ['Show 2x05', { seriesText: 'Show', season: 2, episode: 5 }],
    ['The Show S02E05', { seriesText: 'The Show', season: 2, episode: 5 }],
    ['the show s2 e5', { seriesText: 'the show', season: 2, episode: 5 }],
    ['Show season 2 episode 5', { seriesText: 'Show', season: 2, episode: 5 }],
    ['Show S3', { seriesText: 'Show', season: 3, episode: null }],
    ['Show · S01E10', { seriesText: 'Show', season: 1, episode: 10 }],
  ];
  for (const [input, expected] of cases) {
    test(`"${input}"`, () => assert.deepEqual(parseEpisodeQuery(input), expected));
  }
  for (const input of ['Se7en', '2001 A Space Odyssey', 'S', 'Ocean 11', 'Mission 3x']) {
    test(`"${input}" is a title, not an episode`, () => assert.equal(parseEpisodeQuery(input), null));
  }
});

describe('choice names', () => {
  test('episodes read Show · SxxEyy · Title (year)', () => {
    const name = choiceName({
      type: 'episode',
      name: 'Code Blue',
      year: 2022,
      series_name: 'Nightshift Diaries',
      season_number: 2,
      episode_number: 2,
    });
    assert.equal(name, 'Nightshift Diaries · S02E02 · Code Blue (2022)');
  });

  test('long names stay within 100 characters and keep series, code and year', () => {
    const name = choiceName({
      type: 'episode',
      name: 'T'.repeat(150),
      year: 2020,
      series_name: 'S'.repeat(120),
      season_number: 12,
      episode_number: 105,
    });
    assert.ok(name.length <= MAX_CHOICE_NAME_LENGTH, `${name.length}`);
    assert.match(name, /^S+… · S12E105 · T+… \(2020\)$/);
  });

  test('truncation never splits a character outside the basic plane', () => {
    const cut = truncate('😀'.repeat(80), 100);
    assert.ok(cut.length <= 100);
    assert.ok(cut.endsWith('😀…'));
  });
});

describe('catalog search', () => {
  let fixture: JellyfinFixture;
  let sim: JellyfinSim;
  let database: TestDatabase;
  let search: CatalogSearch;

  before(async () => {
    fixture = await startJellyfinFixture();
    ({ sim, database } = fixture);
    await syncCatalog(database.db, fixture.client);
    search = new CatalogSearch({ db: database.db, client: fixture.client });
  });
  after(() => fixture.cleanup());

  const names = async (query: string, options = {}) =>
    (await search.search(query, options)).map((c) => c.name);

  test('exact title, then prefix, then word matches', async () => {
    const choices = await search.search('harbor');
    assert.deepEqual(
      choices.map((choice) => [choice.match, choice.name]),
      [
        ['exact', 'Harbor (2001)'],
        ['prefix', 'Harbor Lights (2012)'],
        ['word', 'Night Harbor (2019)'],
      ],
    );
    assert.equal(choices[0]?.value, sim.library.byName('Harbor').id, 'values are Jellyfin item ids');
  });

  test('the last word counts as a prefix while it is being typed', async () => {
    assert.deepEqual(await names('harb'), ['Harbor (2001)', 'Harbor Lights (2012)', 'Night Harbor (2019)']);
    assert.deepEqual(await names('night harb'), ['Night Harbor (2019)']);
  });

  test('typos still find the title', async () => {
    const choices = await search.search('nightshfit');
    assert.equal(choices[0]?.name, 'Nightshift Diaries (2021) · Series');
    assert.equal(choices[0]?.match, 'fuzzy');
    assert.deepEqual(await names('harbr lights'), ['Harbor Lights (2012)']);
  });

  test('accents, Cyrillic and Japanese titles are found', async () => {
    assert.deepEqual(await names('amelie'), ['Amélie des Étoiles (2015)']);
    assert.deepEqual(await names('тихая'), ['Тихая гавань (2016)']);
    assert.deepEqual(await names('夜の'), ['夜の港 (2017)']);
  });

  test('the type filter keeps only the asked kinds', async () => {
    const series = await search.search('night', { type: 'series' });
    assert.deepEqual(
      series.map((choice) => choice.name),
      ['Nightshift Diaries (2021) · Series'],
    );
    const movies = await search.search('night', { type: ['movie'] });
    assert.deepEqual(
      movies.map((choice) => choice.name),
      ['Night Harbor (2019)'],
    );
  });

  test('episode codes find the episode, with or without the series', async () => {
    assert.deepEqual(await names('Nightshift S2E1'), [
      'Nightshift Diaries · S02E01 · Back on the Ward (2022)',
    ]);
    assert.deepEqual(await names('nightshift diaries 1x03'), [
      'Nightshift Diaries · S01E03 · The Long Night (2021)',
    ]);
    assert.deepEqual(await names('s01e02'), ['Nightshift Diaries · S01E02 · Graveyard Shift (2021)']);
    assert.deepEqual(await names('nightshift s2'), [
      'Nightshift Diaries · S02E01 · Back on the Ward (2022)',
      'Nightshift Diaries · S02E02 · Code Blue (2022)',
    ]);
  });

  test('every name is at most 100 characters and long episodes keep their context', async () => {
    const all = [
      ...(await search.search('remarkably')),
      ...(await search.search('extraordinarily')),
      ...(await search.search('remarkably s02e05')),
    ];
    assert.ok(all.length >= 3);
    for (const choice of all) assert.ok(choice.name.length <= MAX_CHOICE_NAME_LENGTH, choice.name);
    const longEpisode = all.find((choice) => choice.type === 'episode' && choice.name.includes('S02E05'));
    assert.match(
      longEpisode?.name ?? '',
      /^The Remarkably Verbose.*… · S02E05 · The Great Teapot.*\(2020\)$/,
    );
    const longMovie = all.find((choice) => choice.type === 'movie');
    assert.ok(longMovie?.name.endsWith('… (2018)'), longMovie?.name);
  });

  test('never more than 25 choices', async () => {
    const client = new JellyfinClient({ baseUrl: sim.url, apiKey: sim.apiKey });
    for (let i = 0; i < 40; i += 1) {
      sim.library.add({
        id: `${String(i).padStart(2, '0')}${'a'.repeat(30)}`,
        type: 'Movie',
        name: `Harbor Story ${i}`,
      });
    }
    await syncCatalog(database.db, client);
    assert.equal((await search.search('harbor')).length, MAX_CHOICES);
    assert.equal((await search.search('harbor', { limit: 100 })).length, MAX_CHOICES);
    assert.equal((await search.search('harbor', { limit: 5 })).length, 5);
  });

  test('the episode picker lists a series in aired order and filters by code or title', async () => {
    const series = sim.library.byName(defaultTitles.series);
    const all = await search.episodesOf(series.id);
    assert.deepEqual(
      all.map((choice) => choice.name.split(' · ')[1]),
      ['S00E01', 'S01E01', 'S01E02', 'S01E03', 'S02E01', 'S02E02'],
    );
    assert.deepEqual(
      (await search.episodesOf(series.id, 's2e2')).map((choice) => choice.name),
      ['Nightshift Diaries · S02E02 · Code Blue (2022)'],
    );
    assert.deepEqual(
      (await search.episodesOf(series.id, 'graveyard')).map((choice) => choice.name),
      ['Nightshift Diaries · S01E02 · Graveyard Shift (2021)'],
    );
    assert.deepEqual(await search.seasonsOf(series.id), [
      { seasonNumber: 0, episodeCount: 1 },
      { seasonNumber: 1, episodeCount: 3 },
      { seasonNumber: 2, episodeCount: 2 },
    ]);
  });
});

describe('search before the first sync', () => {
  let fixture: JellyfinFixture;
  let sim: JellyfinSim;
  let database: TestDatabase;
  before(async () => {
    fixture = await startJellyfinFixture();
    ({ sim, database } = fixture);
  });
  after(() => fixture.cleanup());

  test("falls back to Jellyfin's live search", async () => {
    const client = new JellyfinClient({ baseUrl: sim.url, apiKey: sim.apiKey });
    const search = new CatalogSearch({ db: database.db, client });
    const choices = await search.search('harbor', { type: 'movie' });
    assert.deepEqual(choices.map((choice) => [choice.match, choice.name]).sort(), [
      ['live', 'Harbor (2001)'],
      ['live', 'Harbor Lights (2012)'],
      ['live', 'Night Harbor (2019)'],
    ]);
    assert.ok(sim.requests.some((request) => request.query.searchTerm === 'harbor'));
  });

  test('gives up on a live search that misses its deadline, with no choices rather than an error', async () => {
    const client = new JellyfinClient({ baseUrl: sim.url, apiKey: sim.apiKey });
    const search = new CatalogSearch({ db: database.db, client, liveDeadlineMs: 50 });
    sim.faults.set({ path: '/Items', when: (request) => request.query.has('searchTerm'), latencyMs: 5_000 });
    assert.deepEqual(await search.search('harbor'), []);
    sim.faults.clear();
  });

  test('the episode picker asks Jellyfin while the catalog is empty', async () => {
    const client = new JellyfinClient({ baseUrl: sim.url, apiKey: sim.apiKey });
    const search = new CatalogSearch({ db: database.db, client });
    const series = sim.library.byName(defaultTitles.series);
    const episodes = await search.episodesOf(series.id, 's1');
    assert.deepEqual(
      episodes.map((choice) => choice.name),
      [
        'Nightshift Diaries · S01E01 · Pilot (2021)',
        'Nightshift Diaries · S01E02 · Graveyard Shift (2021)',
        'Nightshift Diaries · S01E03 · The Long Night (2021)',
      ],
    );
  });
});
