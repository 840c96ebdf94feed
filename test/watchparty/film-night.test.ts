// Film night in the domain: resume (the party's memory and the Jellyfin user's), where an entry
// starts and how members change it, skipping an intro, and the credits countdown to the next item.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { CreditsAutoAdvance } from '../../src/watchparty/credits-countdown.ts';
import type { FilmNightSettings } from '../../src/watchparty/party-film-night.ts';
import { parseStartChoice, resumablePosition } from '../../src/watchparty/resume.ts';
import type { MediaSegment } from '../../src/watchparty/segments.ts';
import { episodesInScope } from '../../src/watchparty/series-queueing.ts';
import type { WatchHistory, WatchState } from '../../src/watchparty/watch-history.ts';
import { ManualTimers } from '../support/manual-timers.ts';
import {
  createParty,
  createWatchPartyHarness,
  owner,
  type WatchPartyHarness,
  waitForSession,
  watchPartyError,
} from '../support/watch-party.ts';

/** A Jellyfin user's memory, as the service sees it through the WatchHistory port. */
class RecordingHistory implements WatchHistory {
  readonly states = new Map<string, WatchState>();
  readonly writes: string[] = [];
  async stateOf(itemId: string): Promise<WatchState | null> {
    return this.states.get(itemId) ?? null;
  }
  progress(itemId: string, positionSeconds: number): void {
    this.writes.push(`progress ${itemId} ${positionSeconds}`);
  }
  ended(itemId: string, positionSeconds: number, finished: boolean): void {
    this.writes.push(`${finished ? 'played' : 'stopped'} ${itemId} ${positionSeconds}`);
  }
}

/** movie-1 (1:35:00) has an intro over its first 90 s and credits from 1:33:20. */
const movieSegments: MediaSegment[] = [
  { kind: 'intro', startSeconds: 0, endSeconds: 90 },
  { kind: 'credits', startSeconds: 5600, endSeconds: 5700 },
];

