// Migration 0004 rebuilds the worker-state table so a party's playback may be `buffering` or
// `reconnecting`: a database from before keeps its rows, the new states are stored, anything else is
// still refused, and deleting a party still deletes its worker state.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { createTestDatabaseAt, insertSeedSession } from '../support/database.ts';

test('a database from before the outage states keeps its worker state and takes the new states', async () => {
  const { db, cleanup } = await createTestDatabaseAt('0003_catalog');
  try {
    const id = await insertSeedSession(db);
    await db
      .insertInto('watch_party_worker_state')
      .values({ session_id: id, worker_status: 'ready', playback_state: 'playing', position_seconds: 42.5 })
      .execute();

    assert.ok((await migrateToLatest(db)).includes('0004_outage_states'));
    const kept = await db.selectFrom('watch_party_worker_state').selectAll().executeTakeFirstOrThrow();
    assert.equal(kept.playback_state, 'playing');
    assert.equal(kept.position_seconds, 42.5);

    for (const state of ['buffering', 'reconnecting'] as const) {
      await db.updateTable('watch_party_worker_state').set({ playback_state: state }).execute();
      const stored = await db
        .selectFrom('watch_party_worker_state')
        .select('playback_state')
        .executeTakeFirst();
      assert.equal(stored?.playback_state, state);
    }
    await assert.rejects(
      db
        .updateTable('watch_party_worker_state')
        .set({ playback_state: 'bogus' as never })
        .execute(),
      /CHECK/,
    );
    await db.deleteFrom('watch_party_sessions').where('id', '=', id).execute();
    assert.equal((await db.selectFrom('watch_party_worker_state').selectAll().execute()).length, 0);
  } finally {
    await cleanup();
  }
});
