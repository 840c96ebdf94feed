import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openDatabase } from '../../src/db/connection.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';

const dir = mkdtempSync(join(tmpdir(), 'orb-migrations-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The seed plan's columns, with the SQLite type each must have. */
const seedColumns: Record<string, Record<string, string>> = {
  watch_party_sessions: {
    id: 'INTEGER',
    guild_id: 'TEXT',
    voice_channel_id: 'TEXT',
    text_channel_id: 'TEXT',
    owner_user_id: 'TEXT',
    title: 'TEXT',
    status: 'TEXT',
    worker_session_id: 'TEXT',
    current_queue_entry_id: 'INTEGER',
    created_at: 'TEXT',
    updated_at: 'TEXT',
  },
  watch_party_queue: {
    id: 'INTEGER',
    session_id: 'INTEGER',
    position: 'INTEGER',
    media_type: 'TEXT',
    jellyfin_source_id: 'TEXT',
    title: 'TEXT',
    year: 'INTEGER',
    runtime: 'INTEGER',
    summary: 'TEXT',
    poster_url: 'TEXT',
    status: 'TEXT',
    created_at: 'TEXT',
  },
  watch_party_events: {
    id: 'INTEGER',
    session_id: 'INTEGER',
    event_type: 'TEXT',
    payload_json: 'TEXT',
    created_at: 'TEXT',
  },
  watch_party_worker_state: {
    session_id: 'INTEGER',
    worker_status: 'TEXT',
    playback_state: 'TEXT',
    current_title: 'TEXT',
    position_seconds: 'REAL',
    duration_seconds: 'REAL',
    last_error: 'TEXT',
    updated_at: 'TEXT',
  },
};

describe('migrations', () => {
  const path = join(dir, 'orb.sqlite');

  test('create the seed tables on an empty file, and a re-run applies nothing', async () => {
    const db = openDatabase(path);
    const applied = await migrateToLatest(db);
    assert.ok(applied.includes('0001_seed_tables'));
    assert.deepEqual(await migrateToLatest(db), []);
    await db.destroy();
    const reopened = openDatabase(path);
    assert.deepEqual(await migrateToLatest(reopened), []);
    await reopened.destroy();
  });

  test('the seed columns exist with the right types', async () => {
    const db = openDatabase(path);
    for (const [table, columns] of Object.entries(seedColumns)) {
      const { rows } = await sql<{
        name: string;
        type: string;
      }>`select name, type from pragma_table_info(${table})`.execute(db);
      const actual = Object.fromEntries(rows.map((row) => [row.name, row.type.toUpperCase()]));
      for (const [column, type] of Object.entries(columns)) {
        assert.equal(actual[column], type, `${table}.${column}`);
      }
    }
    await db.destroy();
  });

  test('status columns refuse values outside their set, and one live party per voice channel', async () => {
    const db = openDatabase(path);
    const session = {
      guild_id: 'g',
      voice_channel_id: 'v',
      text_channel_id: 't',
      owner_user_id: 'u',
      title: 'Movie night',
    };
    await assert.rejects(
      db
        .insertInto('watch_party_sessions')
        .values({ ...session, status: 'bogus' as never })
        .execute(),
      /CHECK/,
    );
    const { id } = await db
      .insertInto('watch_party_sessions')
      .values(session)
      .returning('id')
      .executeTakeFirstOrThrow();
    await assert.rejects(db.insertInto('watch_party_sessions').values(session).execute(), /UNIQUE/);
    await db.updateTable('watch_party_sessions').set({ status: 'stopped' }).where('id', '=', id).execute();
    await db.insertInto('watch_party_sessions').values(session).execute();
    const entry = { session_id: id, media_type: 'movie' as const, jellyfin_source_id: 'x', title: 'X' };
    await db
      .insertInto('watch_party_queue')
      .values({ ...entry, position: 1 })
      .execute();
    await assert.rejects(
      db
        .insertInto('watch_party_queue')
        .values({ ...entry, position: 1 })
        .execute(),
      /UNIQUE/,
    );
    await assert.rejects(
      db
        .insertInto('watch_party_queue')
        .values({ ...entry, session_id: 9999, position: 1 })
        .execute(),
      /FOREIGN KEY/,
    );
    await db.destroy();
  });

  test('the connection runs in WAL mode with foreign keys on', async () => {
    const db = openDatabase(path);
    const { rows } = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(db);
    assert.equal(rows[0]?.journal_mode, 'wal');
    const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db);
    assert.equal(fk.rows[0]?.foreign_keys, 1);
    await db.destroy();
  });
});
