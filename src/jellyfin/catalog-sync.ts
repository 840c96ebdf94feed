// Copies Jellyfin's movies, series and episodes into the local catalog that autocomplete searches.
// A full sync pages through everything and deletes what it didn't see; an incremental sync fetches
// only items saved since the newest save it already holds, then sweeps the id list (a light
// request) to notice deletions, which Jellyfin has no "deleted since" query for.
import { sql, type Updateable } from 'kysely';
import type { Db } from '../db/connection.ts';
import type { CatalogSyncRunsTable, NewCatalogItem } from '../db/schema.ts';
import { errorMessage } from '../error-message.ts';
import type { ItemsQuery, JellyfinClient } from './client.ts';
import { type BaseItem, catalogTypeOf, jellyfinKindOf, providerId, ticksToSeconds } from './schemas.ts';
import { normalizeTitle } from './text.ts';

export type SyncMode = 'full' | 'incremental';
type CatalogSyncRunUpdate = Updateable<CatalogSyncRunsTable>;

export interface SyncProgress {
  mode: SyncMode;
  phase: 'fetching' | 'sweeping' | 'indexing' | 'done';
  /** Items handled so far in this phase. */
  done: number;
  /** Items expected in this phase, when Jellyfin told us. */
  total: number | null;
}

export interface SyncResult {
  runId: number;
  mode: SyncMode;
  upserted: number;
  deleted: number;
  /** Items in the catalog afterwards. */
  catalogSize: number;
  seconds: number;
}

export interface SyncCatalogOptions {
  /** `auto` (default) runs incremental when a full sync has succeeded before, else full. */
  mode?: SyncMode | 'auto';
  /** Items per request when fetching metadata (Jellyfin's own clients use a few hundred). */
  pageSize?: number;
  /** Items per request in the light id sweep of an incremental sync. */
  sweepPageSize?: number;
  onProgress?: (progress: SyncProgress) => void;
  signal?: AbortSignal;
}

const catalogKinds = Object.values(jellyfinKindOf);
const metadataFields = ['ProviderIds', 'Overview', 'DateLastSaved', 'OriginalTitle'];

function toRow(item: BaseItem, runId: number): NewCatalogItem | null {
  const type = catalogTypeOf(item.Type);
  if (!type) return null;
  const name = item.Name?.trim() || item.OriginalTitle?.trim() || 'Untitled';
  const originalTitle = item.OriginalTitle?.trim() || null;
  const seriesPoster = item.SeriesId && item.SeriesPrimaryImageTag;
  const ownPoster = item.ImageTags?.Primary;
  return {
    item_id: item.Id,
    type,
    name,
    name_norm: normalizeTitle(name),
    original_title:
      originalTitle && normalizeTitle(originalTitle) !== normalizeTitle(name) ? originalTitle : null,
    series_id: type === 'episode' ? (item.SeriesId ?? null) : null,
    series_name: type === 'episode' ? (item.SeriesName ?? null) : null,
    season_number: type === 'episode' ? (item.ParentIndexNumber ?? null) : null,
    episode_number: type === 'episode' ? (item.IndexNumber ?? null) : null,
    year: item.ProductionYear ?? null,
    runtime_seconds: ticksToSeconds(item.RunTimeTicks),
    overview: item.Overview ?? null,
    // An episode's own image is a 16:9 still; the series poster is what people recognise.
    poster_item_id: seriesPoster ? (item.SeriesId ?? null) : ownPoster ? item.Id : null,
    poster_tag: seriesPoster ? (item.SeriesPrimaryImageTag ?? null) : (ownPoster ?? null),
    tmdb_id: providerId(item, 'Tmdb'),
    imdb_id: providerId(item, 'Imdb'),
    date_saved: item.DateLastSaved ? new Date(item.DateLastSaved).toISOString() : null,
    seen_in_run: runId,
  };
}

