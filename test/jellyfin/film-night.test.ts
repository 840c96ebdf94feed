// Film night against the Jellyfin simulator: the configured user resolved by name, that user's
// watch state read and written as Jellyfin keeps it, Next Up choosing where a series starts, a
// season or the rest of a series in order, and media segments (with a server that has none).
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { defaultTitles } from '../../sim/jellyfin/library.ts';
import { defaultUserNames } from '../../sim/jellyfin/user-data.ts';
import {
  JellyfinSegments,
  JellyfinSeriesEpisodes,
  JellyfinUserNotFoundError,
  JellyfinWatchHistory,
  resolveJellyfinUser,
} from '../../src/jellyfin/film-night.ts';
import { JellyfinMediaLibrary } from '../../src/jellyfin/media-library.ts';
import { createLogger } from '../../src/logger.ts';
import { type JellyfinFixture, startJellyfinFixture } from './fixture.ts';

const logger = createLogger({ level: 'silent', pretty: false });
const ticks = (seconds: number) => seconds * 10_000_000;

describe('film night on Jellyfin', () => {
  let fixture: JellyfinFixture;
  let userId: string;
  beforeEach(async () => {
    fixture = await startJellyfinFixture();
    userId = await resolveJellyfinUser(fixture.client, 'MovieNight');
  });
  afterEach(() => fixture.cleanup());

  const episode = (name: string) => fixture.sim.library.byName(name);

  test('JELLYFIN_USER is found by name, whatever its case; an unknown name says which exist', async () => {
    assert.equal(userId, fixture.sim.users.byName(defaultUserNames.party).id);
    await assert.rejects(
      resolveJellyfinUser(fixture.client, 'nobody'),
      (error: unknown) =>
        error instanceof JellyfinUserNotFoundError && /JELLYFIN_USER.*movienight, alice/.test(error.message),
    );
  });

  test('the user’s position is read, saved while playing and replaced by "played" at the end', async () => {
    const history = new JellyfinWatchHistory({
      client: fixture.client,
      userId,
      logger,
      progressIntervalMs: 60_000,
    });
    const movie = fixture.sim.library.byName(defaultTitles.basic);
    assert.deepEqual(await history.stateOf(movie.id), {
      positionSeconds: 0,
      played: false,
      lastPlayedAt: null,
    });
    history.progress(movie.id, 4);
    history.progress(movie.id, 5); // within the interval: not sent
    await history.settled();
    const saved = await history.stateOf(movie.id);
    assert.equal(saved?.positionSeconds, 4);
    assert.equal(saved?.played, false);
    assert.ok(saved?.lastPlayedAt);
    // Jellyfin's own lists see it: Resume, and items asked for with the user.
    const resume = (await fetch(`${fixture.sim.url}/UserItems/Resume?userId=${userId}`, {
      headers: { Authorization: fixture.client.authorizationHeader() },
    }).then((response) => response.json())) as { Items: { Id: string }[] };
    assert.deepEqual(
      resume.Items.map((item) => item.Id),
      [movie.id],
    );
    const [withData] = (await fixture.client.items({ ids: [movie.id], userId })).Items;
    const userData = withData?.UserData as { PlaybackPositionTicks?: number } | undefined;
    assert.equal(userData?.PlaybackPositionTicks, ticks(4));
    history.ended(movie.id, 10, true);
    await history.settled();
    const played = await fixture.client.userData(userId, movie.id);
    assert.equal(played.Played, true);
    assert.equal(played.PlayCount, 1);
    assert.equal(played.PlaybackPositionTicks, 0);
    // Another user's data is their own.
    const other = fixture.sim.users.byName(defaultUserNames.other).id;
    assert.equal((await fixture.client.userData(other, movie.id)).Played, false);
  });

  test('a series starts at the user’s Next Up, else at its first episode; specials never come next', async () => {
    const series = fixture.sim.library.byName(defaultTitles.series);
    const withUser = new JellyfinMediaLibrary(fixture.client, { userId });
    const withoutUser = new JellyfinMediaLibrary(fixture.client);
    assert.equal((await withUser.describe(series.id)).itemId, episode('Pilot').id);
    fixture.sim.users.markPlayed(userId, episode('Pilot').id, undefined);
    fixture.sim.users.markPlayed(userId, episode('Graveyard Shift').id, undefined);
    assert.equal(
      (await withUser.describe(series.id)).title,
      `${defaultTitles.series} · S01E03 · The Long Night`,
    );
    fixture.sim.users.markPlayed(userId, episode('The Long Night').id, undefined);
    assert.equal((await withUser.describe(series.id)).itemId, episode('Back on the Ward').id);
    assert.equal((await withoutUser.describe(series.id)).itemId, episode('Pilot').id);
  });

  test('a season, or the rest of the series from Next Up, in aired order with the specials last', async () => {
    const series = fixture.sim.library.byName(defaultTitles.series);
    const media = new JellyfinMediaLibrary(fixture.client, { userId });
    const episodes = new JellyfinSeriesEpisodes({ client: fixture.client, library: media });
    const names = (ids: string[]) => ids.map((id) => fixture.sim.library.get(id)?.name);
    assert.deepEqual(names(await episodes.episodeIds(series.id, { kind: 'season', seasonNumber: 1 })), [
      'Pilot',
      'Graveyard Shift',
      'The Long Night',
    ]);
    fixture.sim.users.markPlayed(userId, episode('Pilot').id, undefined);
    fixture.sim.users.markPlayed(userId, episode('Graveyard Shift').id, undefined);
    assert.deepEqual(names(await episodes.episodeIds(series.id, { kind: 'rest' })), [
      'The Long Night',
      'Back on the Ward',
      'Code Blue',
      'Behind the Scenes',
    ]);
  });

  test('media segments: intro and credits of an episode, none for a film or a server without them', async () => {
    const segments = new JellyfinSegments({ client: fixture.client, logger });
    assert.deepEqual(await segments.segmentsOf(episode('Pilot').id), [
      { kind: 'intro', startSeconds: 0, endSeconds: 2 },
      { kind: 'credits', startSeconds: 4, endSeconds: 5 },
    ]);
    assert.deepEqual(await segments.segmentsOf(fixture.sim.library.byName(defaultTitles.basic).id), []);
    fixture.sim.faults.set({ path: '/MediaSegments', status: 404 });
    assert.deepEqual(await segments.segmentsOf(episode('Pilot').id), []);
  });
});
