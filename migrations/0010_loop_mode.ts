// What plays after an item ends by itself: the next one (`off`), the same item again (`item`), or
// the next one with the ended item going back to the end of the queue (`queue`).
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('watch_party_sessions')
    .addColumn('loop_mode', 'text', (column) =>
      column.notNull().defaultTo('off').check(sql`loop_mode in ('off', 'item', 'queue')`),
    )
    .execute();
}
