// Outages become states a party can show: a worker's playback may now also be `buffering` (its
// source stalled) or `reconnecting` (the stream, or the worker itself, is being brought back).
// SQLite cannot change a CHECK in place, so the worker-state table is rebuilt with the wider set.
import { type Kysely, sql } from 'kysely';

const nowUtc = sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('watch_party_worker_state_next')
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
        .check(
          sql`playback_state in ('idle','loading','playing','buffering','reconnecting','paused','ended','error')`,
        ),
    )
    .addColumn('current_title', 'text')
    .addColumn('position_seconds', 'real', (c) => c.notNull().defaultTo(0))
    .addColumn('duration_seconds', 'real')
    .addColumn('last_error', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(nowUtc))
    .execute();
  await sql`insert into watch_party_worker_state_next
    (session_id, worker_status, playback_state, current_title, position_seconds, duration_seconds, last_error, updated_at)
    select session_id, worker_status, playback_state, current_title, position_seconds, duration_seconds, last_error, updated_at
    from watch_party_worker_state`.execute(db);
  await db.schema.dropTable('watch_party_worker_state').execute();
  await db.schema.alterTable('watch_party_worker_state_next').renameTo('watch_party_worker_state').execute();
}
