// A migrated SQLite file in a temporary folder. A file rather than :memory: so a test can open it a
// second time, as a restarted bot would.
import { promises as fs, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileMigrationProvider, Migrator } from 'kysely/migration';
import { type Db, openDatabase } from '../../src/db/connection.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';

export interface TestDatabase {
  db: Db;
  path: string;
  /** Opens another connection on the same file (a restarted process). */
  reopen(): Db;
  /** Closes every connection it opened and deletes the folder. */
  cleanup(): Promise<void>;
}

export function createTestDatabase(): Promise<TestDatabase> {
  return openTestDatabase(async (db) => {
    await migrateToLatest(db);
  });
}

const migrationFolder = fileURLToPath(new URL('../../migrations', import.meta.url));

/**
 * A database migrated up to and including `migration` (its file name without `.ts`), as a bot from
 * before the later ones left it: for testing what a later migration does to existing rows.
 */
export function createTestDatabaseAt(migration: string): Promise<TestDatabase> {
  return openTestDatabase(async (db) => {
    const migrator = new Migrator({ db, provider: new FileMigrationProvider({ fs, path, migrationFolder }) });
    const { error } = await migrator.migrateTo(migration);
    if (error) throw error;
  });
}

/** A party row with the seed's columns only, which every migration has had; its id. */
export async function insertSeedSession(db: Db): Promise<number> {
  const { id } = await db
    .insertInto('watch_party_sessions')
    .values({ guild_id: 'g', voice_channel_id: 'v', text_channel_id: 't', owner_user_id: 'u', title: 'Old' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

async function openTestDatabase(migrate: (db: Db) => Promise<void>): Promise<TestDatabase> {
  const folder = mkdtempSync(join(tmpdir(), 'orb-test-db-'));
  const file = join(folder, 'orb.sqlite');
  const opened: Db[] = [];
  const open = () => {
    const db = openDatabase(file);
    opened.push(db);
    return db;
  };
  const db = open();
  await migrate(db);
  return {
    db,
    path: file,
    reopen: open,
    async cleanup() {
      for (const connection of opened) await connection.destroy();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