async function upsert(db: Db, rows: NewCatalogItem[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('catalog_items')
    .values(rows)
    .onConflict((conflict) =>
      conflict.column('item_id').doUpdateSet((eb) => ({
        type: eb.ref('excluded.type'),
        name: eb.ref('excluded.name'),
        name_norm: eb.ref('excluded.name_norm'),
        original_title: eb.ref('excluded.original_title'),
        series_id: eb.ref('excluded.series_id'),
        series_name: eb.ref('excluded.series_name'),
        season_number: eb.ref('excluded.season_number'),
        episode_number: eb.ref('excluded.episode_number'),
        year: eb.ref('excluded.year'),
        runtime_seconds: eb.ref('excluded.runtime_seconds'),
        overview: eb.ref('excluded.overview'),
        poster_item_id: eb.ref('excluded.poster_item_id'),
        poster_tag: eb.ref('excluded.poster_tag'),
        tmdb_id: eb.ref('excluded.tmdb_id'),
        imdb_id: eb.ref('excluded.imdb_id'),
        date_saved: eb.ref('excluded.date_saved'),
        seen_in_run: eb.ref('excluded.seen_in_run'),
        synced_at: sql<string>`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
      })),
    )
    .execute();
}

/** Pages through `GET /Items` until a page comes back short; `visit` handles each page. */
async function forEachPage(
  client: JellyfinClient,
  query: ItemsQuery,
  pageSize: number,
  signal: AbortSignal | undefined,
  visit: (items: BaseItem[]) => Promise<void>,
): Promise<void> {
  for (let startIndex = 0; ; ) {
    signal?.throwIfAborted();
    const page = await client.items(
      { ...query, startIndex, limit: pageSize, enableTotalRecordCount: false },
      { signal },
    );
    await visit(page.Items);
    startIndex += page.Items.length;
    if (page.Items.length < pageSize) return;
  }
}

const baseQuery: ItemsQuery = {
  recursive: true,
  includeItemTypes: catalogKinds,
  isMissing: false,
  enableUserData: false,
  sortBy: ['SortName'],
  sortOrder: 'Ascending',
};

async function countItems(client: JellyfinClient, query: ItemsQuery, signal?: AbortSignal): Promise<number> {
  const result = await client.items({ ...query, limit: 0, enableTotalRecordCount: true }, { signal });
  return result.TotalRecordCount ?? 0;
}

/** Refills the trigram index of distinct title words that typo-tolerant search looks up. */
async function rebuildTermIndex(db: Db): Promise<void> {
  await sql`delete from catalog_terms`.execute(db);
  await sql`insert into catalog_terms(term) select term from catalog_fts_vocab where length(term) >= 3`.execute(
    db,
  );
}

async function hasCompletedFullSync(db: Db): Promise<boolean> {
  const row = await db
    .selectFrom('catalog_sync_runs')
    .select('id')
    .where('mode', '=', 'full')
    .where('status', '=', 'succeeded')
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Another process (the bot's schedule, or `sync-catalog`) is syncing; its deletions would clash. */
export class CatalogSyncBusyError extends Error {
  constructor(startedAt: string) {
    super(`A catalog sync started at ${startedAt} is still running. Wait for it to finish, then try again.`);
    this.name = 'CatalogSyncBusyError';
  }
}

/** A run still marked running after this long is taken to have died with its process. */
const STALE_RUN_MS = 30 * 60_000;

async function refuseConcurrentRun(db: Db): Promise<void> {
  const running = await db
    .selectFrom('catalog_sync_runs')
    .select('started_at')
    .where('status', '=', 'running')
    .where('started_at', '>', new Date(Date.now() - STALE_RUN_MS).toISOString())
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (running) throw new CatalogSyncBusyError(running.started_at);
}

async function finishRun(
  db: Db,
  runId: number,
  outcome: Pick<CatalogSyncRunUpdate, 'status' | 'items_upserted' | 'items_deleted' | 'error'>,
): Promise<void> {
  await db
    .updateTable('catalog_sync_runs')
    .set({ ...outcome, finished_at: new Date().toISOString() })
    .where('id', '=', runId)
    .execute();
}

export async function syncCatalog(
  db: Db,
  client: JellyfinClient,
  options: SyncCatalogOptions = {},
): Promise<SyncResult> {
  const started = performance.now();
  const mode: SyncMode =
    options.mode === 'full' || options.mode === 'incremental'
      ? options.mode
      : (await hasCompletedFullSync(db))
        ? 'incremental'
        : 'full';
  const pageSize = options.pageSize ?? 500;
  const report = options.onProgress ?? (() => {});
  const { signal } = options;
  await refuseConcurrentRun(db);
  const run = await db
    .insertInto('catalog_sync_runs')
    .values({ mode })
    .returning('id')
    .executeTakeFirstOrThrow();
  const runId = run.id;
  let upserted = 0;
  let deleted = 0;

  try {
    const metadataQuery: ItemsQuery = { ...baseQuery, fields: metadataFields, enableImages: true };
    if (mode === 'incremental') {
      const newest = await db
        .selectFrom('catalog_items')
        .select((eb) => eb.fn.max('date_saved').as('newest'))
        .executeTakeFirst();
      if (newest?.newest) metadataQuery.minDateLastSaved = newest.newest;
    }
    const total = await countItems(client, metadataQuery, signal);
    report({ mode, phase: 'fetching', done: 0, total });
    await forEachPage(client, metadataQuery, pageSize, signal, async (items) => {
      const rows = items.map((item) => toRow(item, runId)).filter((row) => row !== null);
      await upsert(db, rows);
      upserted += rows.length;
      report({ mode, phase: 'fetching', done: upserted, total });
    });

    if (mode === 'incremental') {
      // Mark every id Jellyfin still has; whatever stays unmarked was deleted there.
      const sweepQuery: ItemsQuery = { ...baseQuery, enableImages: false };
      const sweepTotal = await countItems(client, sweepQuery, signal);
      let swept = 0;
      report({ mode, phase: 'sweeping', done: 0, total: sweepTotal });
      await forEachPage(client, sweepQuery, options.sweepPageSize ?? 1_000, signal, async (items) => {
        const ids = items.map((item) => item.Id);
        if (ids.length > 0) {
          await db
            .updateTable('catalog_items')
            .set({ seen_in_run: runId })
            .where('item_id', 'in', ids)
            .execute();
        }
        swept += ids.length;
        report({ mode, phase: 'sweeping', done: swept, total: sweepTotal });
      });
    }

    const removed = await db.deleteFrom('catalog_items').where('seen_in_run', '!=', runId).executeTakeFirst();
    deleted = Number(removed.numDeletedRows);
    report({ mode, phase: 'indexing', done: 0, total: null });
    if (upserted > 0 || deleted > 0) await rebuildTermIndex(db);

    const size = await db
      .selectFrom('catalog_items')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    await finishRun(db, runId, { status: 'succeeded', items_upserted: upserted, items_deleted: deleted });
    const result: SyncResult = {
      runId,
      mode,
      upserted,
      deleted,
      catalogSize: Number(size.count),
      seconds: (performance.now() - started) / 1000,
    };
    report({ mode, phase: 'done', done: result.catalogSize, total: result.catalogSize });
    return result;
  } catch (error) {
    const message = errorMessage(error);
    await finishRun(db, runId, { status: 'failed', items_upserted: upserted, error: message });
    throw error;
  }
}
