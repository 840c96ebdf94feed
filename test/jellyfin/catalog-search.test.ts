// Autocomplete over the synced catalog: ranking tiers, type filter, typos, episode codes, the
// limit, the episode picker, the live fallback while the catalog is empty, and a caller giving up.
// Hits are read as the Discord door names them, which is what a user sees.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { defaultTitles } from '../../sim/jellyfin/library.ts';
import type { JellyfinSim } from '../../sim/jellyfin/server.ts';
import { choiceName } from '../../src/commands/choice-name.ts';
import { maxChoiceLength, maxChoices } from '../../src/interactions/autocomplete-choices.ts';
import { CatalogSearch, matchScores } from '../../src/jellyfin/catalog-search.ts';
import { syncCatalog } from '../../src/jellyfin/catalog-sync.ts';
import { JellyfinClient } from '../../src/jellyfin/client.ts';
import { parseEpisodeQuery } from '../../src/jellyfin/episode-query.ts';
import { capturedLogs } from '../support/captured-logs.ts';
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
    ['Show season 3', { seriesText: 'Show', season: 3, episode: null }],
    ['Show e2', { seriesText: 'Show', season: null, episode: 2 }],
    ['Show ep 12', { seriesText: 'Show', season: null, episode: 12 }],
    ['Show episode 2', { seriesText: 'Show', season: null, episode: 2 }],
  ];
  for (const [input, expected] of cases) {
    test(`"${input}"`, () => assert.deepEqual(parseEpisodeQuery(input), expected));
  }
  for (const input of ['Se7en', '2001 A Space Odyssey', 'S', 'Ocean 11', 'Mission 3x', 'e2', 'Episode 2']) {
    test(`"${input}" is a title, not an episode`, () => assert.equal(parseEpisodeQuery(input), null));
  }
});

