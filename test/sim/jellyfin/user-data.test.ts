// The Jellyfin simulator's users and watch state, as Jellyfin 10.10+ answers them: the 10.10 routes
// and the older /Users/{userId}/... forms reach the same data, an unknown user is a 404, Next Up
// and Resume follow what was played, and media segments filter by type.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defaultTitles } from '../../../sim/jellyfin/library.ts';
import { type JellyfinSim, startJellyfinSim } from '../../../sim/jellyfin/server.ts';
import { defaultUserNames } from '../../../sim/jellyfin/user-data.ts';
import { mediaBrowserAuthorization } from '../../../src/media/jellyfin-auth-header.ts';

describe('Jellyfin simulator: users, user data, Next Up, Resume and segments', () => {
  let sim: JellyfinSim;
  let headers: Record<string, string>;
  before(async () => {
    sim = await startJellyfinSim();
    headers = { Authorization: mediaBrowserAuthorization(sim.apiKey, 'sim-test') };
  });
  after(() => sim.stop());

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${sim.url}${path}`, {
      method,
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return {
      status: response.status,
      body: (await response.json().catch(() => null)) as Record<string, unknown>,
    };
  };

  test('GET /Users lists the users; user data of an unknown user is a 404, without one a 400', async () => {
    const users = (await call('GET', '/Users')).body as unknown as { Name: string }[];
    assert.deepEqual(
      users.map((user) => user.Name),
      [defaultUserNames.party, defaultUserNames.other],
    );
    const movie = sim.library.byName(defaultTitles.basic);
    assert.equal((await call('GET', `/UserItems/${movie.id}/UserData?userId=${'0'.repeat(32)}`)).status, 404);
    assert.equal((await call('GET', `/UserItems/${movie.id}/UserData`)).status, 400);
  });

  test('the 10.10 routes and the older /Users forms read and write the same user data', async () => {
    const user = sim.users.byName(defaultUserNames.other);
    const movie = sim.library.byName(defaultTitles.hevc);
    const saved = await call('POST', `/UserItems/${movie.id}/UserData?userId=${user.id}`, {
      PlaybackPositionTicks: 30_000_000,
      LastPlayedDate: '2026-12-01T20:00:00.0000000Z',
    });
    assert.equal(saved.body.PlaybackPositionTicks, 30_000_000);
    const older = await call('GET', `/Users/${user.id}/Items/${movie.id}/UserData`);
    assert.equal(older.body.PlaybackPositionTicks, 30_000_000);
    assert.equal(older.body.Played, false);
    const resume = await call('GET', `/Users/${user.id}/Items/Resume`);
    assert.deepEqual(
      (resume.body.Items as { Id: string }[]).map((item) => item.Id),
      [movie.id],
    );
    const played = await call('POST', `/Users/${user.id}/PlayedItems/${movie.id}`);
    assert.deepEqual(
      [played.body.Played, played.body.PlayCount, played.body.PlaybackPositionTicks],
      [true, 1, 0],
    );
    assert.equal(
      ((await call('GET', `/UserItems/Resume?userId=${user.id}`)).body.Items as unknown[]).length,
      0,
    );
    const unplayed = await call('DELETE', `/UserPlayedItems/${movie.id}?userId=${user.id}`);
    assert.deepEqual([unplayed.body.Played, unplayed.body.PlayCount], [false, 0]);
  });

  test('Next Up: the first episode, then the one after the last played; the series counts what is left', async () => {
    const user = sim.users.byName(defaultUserNames.other);
    const series = sim.library.byName(defaultTitles.series);
    const nextUp = async () =>
      (
        (await call('GET', `/Shows/NextUp?userId=${user.id}&seriesId=${series.id}`)).body.Items as {
          Name: string;
        }[]
      ).map((item) => item.Name);
    assert.deepEqual(await nextUp(), ['Pilot']);
    await call('POST', `/UserPlayedItems/${sim.library.byName('Graveyard Shift').id}?userId=${user.id}`);
    assert.deepEqual(await nextUp(), ['The Long Night']);
    const seriesData = await call('GET', `/Items?ids=${series.id}&userId=${user.id}`);
    const [item] = seriesData.body.Items as { UserData: { UnplayedItemCount: number } }[];
    assert.equal(item?.UserData.UnplayedItemCount, 4);
  });

  test('media segments in ticks, filtered by type; an unknown type or a comma list is a 400', async () => {
    const pilot = sim.library.byName('Pilot');
    const all = await call('GET', `/MediaSegments/${pilot.id}`);
    assert.deepEqual(
      (all.body.Items as { Type: string; StartTicks: number; EndTicks: number }[]).map((segment) => [
        segment.Type,
        segment.StartTicks,
        segment.EndTicks,
      ]),
      [
        ['Intro', 0, 20_000_000],
        ['Outro', 40_000_000, 50_000_000],
      ],
    );
    const outros = await call('GET', `/MediaSegments/${pilot.id}?includeSegmentTypes=Outro`);
    assert.equal((outros.body.Items as unknown[]).length, 1);
    assert.equal((await call('GET', `/MediaSegments/${pilot.id}?includeSegmentTypes=Credits`)).status, 400);
    // As in Jellyfin, a comma list is not how the types are given (repeated keys are).
    assert.equal(
      (await call('GET', `/MediaSegments/${pilot.id}?includeSegmentTypes=Intro,Outro`)).status,
      400,
    );
  });
});
