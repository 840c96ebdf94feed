// Migration 0008: queue entries made before it kept their poster at Jellyfin's own address, which
// panels and the API showed to members. After it no entry carries that address.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { createTestDatabaseAt, insertSeedSession } from '../support/database.ts';

test('queue entries from before lose the Jellyfin poster address and keep everything else', async () => {
  const { db, cleanup } = await createTestDatabaseAt('0007_queue_tracks');
  try {
    const id = await insertSeedSession(db);
    await db
      .insertInto('watch_party_queue')
      .values({
        session_id: id,
        position: 1,
        media_type: 'movie',
        jellyfin_source_id: 'item-1',
        title: 'Night Harbor',
        poster_url: 'http://10.0.0.5:8096/Items/item-1/Images/Primary?tag=a',
      })
      .execute();

    assert.ok((await migrateToLatest(db)).includes('0008_posters_off_jellyfin_address'));
    const entry = await db.selectFrom('watch_party_queue').selectAll().executeTakeFirstOrThrow();
    assert.equal(entry.poster_url, null);
    assert.equal(entry.title, 'Night Harbor');
  } finally {
    await cleanup();
  }
});
