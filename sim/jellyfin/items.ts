// Which library items a request asks for, read as Jellyfin reads /Items, /Search/Hints and
// /Shows/{id}/Seasons|Episodes: ids, types, search term (accent- and case-insensitive), series,
// missing episodes, date last saved, sort order, and the QueryResult page.
import { boolParam, guidParam, HttpError, intParam, listParam, type Query } from './http.ts';
import type { SimItem, SimLibrary } from './library.ts';

const itemKinds = new Set(['Movie', 'Series', 'Season', 'Episode', 'BoxSet', 'Video', 'Folder']);

function cleanName(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

export function requireItem(library: SimLibrary, id: string): SimItem {
  const item = library.get(id);
  if (!item) throw new HttpError(404, 'Item not found.');
  return item;
}

/** The lower-cased names of the optional properties asked for with `fields`. */
export function fieldsOf(query: Query): Set<string> {
  return new Set(listParam(query, 'fields').map((field) => field.toLowerCase()));
}

export function filterItems(library: SimLibrary, query: Query): SimItem[] {
  const ids = new Set(listParam(query, 'ids').map((id) => id.replaceAll('-', '').toLowerCase()));
  const recursive = boolParam(query, 'recursive') === true;
  // Without `recursive` (and without ids) only the root folders answer: nothing useful.
  if (!recursive && ids.size === 0) return [];
  const types = new Set(listParam(query, 'includeItemTypes').filter((type) => itemKinds.has(type)));
  const excluded = new Set(listParam(query, 'excludeItemTypes'));
  const term = query.get('searchterm');
  const needle = term ? cleanName(term.trim()) : null;
  const minSaved = query.get('mindatelastsaved');
  const minSavedTime = minSaved ? Date.parse(minSaved) : null;
  if (minSaved && Number.isNaN(minSavedTime)) throw new HttpError(400, 'minDateLastSaved is not a date.');
  const isMissing = boolParam(query, 'isMissing');
  const seriesFilter = guidParam(query, 'parentId');
  let items = library
    .sorted()
    .filter(
      (item) =>
        (ids.size === 0 || ids.has(item.id)) &&
        (types.size === 0 || types.has(item.type)) &&
        !excluded.has(item.type) &&
        (!seriesFilter || item.seriesId === seriesFilter || item.seasonId === seriesFilter) &&
        (isMissing === undefined || (item.locationType === 'Virtual') === isMissing) &&
        (minSavedTime === null || Date.parse(item.dateLastSaved) >= minSavedTime) &&
        (needle === null ||
          cleanName(item.name).includes(needle) ||
          cleanName(item.originalTitle ?? '').includes(needle)),
    );
  const sortBy = listParam(query, 'sortBy')[0]?.toLowerCase();
  if (sortBy === 'datelastsaved' || sortBy === 'datecreated') {
    items = [...items].sort(
      (a, b) => a.dateLastSaved.localeCompare(b.dateLastSaved) || a.id.localeCompare(b.id),
    );
  }
  if (query.get('sortorder')?.toLowerCase() === 'descending') items = [...items].reverse();
  return items;
}

/** A series' seasons or episodes (`seasonId`, `season`, `isMissing`), in season and episode order. */
export function showChildren(
  library: SimLibrary,
  series: SimItem,
  kind: 'Season' | 'Episode',
  query: Query,
): SimItem[] {
  const seasonId = guidParam(query, 'seasonId');
  const seasonNumber = intParam(query, 'season');
  const isMissing = boolParam(query, 'isMissing');
  return library
    .sorted()
    .filter(
      (item) =>
        item.seriesId === series.id &&
        item.type === kind &&
        (!seasonId || item.seasonId === seasonId) &&
        (seasonNumber === undefined || item.parentIndexNumber === seasonNumber) &&
        (isMissing === undefined || (item.locationType === 'Virtual') === isMissing),
    )
    .sort(
      (a, b) =>
        (a.parentIndexNumber ?? 0) - (b.parentIndexNumber ?? 0) ||
        (a.indexNumber ?? 0) - (b.indexNumber ?? 0),
    );
}

/** Jellyfin's QueryResult envelope: `startIndex`/`limit` paging, the total unless switched off. */
export function queryResult(all: SimItem[], query: Query, mapItem: (item: SimItem) => unknown) {
  const start = intParam(query, 'startIndex') ?? 0;
  const limit = intParam(query, 'limit');
  const page = all.slice(start, limit === undefined ? undefined : start + limit);
  const countAll = boolParam(query, 'enableTotalRecordCount') !== false;
  return {
    Items: page.map(mapItem),
    TotalRecordCount: countAll ? all.length : page.length,
    StartIndex: start,
  };
}
