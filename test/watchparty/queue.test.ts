import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { Db } from '../../src/db/connection.ts';
import type { WatchPartyService } from '../../src/watchparty/service.ts';
import { seededRandom } from '../support/random.ts';
import {
  apiActor,
  createParty,
  createWatchPartyHarness,
  DJ_ROLE_ID,
  GUILD_ID,
  member,
  OWNER_ID,
  TEXT_CHANNEL_ID,
  type WatchPartyHarness,
  waitForSession,
  watchPartyError,
} from '../support/watch-party.ts';

const items = ['movie-1', 'movie-2', 'movie-3', 'short-1', 'episode-1'];

/** Storage invariants: positions 1..n without gaps or repeats, played entries before upcoming ones. */
async function assertStorageInvariants(db: Db, sessionId: number): Promise<void> {
  const rows = await db
    .selectFrom('watch_party_queue')
    .select(['id', 'position', 'status'])
    .where('session_id', '=', sessionId)
    .orderBy('position')
    .execute();
  assert.deepEqual(
    rows.map((row) => row.position),
    rows.map((_, index) => index + 1),
    'positions are contiguous from 1',
  );
  assert.equal(new Set(rows.map((row) => row.id)).size, rows.length, 'entries are unique');
  const firstUpcoming = rows.findIndex((row) => row.status === 'queued');
  if (firstUpcoming >= 0) {
    assert.ok(
      rows.slice(firstUpcoming).every((row) => row.status === 'queued'),
      'upcoming entries come after played and playing ones',
    );
  }
}

async function upcomingIds(service: WatchPartyService, sessionId: number): Promise<number[]> {
  const { upcoming } = await service.getSession(sessionId);
  assert.deepEqual(
    upcoming.map((entry) => entry.number),
    upcoming.map((_, index) => index + 1),
  );
  return upcoming.map((entry) => entry.id);
}

