// Film night through the whole stack, with JELLYFIN_USER set: the real bot resolves the user, a
// series queued by name starts at that user's Next Up (not S01E01), the real worker plays it with
// its intro and credits known, and once it has played Jellyfin records it as watched for the user
// and moves Next Up on.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defaultTitles } from '../../sim/jellyfin/library.ts';
import { defaultUserNames } from '../../sim/jellyfin/user-data.ts';
import { type Stack, startStack } from '../../sim/stack/index.ts';
import { waitForPanel } from '../../sim/stack/panel.ts';
import { waitFor } from '../../sim/wait-for.ts';

const WAIT_MS = 45_000;

describe('film night through the whole stack', { timeout: 180_000 }, () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack({ botEnv: { JELLYFIN_USER: 'MovieNight' } });
  });
  after(async () => {
    await stack?.stop();
  });

  test('a series starts at the user’s Next Up, and playing it to the end marks it watched', async () => {
    const { discord, people, jellyfin } = stack;
    const user = jellyfin.users.byName(defaultUserNames.party);
    const episode = (name: string) => jellyfin.library.byName(name);
    jellyfin.users.markPlayed(user.id, episode('Pilot').id, undefined);
    await discord.interactions
      .command({ user: people.alice }, 'watchparty', 'create', { title: 'Series night' })
      .reply(WAIT_MS);
    const series = jellyfin.library.byName(defaultTitles.series);
    const queued = await discord.interactions
      .command({ user: people.alice }, 'watchparty', 'queue', { media: series.id })
      .reply(WAIT_MS);
    assert.equal(queued.content, `Starting **${defaultTitles.series} · S01E02 · Graveyard Shift** now.`);
    await waitForPanel(
      discord,
      null,
      'the episode to end',
      (panel) => panel.title === 'Nothing playing',
      WAIT_MS,
    );
    const watched = await waitFor(
      'Jellyfin to record the episode as watched',
      () => {
        const data = jellyfin.users.dto(user.id, episode('Graveyard Shift'));
        return data.Played === true ? data : null;
      },
      WAIT_MS,
    );
    assert.equal(watched.PlayCount, 1);
    assert.equal(jellyfin.users.nextUp(user.id, series)?.name, 'The Long Night');
    // The episode's intro and credits were fetched from Jellyfin when it started.
    assert.ok(
      jellyfin.requests.some((request) => request.path === `/MediaSegments/${episode('Graveyard Shift').id}`),
    );
  });
});
