// Film night as a party's people see it in Discord: queueing a film they stopped last time says
// where it resumes with a Start over button, a series offers its seasons and queues one in order,
// the panel's Skip intro jumps past the intro, and the credits count down to the next item with a
// Play now button.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { waitFor } from '../../sim/wait-for.ts';
import type { MediaSegment } from '../../src/watchparty/segments.ts';
import { buttonId, type DiscordDoor, embedText, enabledButtons, openDiscordDoor } from './harness.ts';

const movieSegments: MediaSegment[] = [
  { kind: 'intro', startSeconds: 0, endSeconds: 90 },
  { kind: 'credits', startSeconds: 5600, endSeconds: 5700 },
];

describe('film night through the Discord simulator', () => {
  let door: DiscordDoor;
  let sessionId: number;

  before(async () => {
    door = await openDiscordDoor({
      filmNight: {
        segments: { segmentsOf: async (itemId) => (itemId === 'movie-1' ? movieSegments : []) },
        episodes: {
          episodeIds: async (seriesId) => [...(door.party.media.series.get(seriesId)?.episodeIds ?? [])],
        },
      },
    });
  });
  after(async () => {
    await door?.close();
  });

  const worker = () => door.party.workers;

  test('a film stopped last time resumes where it was; Start over and Resume at change it', async () => {
    const { sim, people, party } = door;
    await sim.interactions.command({ user: people.owner }, 'watchparty', 'create', {}).reply();
    const first = (await party.service.listSessions())[0]!.id;
    await sim.interactions
      .command({ user: people.owner }, 'watchparty', 'queue', { media: 'movie-1' })
      .reply();
    await waitFor(
      'movie-1 playing',
      async () => (await party.service.getSession(first)).session.status === 'playing',
    );
    worker().heartbeat(String(first), 3730);
    await party.service.settled();
    await sim.interactions.command({ user: people.owner }, 'watchparty', 'stop', {}).reply();

    await sim.interactions.command({ user: people.owner }, 'watchparty', 'create', {}).reply();
    sessionId = (await party.service.listSessions()).find((session) => session.status === 'draft')!.id;
    await sim.interactions
      .command({ user: people.owner }, 'watchparty', 'queue', { media: 'movie-3' })
      .reply();
    const queued = await sim.interactions
      .command({ user: people.owner }, 'watchparty', 'queue', { media: 'movie-1' })
      .reply();
    assert.equal(queued.content, 'Queued **Night of the Comet** as #1. Resuming at 1:02:10.');
    assert.deepEqual(enabledButtons(queued), ['Start over']);

    const restarted = await sim.interactions
      .button({ user: people.owner }, queued.id, buttonId(queued, 'Start over'))
      .reply();
    assert.equal(restarted.content, 'Starting from the beginning.');
    assert.deepEqual(enabledButtons(restarted), ['Resume at 1:02:10']);
    assert.equal((await party.service.getSession(sessionId)).upcoming[0]?.startPositionSeconds, null);

    const resumed = await sim.interactions
      .button({ user: people.owner }, queued.id, buttonId(restarted, 'Resume at 1:02:10'))
      .reply();
    assert.equal(resumed.content, 'Resuming at 1:02:10.');
    // It plays from there when its turn comes.
    await sim.interactions.command({ user: people.owner }, 'watchparty', 'skip', {}).reply();
    await waitFor('movie-1 sent to the worker', () =>
      worker()
        .callsOf('play', String(sessionId))
        .some((call) => call.request.jellyfinSourceId === 'movie-1'),
    );
    const play = worker()
      .callsOf('play', String(sessionId))
      .find((call) => call.request.jellyfinSourceId === 'movie-1');
    assert.equal(play?.request.startPositionSeconds, 3730);
  });

  test('the panel shows Skip intro during the intro, and it jumps to the intro’s end', async () => {
    const { sim, people } = door;
    // movie-1 resumed at 1:02:10; back to its intro.
    worker().heartbeat(String(sessionId), 20);
    const panel = await door.panel((message) => enabledButtons(message).includes('Skip intro'));
    sim.interactions.button({ user: people.owner }, panel.id, buttonId(panel, 'Skip intro'));
    await waitFor('the seek past the intro', () =>
      worker()
        .callsOf('control', String(sessionId))
        .some((call) => call.request.action === 'seek' && call.request.positionSeconds === 90),
    );
    await door.panel((message) => !enabledButtons(message).includes('Skip intro'));
  });

  test('in the credits with something queued: "Up next in 10 s" and Play now', async () => {
    const { sim, people, party } = door;
    await sim.interactions
      .command({ user: people.owner }, 'watchparty', 'queue', { media: 'movie-2' })
      .reply();
    worker().heartbeat(String(sessionId), 5600);
    const panel = await door.panel(
      (message) =>
        /Credits · up next in (10|9) s: \*\*The Fifth Element\*\*/.test(embedText(message)) &&
        enabledButtons(message).includes('Play now'),
    );
    sim.interactions.button({ user: people.owner }, panel.id, buttonId(panel, 'Play now'));
    const details = await waitFor('movie-2 playing', async () => {
      const read = await party.service.getSession(sessionId);
      return read.current?.itemId === 'movie-2' ? read : null;
    });
    assert.equal(details.history[0]?.itemId, 'movie-1');
    assert.equal(details.history[0]?.status, 'played');
  });

  test('a series offers its seasons; the whole season is queued in order', async () => {
    const { sim, people, party } = door;
    const choices = await sim.interactions
      .autocomplete({ user: people.owner }, 'watchparty', 'queue', 'media', 'orbit')
      .choices();
    assert.deepEqual(choices.slice(0, 3), [
      { name: 'Orbit · Series', value: 'series-1' },
      { name: 'Orbit · the rest of the series', value: 'orb:rest:series-1' },
      { name: 'Orbit · the whole season 1 (2 episodes)', value: 'orb:season:series-1:1' },
    ]);
    const reply = await sim.interactions
      .command({ user: people.owner }, 'watchparty', 'queue', { media: 'orb:season:series-1:1' })
      .reply();
    assert.equal(reply.content, 'Queued 2 episodes. Queued **Orbit · S01E01 · Launch** as #1.');
    const { upcoming } = await party.service.getSession(sessionId);
    assert.deepEqual(
      upcoming.map((entry) => entry.itemId),
      ['episode-1', 'episode-2'],
    );
    const forged = await sim.interactions
      .command({ user: people.owner }, 'watchparty', 'queue', { media: 'orb:season:series-1:x' })
      .reply();
    assert.match(forged.content, /not a season of a series/);
  });
});
