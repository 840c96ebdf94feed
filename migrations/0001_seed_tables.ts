// The seed plan's four tables, column for column, with the house rules on top: CHECK constraints on
// every status column, one live session per voice channel, unique queue positions, lookup indexes.
// Frozen once released: later changes come as new migrations.
import { type Kysely, sql } from 'kysely';

const nowUtc = sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('watch_party_sessions')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('guild_id', 'text', (c) => c.notNull())
    .addColumn('voice_channel_id', 'text', (c) => c.notNull())
    .addColumn('text_channel_id', 'text', (c) => c.notNull())
    .addColumn('owner_user_id', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('draft')
        .check(sql`status in ('draft','queued','connecting','playing','paused','stopped','error')`),
    )
    .addColumn('worker_session_id', 'text')
    .addColumn('current_queue_entry_id', 'integer')
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(nowUtc))
    .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(nowUtc))
    .execute();

  await db.schema
    .createIndex('watch_party_sessions_one_live_per_voice_channel')
    .on('watch_party_sessions')
    .column('voice_channel_id')
    .unique()
    .where(sql.ref('status'), '<>', 'stopped')
    .execute();
  await db.schema
    .createIndex('watch_party_sessions_by_guild_status')
    .on('watch_party_sessions')
    .columns(['guild_id', 'status'])
    .execute();

  await db.schema
    .createTable('watch_party_queue')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('session_id', 'integer', (c) =>
      c.notNull().references('watch_party_sessions.id').onDelete('cascade'),
    )
    .addColumn('position', 'integer', (c) => c.notNull().check(sql`position >= 1`))
    .addColumn('media_type', 'text', (c) => c.notNull().check(sql`media_type in ('movie','episode','video')`))
    .addColumn('jellyfin_source_id', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('year', 'integer')
    .addColumn('runtime', 'integer')
    .addColumn('summary', 'text')
    .addColumn('poster_url', 'text')
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('queued').check(sql`status in ('queued','playing','played','skipped','failed')`),
    )
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(nowUtc))
    .addUniqueConstraint('watch_party_queue_session_position', ['session_id', 'position'])
    .execute();
  await db.schema
    .createIndex('watch_party_queue_by_session_status')
    .on('watch_party_queue')
    .columns(['session_id', 'status', 'position'])
    .execute();

  await db.schema
    .createTable('watch_party_events')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('session_id', 'integer', (c) =>
      c.notNull().references('watch_party_sessions.id').onDelete('cascade'),
    )
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('payload_json', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(nowUtc))
    .execute();
  await db.schema
    .createIndex('watch_party_events_by_session')
    .on('watch_party_events')
    .columns(['session_id', 'id'])
    .execute();

  await db.schema
    .createTable('watch_party_worker_state')
    .addColumn('session_id', 'integer', (c) =>
      c.primaryKey().references('watch_party_sessions.id').onDelete('cascade'),
    )
    .addColumn('worker_status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('idle')
        .check(sql`worker_status in ('idle','starting','ready','restarting','stopped','failed')`),
    )
    .addColumn('playback_state', 'text', (c) =>
      c
        .notNull()
        .defaultTo('idle')
        .check(sql`playback_state in ('idle','loading','playing','paused','ended','error')`),
    )
    .addColumn('current_title', 'text')
    .addColumn('position_seconds', 'real', (c) => c.notNull().defaultTo(0))
    .addColumn('duration_seconds', 'real')
    .addColumn('last_error', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(nowUtc))
    .execute();
}
