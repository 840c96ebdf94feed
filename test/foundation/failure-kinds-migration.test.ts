// Migration 0012: a party's last failure is kept with its kind. A party that failed before it keeps
// its English sentence, which the API and the panel still show as it was, with no kind.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { toWorkerState } from '../../src/watchparty/views.ts';
import { createTestDatabaseAt, insertSeedSession } from '../support/database.ts';

test('a failure kept before it reads as its stored sentence, without a kind', async () => {
  const { db, cleanup } = await createTestDatabaseAt('0011_dashboard_logins');
  try {
    const id = await insertSeedSession(db);
    const sentence = 'Jellyfin is not answering. Try again in a few minutes.';
    await db
      .insertInto('watch_party_worker_state')
      .values({ session_id: id, worker_status: 'failed', playback_state: 'error', last_error: sentence })
      .execute();

    assert.ok((await migrateToLatest(db)).includes('0012_failure_kinds'));
    const row = await db.selectFrom('watch_party_worker_state').selectAll().executeTakeFirstOrThrow();
    const worker = toWorkerState(row);
    assert.equal(worker.lastError, sentence);
    assert.equal(worker.lastErrorKind, null);
    assert.equal(worker.lastErrorAtSeconds, null);
  } finally {
    await cleanup();
  }
});

test('a kind this version does not know reads as none', async () => {
  const { db, cleanup } = await createTestDatabaseAt('0012_failure_kinds');
  try {
    const id = await insertSeedSession(db);
    await db
      .insertInto('watch_party_worker_state')
      .values({
        session_id: id,
        last_error: 'Something new failed.',
        last_error_kind: 'from_a_later_version',
      })
      .execute();
    const row = await db.selectFrom('watch_party_worker_state').selectAll().executeTakeFirstOrThrow();
    assert.equal(toWorkerState(row).lastErrorKind, null);
    assert.equal(toWorkerState(row).lastError, 'Something new failed.');
  } finally {
    await cleanup();
  }
});
