// Film night: where an entry starts (a resume position or 0, chosen when it is queued), where it
// stopped when it ended unfinished (so queueing the item again can offer to resume), when it ended,
// and the intro and credits the media server knows for it (saved when it starts; JSON, see
// src/watchparty/segments.ts).
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('watch_party_queue')
    .addColumn('start_position_seconds', 'real', (column) => column.check(sql`start_position_seconds >= 0`))
    .execute();
  await db.schema
    .alterTable('watch_party_queue')
    .addColumn('stopped_at_seconds', 'real', (column) => column.check(sql`stopped_at_seconds >= 0`))
    .execute();
  await db.schema.alterTable('watch_party_queue').addColumn('ended_at', 'text').execute();
  await db.schema
    .alterTable('watch_party_queue')
    .addColumn('segments_json', 'text', (column) => column.check(sql`json_valid(segments_json)`))
    .execute();
  await db.schema
    .createIndex('watch_party_queue_item_ended')
    .on('watch_party_queue')
    .columns(['jellyfin_source_id', 'ended_at'])
    .execute();
}
