// The local Jellyfin catalog that autocomplete searches instead of Jellyfin itself: one row per
// movie, series and episode, an FTS5 index over titles kept in step by triggers, a trigram index of
// the distinct title words for typo-tolerant matching, and a log of sync runs.
import { type Kysely, sql } from 'kysely';

const nowUtc = sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('catalog_sync_runs')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('full','incremental')`))
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('running').check(sql`status in ('running','succeeded','failed')`),
    )
    .addColumn('started_at', 'text', (c) => c.notNull().defaultTo(nowUtc))
    .addColumn('finished_at', 'text')
    .addColumn('items_upserted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('items_deleted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .execute();

  // `row_id` is the rowid the FTS index points at; `item_id` is Jellyfin's id (32 hex).
  await db.schema
    .createTable('catalog_items')
    .addColumn('row_id', 'integer', (c) => c.primaryKey())
    .addColumn('item_id', 'text', (c) => c.notNull().unique())
    .addColumn('type', 'text', (c) => c.notNull().check(sql`type in ('movie','series','episode')`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_norm', 'text', (c) => c.notNull())
    .addColumn('series_id', 'text')
    .addColumn('series_name', 'text')
    .addColumn('season_number', 'integer')
    .addColumn('episode_number', 'integer')
    .addColumn('year', 'integer')
    .addColumn('runtime_seconds', 'real')
    .addColumn('overview', 'text')
    .addColumn('poster_item_id', 'text')
    .addColumn('poster_tag', 'text')
    .addColumn('tmdb_id', 'text')
    .addColumn('imdb_id', 'text')
    .addColumn('date_saved', 'text')
    .addColumn('seen_in_run', 'integer', (c) => c.notNull())
    .addColumn('synced_at', 'text', (c) => c.notNull().defaultTo(nowUtc))
    .execute();
  await db.schema.createIndex('catalog_items_by_name').on('catalog_items').columns(['name_norm']).execute();
  await db.schema
    .createIndex('catalog_items_by_series_episode')
    .on('catalog_items')
    .columns(['series_id', 'season_number', 'episode_number'])
    .execute();
  await db.schema
    .createIndex('catalog_items_by_episode_number')
    .on('catalog_items')
    .columns(['season_number', 'episode_number'])
    .execute();
  await db.schema
    .createIndex('catalog_items_by_date_saved')
    .on('catalog_items')
    .columns(['date_saved'])
    .execute();

  await sql`create virtual table catalog_fts using fts5(
    name, series_name,
    content = 'catalog_items', content_rowid = 'row_id',
    tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3'
  )`.execute(db);
  await sql`create trigger catalog_items_fts_insert after insert on catalog_items begin
    insert into catalog_fts(rowid, name, series_name) values (new.row_id, new.name, new.series_name);
  end`.execute(db);
  await sql`create trigger catalog_items_fts_delete after delete on catalog_items begin
    insert into catalog_fts(catalog_fts, rowid, name, series_name)
      values ('delete', old.row_id, old.name, old.series_name);
  end`.execute(db);
  await sql`create trigger catalog_items_fts_update after update of name, series_name on catalog_items begin
    insert into catalog_fts(catalog_fts, rowid, name, series_name)
      values ('delete', old.row_id, old.name, old.series_name);
    insert into catalog_fts(rowid, name, series_name) values (new.row_id, new.name, new.series_name);
  end`.execute(db);

  // Distinct words of the index, read through fts5vocab and copied into a trigram index after each
  // sync: a mistyped word finds its real neighbours by shared trigrams.
  await sql`create virtual table catalog_fts_vocab using fts5vocab(catalog_fts, 'row')`.execute(db);
  await sql`create virtual table catalog_terms using fts5(term, tokenize = 'trigram')`.execute(db);
}