describe('queue', () => {
  let harness: WatchPartyHarness;
  beforeEach(async () => {
    harness = await createWatchPartyHarness();
  });
  afterEach(() => harness.cleanup());

  test('random sequences of add/remove/move/clear match a simple list model (200 runs)', async () => {
    const { service, database, workers } = harness;
    for (let run = 0; run < 200; run++) {
      const random = seededRandom(run + 1);
      const session = await service.createSession(
        {
          guildId: GUILD_ID,
          voiceChannelId: String(700000000000000000n + BigInt(run)),
          textChannelId: TEXT_CHANNEL_ID,
          ownerUserId: OWNER_ID,
        },
        apiActor,
      );
      const id = session.id;
      // Some runs play while the queue changes, so played and playing entries sit below the upcoming ones.
      const playing = run % 3 === 0;
      let model: number[] = [];
      for (let step = 0; step < 12; step++) {
        const operation = random.pick(['add', 'add', 'next', 'remove', 'move', 'clear', 'finish'] as const);
        const count = model.length;
        const message = `seed ${run + 1}, step ${step}, ${operation}`;
        if (operation === 'add' || operation === 'next') {
          const { entry, started } = await service.addToQueue(
            id,
            { itemId: random.pick(items), next: operation === 'next', startIfIdle: playing },
            apiActor,
          );
          if (started) {
            // It went straight to the screen instead of the queue.
          } else if (operation === 'next') model = [entry.id, ...model];
          else model = [...model, entry.id];
        } else if (operation === 'remove') {
          const number = random.int(0, count + 1);
          if (number >= 1 && number <= count) {
            await service.removeFromQueue(id, number, apiActor);
            model.splice(number - 1, 1);
          } else {
            await assert.rejects(
              service.removeFromQueue(id, number, apiActor),
              watchPartyError('bad_request', undefined, 'index'),
            );
          }
        } else if (operation === 'move') {
          const from = random.int(1, count + 1);
          const to = random.int(1, count);
          if (from <= count && to >= 1) {
            await service.moveInQueue(id, from, to, apiActor);
            const [moved] = model.splice(from - 1, 1);
            model.splice(to - 1, 0, moved!);
          } else {
            await assert.rejects(
              service.moveInQueue(id, from, to, apiActor),
              watchPartyError('bad_request', undefined, from > count ? 'from' : 'to'),
            );
          }
        } else if (operation === 'clear') {
          assert.equal(await service.clearQueue(id, apiActor), count, message);
          model = [];
        } else if (operation === 'finish' && workers.workers.get(String(id))?.playing) {
          const before = (await service.getSession(id)).history.length;
          workers.finishItem(String(id));
          await waitForSession(service, id, (details) => details.history.length === before + 1);
          model = model.slice(1);
        }
        assert.deepEqual(await upcomingIds(service, id), model, message);
        await assertStorageInvariants(database.db, id);
      }
      await service.stop(id, apiActor);
    }
  });

  test('a burst of concurrent adds, moves and removes applies in arrival order, nothing lost or doubled', async () => {
    const { service, database, media } = harness;
    const id = await createParty(service, 'burst');
    const random = seededRandom(42);
    const model: string[] = [];
    const operations: Array<Promise<unknown>> = [];
    // Each call is made before any finishes; the model follows them in the order they were made.
    for (let index = 0; index < 150; index++) {
      const roll = random.next();
      if (roll < 0.45 || model.length < 2) {
        const itemId = media.addMovie(`burst-${index}`, `Burst ${index}`);
        const next = random.next() < 0.3;
        operations.push(service.addToQueue(id, { itemId, next }, apiActor));
        if (next) model.unshift(itemId);
        else model.push(itemId);
      } else if (roll < 0.85) {
        const from = random.int(1, model.length);
        const to = random.int(1, model.length);
        operations.push(service.moveInQueue(id, from, to, apiActor));
        const [moved] = model.splice(from - 1, 1);
        model.splice(to - 1, 0, moved!);
      } else {
        const number = random.int(1, model.length);
        operations.push(service.removeFromQueue(id, number, apiActor));
        model.splice(number - 1, 1);
      }
    }
    await Promise.all(operations);
    const { upcoming } = await service.getSession(id);
    assert.deepEqual(
      upcoming.map((entry) => entry.itemId),
      model,
    );
    assert.equal(new Set(upcoming.map((entry) => entry.id)).size, upcoming.length);
    await assertStorageInvariants(database.db, id);
  });

  test('"next" puts an item right after the playing one; list numbers stay 1..k', async () => {
    const { service } = harness;
    const id = await createParty(service, 'next');
    await service.addToQueue(id, { itemId: 'movie-1', startIfIdle: true }, apiActor);
    await service.addToQueue(id, { itemId: 'movie-2' }, apiActor);
    const { entry } = await service.addToQueue(id, { itemId: 'movie-3', next: true }, apiActor);
    assert.equal('number' in entry && entry.number, 1);
    const details = await service.getSession(id);
    assert.equal(details.current?.itemId, 'movie-1');
    assert.deepEqual(
      details.upcoming.map((e) => [e.number, e.itemId]),
      [
        [1, 'movie-3'],
        [2, 'movie-2'],
      ],
    );
  });

  test('unknown items and out-of-range numbers get clear errors and change nothing', async () => {
    const { service } = harness;
    const id = await createParty(service, 'errors');
    await assert.rejects(
      service.addToQueue(id, { itemId: 'no-such-item' }, apiActor),
      watchPartyError('not_found', /no playable item/),
    );
    await service.addToQueue(id, { itemId: 'series-1' }, apiActor);
    const details = await service.getSession(id);
    assert.deepEqual(
      details.upcoming.map((e) => e.itemId),
      ['episode-1'],
      'a series queues its first episode',
    );
    await assert.rejects(service.removeFromQueue(id, 2, apiActor), /no item #2.*1 upcoming item \(1-1\)/);
    await assert.rejects(service.removeFromQueue(404_404, 1, apiActor), watchPartyError('not_found'));
    assert.equal((await service.getSession(id)).upcoming.length, 1);
  });

  test('every queue change leaves an event naming who did it', async () => {
    const { service } = harness;
    const id = await createParty(service, 'audit');
    const dj = member('900000000000000001', { roleIds: [DJ_ROLE_ID] });
    await service.addToQueue(id, { itemId: 'movie-1' }, dj);
    await service.addToQueue(id, { itemId: 'movie-2' }, dj);
    await service.moveInQueue(id, 2, 1, dj);
    await service.removeFromQueue(id, 1, dj);
    await service.clearQueue(id, dj);
    const events = (await service.getSession(id)).recentEvents;
    assert.deepEqual(
      events.slice(0, 5).map((event) => [event.type, event.actorUserId]),
      [
        ['cleared', dj.userId],
        ['removed', dj.userId],
        ['moved', dj.userId],
        ['queued', dj.userId],
        ['queued', dj.userId],
      ],
    );
  });
});
