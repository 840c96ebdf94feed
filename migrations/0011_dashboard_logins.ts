// Members logged in to the web dashboard. Only a hash of the cookie's secret is kept, so a copy of
// the database opens no one's session; each row expires and is deleted once past `expires_at`.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('dashboard_logins')
    .addColumn('id', 'integer', (column) => column.primaryKey().autoIncrement())
    .addColumn('secret_hash', 'text', (column) => column.notNull().unique())
    .addColumn('user_id', 'text', (column) => column.notNull())
    .addColumn('username', 'text', (column) => column.notNull())
    /** The guilds Discord listed for the member at login (scope `guilds`), as a JSON array of ids. */
    .addColumn('guild_ids_json', 'text', (column) => column.notNull())
    .addColumn('csrf_token', 'text', (column) => column.notNull())
    .addColumn('created_at', 'text', (column) => column.notNull())
    .addColumn('expires_at', 'text', (column) => column.notNull().check(sql`expires_at > created_at`))
    .execute();
  await db.schema
    .createIndex('dashboard_logins_expires_at')
    .on('dashboard_logins')
    .column('expires_at')
    .execute();
}