const asked = { limit: maxChoices };
const run = promisify(execFile);

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
    (await search.search(query, { ...asked, ...options })).map((hit) => choiceName(hit));

  test('exact title, then prefix, then word matches', async () => {
    const choices = await search.search('harbor', asked);
    assert.deepEqual(
      choices.map((hit) => [hit.match, choiceName(hit)]),
      [
        ['exact', 'Harbor (2001)'],
        ['prefix', 'Harbor Lights (2012)'],
        ['word', 'Night Harbor (2019)'],
      ],
    );
    assert.equal(choices[0]?.itemId, sim.library.byName('Harbor').id, 'hits carry Jellyfin item ids');
  });

  test('the last word counts as a prefix while it is being typed', async () => {
    assert.deepEqual(await names('harb'), ['Harbor (2001)', 'Harbor Lights (2012)', 'Night Harbor (2019)']);
    assert.deepEqual(await names('night harb'), ['Night Harbor (2019)']);
  });

  test('typos still find the title', async () => {
    const choices = await search.search('nightshfit', asked);
    assert.equal(choices[0] && choiceName(choices[0]), 'Nightshift Diaries (2021) · Series · 6 episodes');
    assert.equal(choices[0]?.match, 'fuzzy');
    assert.deepEqual(await names('harbr lights'), ['Harbor Lights (2012)']);
  });

  test('several words with typos, a trailing year and an original title find the item first', async () => {
    const first = async (query: string) => (await names(query))[0];
    assert.equal(await first('nightshift diarys'), 'Nightshift Diaries (2021) · Series · 6 episodes');
    assert.equal(await first('nigthshift diareis'), 'Nightshift Diaries (2021) · Series · 6 episodes');
    assert.equal(await first('night harbor 2019'), 'Night Harbor (2019)');
    assert.equal(await first('night harbor (2019)'), 'Night Harbor (2019)');
    assert.equal(await first('harbor 2012'), 'Harbor Lights (2012)', 'the year picks among shared words');
    assert.equal(await first('night harbor 2018'), 'Night Harbor (2019)', 'a year remembered wrong');
    assert.equal(await first('yoru'), '夜の港 (2017)');
    assert.equal(await first('yoru no minato'), '夜の港 (2017)');
  });

  test('a year that is part of a title still finds that title', async () => {
    sim.library.add({ id: 'b'.repeat(32), type: 'Movie', name: 'Harbor 2049', year: 2017 });
    await syncCatalog(database.db, fixture.client);
    assert.equal((await names('harbor 2049'))[0], 'Harbor 2049 (2017)');
  });

  test('`npm run search` prints the choices autocomplete offers, as one JSON line', async () => {
    const { stdout } = await run(process.execPath, ['scripts/search.ts', 'nightshift diarys', '--json'], {
      env: { ...process.env, DATABASE_PATH: database.path },
    });
    const printed = JSON.parse(stdout.trim().split('\n').at(-1) ?? '');
    assert.equal(printed.query, 'nightshift diarys');
    assert.deepEqual(printed.choices[0], {
      name: 'Nightshift Diaries (2021) · Series · 6 episodes',
      value: sim.library.byName(defaultTitles.series).id,
      type: 'series',
      score: matchScores.fuzzy,
    });
  });

  test('accents, Cyrillic and Japanese titles are found', async () => {
    assert.deepEqual(await names('amelie'), ['Amélie des Étoiles (2015)']);
    assert.deepEqual(await names('тихая'), ['Тихая гавань (2016)']);
    assert.deepEqual(await names('夜の'), ['夜の港 (2017)']);
  });

  test('the type filter keeps only the asked kinds', async () => {
    assert.deepEqual(await names('night', { type: 'series' }), [
      'Nightshift Diaries (2021) · Series · 6 episodes',
    ]);
    assert.deepEqual(await names('night', { type: ['movie'] }), ['Night Harbor (2019)']);
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
    assert.deepEqual(await names('nightshift season 2'), await names('nightshift s2'));
  });

  test('an episode number without a season finds that episode of each season, in aired order', async () => {
    const second = [
      'Nightshift Diaries · S01E02 · Graveyard Shift (2021)',
      'Nightshift Diaries · S02E02 · Code Blue (2022)',
    ];
    assert.deepEqual(await names('nightshift e2'), second);
    assert.deepEqual(await names('nightshift episode 2'), second);
    assert.deepEqual(await names('nightshft diaries ep 2'), second, 'with a typo in the series');
  });

  test('every name is at most 100 characters and long episodes keep their context', async () => {
    const all = [
      ...(await search.search('remarkably', asked)),
      ...(await search.search('extraordinarily', asked)),
      ...(await search.search('remarkably s02e05', asked)),
    ];
    assert.ok(all.length >= 3);
    const named = all.map((hit) => ({ type: hit.type, name: choiceName(hit) }));
    for (const { name } of named) assert.ok(name.length <= maxChoiceLength, name);
    const longEpisode = named.find((hit) => hit.type === 'episode' && hit.name.includes('S02E05'));
    assert.match(
      longEpisode?.name ?? '',
      /^The Remarkably Verbose.*… · S02E05 · The Great Teapot.*\(2020\)$/,
    );
    const longMovie = named.find((hit) => hit.type === 'movie');
    assert.ok(longMovie?.name.endsWith('… (2018)'), longMovie?.name);
  });

  test('never more hits than asked for', async () => {
    const client = new JellyfinClient({ baseUrl: sim.url, apiKey: sim.apiKey });
    for (let i = 0; i < 40; i += 1) {
      sim.library.add({
        id: `${String(i).padStart(2, '0')}${'a'.repeat(30)}`,
        type: 'Movie',
        name: `Harbor Story ${i}`,
      });
    }
    await syncCatalog(database.db, client);
    assert.equal((await search.search('harbor', { limit: 30 })).length, 30);
    assert.equal((await search.search('harbor', { limit: 5 })).length, 5);
  });

  test("a catalog search its caller has given up on stops with the caller's reason", async () => {
    const gaveUp = new Error('the caller stopped waiting');
    await assert.rejects(search.search('harbor', { ...asked, signal: AbortSignal.abort(gaveUp) }), gaveUp);
  });

  test('the episode picker lists a series in aired order and filters by code or title', async () => {
    const series = sim.library.byName(defaultTitles.series);
    const all = await search.episodesOf(series.id, '', asked);
    assert.deepEqual(
      all.map((hit) => choiceName(hit).split(' · ')[1]),
      ['S01E01', 'S01E02', 'S01E03', 'S02E01', 'S02E02', 'S00E01'],
      'specials come last',
    );
    assert.deepEqual(
      (await search.episodesOf(series.id, 'e3', asked)).map((hit) => choiceName(hit)),
      ['Nightshift Diaries · S01E03 · The Long Night (2021)'],
    );
    assert.deepEqual(
      (await search.episodesOf(series.id, 'special', asked)).map((hit) => choiceName(hit)),
      ['Nightshift Diaries · S00E01 · Behind the Scenes (2021)'],
    );
    assert.deepEqual(
      (await search.episodesOf(series.id, 's2e2', asked)).map((hit) => choiceName(hit)),
      ['Nightshift Diaries · S02E02 · Code Blue (2022)'],
    );
    assert.deepEqual(
      (await search.episodesOf(series.id, 'graveyard', asked)).map((hit) => choiceName(hit)),
      ['Nightshift Diaries · S01E02 · Graveyard Shift (2021)'],
    );
    assert.deepEqual(await search.seasonsOf(series.id), [
      { seasonNumber: 1, episodeCount: 3 },
      { seasonNumber: 2, episodeCount: 2 },
      { seasonNumber: 0, episodeCount: 1 },
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
    const choices = await search.search('harbor', { ...asked, type: 'movie' });
    assert.deepEqual(choices.map((hit) => [hit.match, choiceName(hit)]).sort(), [
      ['live', 'Harbor (2001)'],
      ['live', 'Harbor Lights (2012)'],
      ['live', 'Night Harbor (2019)'],
    ]);
    assert.ok(sim.requests.some((request) => request.query.searchTerm === 'harbor'));
  });

  test("a live search its caller gives up on aborts the request to Jellyfin, with the caller's reason", async () => {
    const client = new JellyfinClient({ baseUrl: sim.url, apiKey: sim.apiKey });
    const search = new CatalogSearch({ db: database.db, client });
    const caller = new AbortController();
    const gaveUp = new Error('the caller stopped waiting');
    // Jellyfin never answers in time; the caller gives up once the request has reached it.
    sim.faults.set({
      path: '/Items',
      when: (request) => {
        if (request.query.has('searchTerm')) caller.abort(gaveUp);
        return true;
      },
      latencyMs: 5_000,
    });
    try {
      await assert.rejects(search.search('harbor', { ...asked, signal: caller.signal }), gaveUp);
    } finally {
      sim.faults.clear();
    }
  });

  test('a live search Jellyfin fails offers no hits rather than an error, and the log says why', async () => {
    const client = new JellyfinClient({ baseUrl: sim.url, apiKey: sim.apiKey });
    const { logger, lines } = capturedLogs('warn');
    const search = new CatalogSearch({ db: database.db, client, logger });
    const seenBefore = sim.requests.length;
    sim.faults.set({ path: '/Items', status: 503 });
    try {
      assert.deepEqual(await search.search('harbor', asked), []);
    } finally {
      sim.faults.clear();
    }
    assert.ok(
      sim.requests.slice(seenBefore).some((request) => request.query.searchTerm === 'harbor'),
      'Jellyfin was asked',
    );
    assert.deepEqual(
      lines.map((line) => line.msg),
      ['live Jellyfin search failed while the catalog is empty'],
    );
    assert.ok(
      (await search.search('harbor', asked)).length > 0,
      'the same search finds films once Jellyfin answers',
    );
  });

  test('the episode picker asks Jellyfin while the catalog is empty', async () => {
    const client = new JellyfinClient({ baseUrl: sim.url, apiKey: sim.apiKey });
    const search = new CatalogSearch({ db: database.db, client });
    const series = sim.library.byName(defaultTitles.series);
    const episodes = await search.episodesOf(series.id, 's1', asked);
    assert.deepEqual(
      episodes.map((hit) => choiceName(hit)),
      [
        'Nightshift Diaries · S01E01 · Pilot (2021)',
        'Nightshift Diaries · S01E02 · Graveyard Shift (2021)',
        'Nightshift Diaries · S01E03 · The Long Night (2021)',
      ],
    );
  });
});
