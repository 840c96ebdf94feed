// The `media` suggestions' series choices over the real catalog (synced from the Jellyfin
// simulator): after the series, the rest of it and each season with its episode count, the
// specials last; within Discord's limits; and each value queues what its name says.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defaultTitles } from '../../sim/jellyfin/library.ts';
import { toChoices } from '../../src/commands/media-search.ts';
import { withSeriesChoices } from '../../src/commands/series-choices.ts';
import { maxChoiceLength, maxChoices } from '../../src/interactions/autocomplete-choices.ts';
import { CatalogSearch } from '../../src/jellyfin/catalog-search.ts';
import { syncCatalog } from '../../src/jellyfin/catalog-sync.ts';
import { JellyfinSeriesEpisodes } from '../../src/jellyfin/film-night.ts';
import { JellyfinMediaLibrary } from '../../src/jellyfin/media-library.ts';
import { createLogger } from '../../src/logger.ts';
import { parseSeriesChoice } from '../../src/watchparty/series-queueing.ts';
import { type JellyfinFixture, startJellyfinFixture } from '../jellyfin/fixture.ts';

describe('series choices in the media suggestions', () => {
  let fixture: JellyfinFixture;
  let search: CatalogSearch;
  before(async () => {
    fixture = await startJellyfinFixture();
    await syncCatalog(fixture.database.db, fixture.client);
    search = new CatalogSearch({
      db: fixture.database.db,
      client: fixture.client,
      logger: createLogger({ level: 'silent', pretty: false }),
    });
  });
  after(() => fixture.cleanup());

  test('the series, then the rest of it and its seasons (specials last), each queueing what it says', async () => {
    const hits = await search.search('nightshift', { limit: maxChoices });
    const choices = await withSeriesChoices(toChoices(hits), hits, (id) => search.seasonsOf(id));
    assert.ok(choices.length <= maxChoices);
    for (const choice of choices)
      assert.ok(choice.name.length <= maxChoiceLength && choice.value.length <= 100);
    const series = fixture.sim.library.byName(defaultTitles.series);
    const names = choices.map((choice) => choice.name);
    const at = choices.findIndex((choice) => choice.value === series.id);
    assert.deepEqual(names.slice(at + 1, at + 5), [
      `${defaultTitles.series} · the rest of the series`,
      `${defaultTitles.series} · the whole season 1 (3 episodes)`,
      `${defaultTitles.series} · the whole season 2 (2 episodes)`,
      `${defaultTitles.series} · the specials (1 episode)`,
    ]);
    const episodes = new JellyfinSeriesEpisodes({
      client: fixture.client,
      library: new JellyfinMediaLibrary(fixture.client),
    });
    const season2 = parseSeriesChoice(String(choices[at + 3]?.value));
    assert.ok(season2);
    const queued = await episodes.episodeIds(season2.seriesId, season2.scope);
    assert.deepEqual(
      queued.map((id) => fixture.sim.library.get(id)?.name),
      ['Back on the Ward', 'Code Blue'],
    );
  });
});
