// The database at DATABASE_PATH: it opens, its migrations apply, and a write goes through (inside a
// transaction that is rolled back, so nothing is left behind).
import { openDatabase } from '../db/connection.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { errorMessage } from '../error-message.ts';
import { type CheckLine, fail, ok } from './check-line.ts';

const check = 'Database';

class RollBack extends Error {}

export async function checkDatabase(path: string): Promise<CheckLine> {
  let db: ReturnType<typeof openDatabase>;
  try {
    db = openDatabase(path);
  } catch (error) {
    return fail(check, `DATABASE_PATH cannot be opened (${sqliteReason(error)})`, writableFix);
  }
  try {
    const applied = await migrateToLatest(db);
    await db
      .transaction()
      .execute(async (trx) => {
        await trx
          .insertInto('watch_party_sessions')
          .values({
            guild_id: '0',
            voice_channel_id: '0',
            text_channel_id: '0',
            owner_user_id: '0',
            title: 'doctor write check',
            status: 'stopped',
          })
          .execute();
        throw new RollBack();
      })
      .catch((error: unknown) => {
        if (!(error instanceof RollBack)) throw error;
      });
    const migrated = applied.length > 0 ? `, ${applied.length} migration(s) applied` : ', up to date';
    return ok(check, `DATABASE_PATH is writable${migrated}`);
  } catch (error) {
    return fail(check, `DATABASE_PATH cannot be written (${sqliteReason(error)})`, writableFix);
  } finally {
    await db.destroy();
  }
}

const writableFix =
  'Make the folder of DATABASE_PATH writable for the user that runs the bot (with Docker, mount a volume there), ' +
  'and make sure no other program holds the file.';

/** SQLite's error code when it gave one (SQLITE_READONLY, SQLITE_CANTOPEN…), else its message. */
function sqliteReason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : errorMessage(error);
}
