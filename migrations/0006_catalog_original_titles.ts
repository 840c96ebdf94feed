// Original titles join the catalog's search index, so a film listed as "夜の港" is found by
// "yoru", the words people know it by. FTS5 cannot add a column to an index in place: the index,
// its triggers and its vocabulary view are made again over three columns and rebuilt from the rows.
// The rows themselves learn their original title on the next sync, which this makes a full one.
import { type Kysely, sql } from 'kysely';

const indexedColumns = 'name, series_name, original_title';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('catalog_items').addColumn('original_title', 'text').execute();

  await sql`drop table catalog_fts_vocab`.execute(db);
  await sql`drop trigger catalog_items_fts_insert`.execute(db);
  await sql`drop trigger catalog_items_fts_delete`.execute(db);
  await sql`drop trigger catalog_items_fts_update`.execute(db);
  await sql`drop table catalog_fts`.execute(db);

  await sql`create virtual table catalog_fts using fts5(
    name, series_name, original_title,
    content = 'catalog_items', content_rowid = 'row_id',
    tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3'
  )`.execute(db);
  await sql`create trigger catalog_items_fts_insert after insert on catalog_items begin
    insert into catalog_fts(rowid, ${sql.raw(indexedColumns)})
      values (new.row_id, new.name, new.series_name, new.original_title);
  end`.execute(db);
  await sql`create trigger catalog_items_fts_delete after delete on catalog_items begin
    insert into catalog_fts(catalog_fts, rowid, ${sql.raw(indexedColumns)})
      values ('delete', old.row_id, old.name, old.series_name, old.original_title);
  end`.execute(db);
  await sql`create trigger catalog_items_fts_update
    after update of name, series_name, original_title on catalog_items begin
    insert into catalog_fts(catalog_fts, rowid, ${sql.raw(indexedColumns)})
      values ('delete', old.row_id, old.name, old.series_name, old.original_title);
    insert into catalog_fts(rowid, ${sql.raw(indexedColumns)})
      values (new.row_id, new.name, new.series_name, new.original_title);
  end`.execute(db);
  await sql`insert into catalog_fts(catalog_fts) values ('rebuild')`.execute(db);
  await sql`create virtual table catalog_fts_vocab using fts5vocab(catalog_fts, 'row')`.execute(db);

  // Rows synced before this migration have no original title yet: the next sync reads everything.
  await sql`delete from catalog_sync_runs`.execute(db);
}
