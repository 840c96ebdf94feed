// The audio and subtitle tracks a queue entry plays: Jellyfin stream indexes, null for "choose
// automatically" (settings, then the file's defaults); subtitles -1 for "off", as Jellyfin writes it.
// `track_offer_json` keeps, once the entry plays, the tracks it could switch to (labels and indexes
// only), so the panel can offer them without asking Jellyfin on every redraw.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('watch_party_queue')
    .addColumn('audio_stream_index', 'integer', (column) => column.check(sql`audio_stream_index >= 0`))
    .execute();
  await db.schema
    .alterTable('watch_party_queue')
    .addColumn('subtitle_stream_index', 'integer', (column) => column.check(sql`subtitle_stream_index >= -1`))
    .execute();
  await db.schema
    .alterTable('watch_party_queue')
    .addColumn('track_offer_json', 'text', (column) => column.check(sql`json_valid(track_offer_json)`))
    .execute();
}
