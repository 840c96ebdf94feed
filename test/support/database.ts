// A migrated SQLite file in a temporary folder. A file rather than :memory: so a test can open it a
// second time, as a restarted bot would.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

export async function createTestDatabase(): Promise<TestDatabase> {
  const folder = mkdtempSync(join(tmpdir(), 'orb-test-db-'));
  const path = join(folder, 'orb.sqlite');
  const opened: Db[] = [];
  const open = () => {
    const db = openDatabase(path);
    opened.push(db);
    return db;
  };
  const db = open();
  await migrateToLatest(db);
  return {
    db,
    path,
    reopen: open,
    async cleanup() {
      for (const connection of opened) await connection.destroy();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