describe('film night', () => {
  let harness: WatchPartyHarness;
  afterEach(() => harness.cleanup());

  async function start(filmNight: FilmNightSettings = {}) {
    harness = await createWatchPartyHarness({
      filmNight: {
        segments: { segmentsOf: async (itemId) => (itemId === 'movie-1' ? movieSegments : []) },
        ...filmNight,
      },
    });
    return harness;
  }

  /** A party playing movie-1 that reached `positionSeconds`, then stopped. */
  async function watchedUntil(positionSeconds: number): Promise<void> {
    const { service, workers } = harness;
    const id = await createParty(service);
    await service.addToQueue(id, { itemId: 'movie-1', startIfIdle: true }, owner);
    await waitForSession(service, id, (d) => d.session.status === 'playing');
    workers.heartbeat(String(id), positionSeconds);
    await service.settled();
    await service.stop(id, owner);
  }

  test('an item stopped mid-way resumes there next time: the worker is asked to start at that point', async () => {
    const { service, workers } = await start();
    await watchedUntil(3730);
    const id = await createParty(service);
    const { entry } = await service.addToQueue(id, { itemId: 'movie-1', startIfIdle: true }, owner);
    assert.equal(entry.startPositionSeconds, 3730);
    const details = await waitForSession(service, id, (d) => d.session.status === 'playing');
    const [play] = workers.callsOf('play', String(id));
    assert.equal(play?.request.startPositionSeconds, 3730);
    assert.equal(details.worker?.positionSeconds, 3730);
  });

  test('`from: start` plays from the beginning, and a finished item offers no resume', async () => {
    const { service, workers } = await start();
    await watchedUntil(3730);
    const id = await createParty(service);
    const started = await service.addToQueue(
      id,
      { itemId: 'movie-1', startIfIdle: true, from: parseStartChoice('start') },
      owner,
    );
    assert.equal(started.entry.startPositionSeconds, null);
    await waitForSession(service, id, (d) => d.session.status === 'playing');
    assert.equal(workers.callsOf('play', String(id))[0]?.request.startPositionSeconds, undefined);
    workers.heartbeat(String(id), 5690);
    await service.settled();
    workers.finishItem(String(id));
    await waitForSession(service, id, (d) => d.current === null);
    const again = await service.addToQueue(id, { itemId: 'movie-1' }, owner);
    assert.equal(again.entry.startPositionSeconds, null);
  });

  test('Start over and Resume at change a queued entry before it plays', async () => {
    const { service } = await start();
    await watchedUntil(1200);
    const id = await createParty(service);
    await service.addToQueue(id, { itemId: 'movie-2', startIfIdle: true }, owner);
    const { entry } = await service.addToQueue(id, { itemId: 'movie-1' }, owner);
    assert.equal(entry.startPositionSeconds, 1200);
    assert.equal(await service.filmNight.chooseStart(id, entry.id, 'start', owner), 0);
    assert.equal((await service.getSession(id)).upcoming[0]?.startPositionSeconds, null);
    assert.equal(await service.filmNight.resumeOffer(id, entry.id), 1200);
    assert.equal(await service.filmNight.chooseStart(id, entry.id, 'resume', owner), 1200);
    assert.equal((await service.getSession(id)).upcoming[0]?.startPositionSeconds, 1200);
  });

  test('a Jellyfin user’s newer position counts, and the party’s playback updates it', async () => {
    const history = new RecordingHistory();
    history.states.set('movie-1', {
      positionSeconds: 2400,
      played: false,
      lastPlayedAt: new Date(Date.now() + 60_000).toISOString(),
    });
    const { service, workers } = await start({ history });
    await watchedUntil(600);
    const id = await createParty(service);
    const { entry } = await service.addToQueue(id, { itemId: 'movie-1', startIfIdle: true }, owner);
    assert.equal(entry.startPositionSeconds, 2400);
    await waitForSession(service, id, (d) => d.session.status === 'playing');
    workers.heartbeat(String(id), 2500);
    await service.settled();
    workers.finishItem(String(id));
    await waitForSession(service, id, (d) => d.current === null);
    assert.deepEqual(history.writes, [
      'progress movie-1 600',
      'stopped movie-1 600',
      'progress movie-1 2500',
      'played movie-1 2500',
    ]);
  });

  test('Skip intro jumps to the intro’s end, and is refused once it is over', async () => {
    const { service, workers } = await start();
    const id = await createParty(service);
    await service.addToQueue(id, { itemId: 'movie-1', startIfIdle: true }, owner);
    const playing = await waitForSession(service, id, (d) => d.session.status === 'playing');
    assert.deepEqual(playing.current?.segments, movieSegments);
    workers.heartbeat(String(id), 30);
    await service.settled();
    assert.equal(await service.filmNight.skipIntro(id, owner), 90);
    const seeks = workers.callsOf('control', String(id)).map((call) => call.request);
    assert.deepEqual(seeks, [{ action: 'seek', positionSeconds: 90 }]);
    await assert.rejects(service.filmNight.skipIntro(id, owner), watchPartyError('conflict', /No intro/));
  });

  /**
   * The credits countdown on manual timers, over a party playing movie-1 with movie-2 next. The caller
   * stops `credits` when done.
   */
  async function creditsParty() {
    const { service, workers, logger } = await start();
    const timers = new ManualTimers();
    const credits = new CreditsAutoAdvance({ service, logger, schedule: timers.schedule });
    credits.start();
    try {
      const id = await createParty(service);
      await service.addToQueue(id, { itemId: 'movie-1', startIfIdle: true }, owner);
      await service.addToQueue(id, { itemId: 'movie-2' }, owner);
      await waitForSession(service, id, (d) => d.session.status === 'playing');
      return { service, workers, timers, credits, id };
    } catch (error) {
      credits.stop();
      throw error;
    }
  }

  test('when the credits start with something queued, the next item plays after the countdown', async () => {
    const { service, workers, timers, credits, id } = await creditsParty();
    try {
      workers.heartbeat(String(id), 5000);
      await service.settled();
      await credits.settled();
      assert.equal(timers.pendingCount, 0, 'no countdown before the credits');
      workers.heartbeat(String(id), 5600);
      await service.settled();
      await credits.settled();
      assert.equal(timers.pendingCount, 1);
      timers.advanceMinutes(10 / 60);
      await credits.settled();
      const next = await waitForSession(service, id, (d) => d.current?.itemId === 'movie-2');
      assert.equal(next.history[0]?.itemId, 'movie-1');
      assert.equal(next.history[0]?.status, 'played', 'ended in its credits: watched');
      // Watched to the credits: queueing it again starts from the beginning.
      const again = await service.addToQueue(id, { itemId: 'movie-1' }, owner);
      assert.equal(again.entry.startPositionSeconds, null);
    } finally {
      credits.stop();
    }
  });

  test('a pause during the credits cancels the countdown', async () => {
    const { service, workers, timers, credits, id } = await creditsParty();
    try {
      workers.heartbeat(String(id), 5600);
      await service.settled();
      await credits.settled();
      await service.pause(id, owner);
      await credits.settled();
      assert.equal(timers.pendingCount, 0);
    } finally {
      credits.stop();
    }
  });
});

describe('resume and series rules', () => {
  test('a position resumes between 5% and 90% of the runtime, as Jellyfin judges it', () => {
    assert.equal(resumablePosition(200, 6000), null);
    assert.equal(resumablePosition(3000, 6000), 3000);
    assert.equal(resumablePosition(5500, 6000), null);
    assert.equal(resumablePosition(42, null), 42);
  });

  test('`from` reads resume, start and times, and explains anything else', () => {
    assert.equal(parseStartChoice('Resume'), 'resume');
    assert.equal(parseStartChoice('start'), 'start');
    assert.equal(parseStartChoice('1:02:10'), 3730);
    assert.throws(() => parseStartChoice('+30'), watchPartyError('bad_request', /resume, start/, 'from'));
  });

  test('the rest of a series runs from the next episode in aired order, specials last', () => {
    const episode = (id: string, seasonNumber: number, episodeNumber: number) => ({
      id,
      seasonNumber,
      episodeNumber,
    });
    const all = [
      episode('s2e1', 2, 1),
      episode('special', 0, 1),
      episode('s1e2', 1, 2),
      episode('s1e1', 1, 1),
      episode('s2e2', 2, 2),
    ];
    const ids = (list: { id: string }[]) => list.map((item) => item.id);
    assert.deepEqual(ids(episodesInScope(all, { kind: 'rest' }, 's1e2')), [
      's1e2',
      's2e1',
      's2e2',
      'special',
    ]);
    assert.deepEqual(ids(episodesInScope(all, { kind: 'season', seasonNumber: 2 }, null)), ['s2e1', 's2e2']);
  });
});
