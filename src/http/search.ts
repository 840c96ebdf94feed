// `GET /api/search` and the dashboard's search box: the catalog's ranked search, the one /watchparty
// queue's autocomplete runs, with each hit labelled as autocomplete labels it.
import { z } from 'zod';
import { choiceName } from '../commands/choice-name.ts';
import { catalogItemTypes } from '../db/schema.ts';
import type { Locale } from '../i18n/locales.ts';
import type { CatalogSearch } from '../jellyfin/catalog-search.ts';

export type RankedSearch = Pick<CatalogSearch, 'search'>;

export const searchQuerySchema = z.object({
  q: z.string().trim().min(1).max(100),
  limit: z
    .string()
    .regex(/^\d{1,2}$/, 'must be a whole number from 1 to 25')
    .transform(Number)
    .refine((limit) => limit >= 1 && limit <= 25, 'must be a whole number from 1 to 25')
    .optional(),
});

export const searchResultsSchema = z.object({
  hits: z.array(
    z.object({
      /** What POST /api/sessions/{id}/queue takes as `itemId` (a series queues its first episode). */
      itemId: z.string(),
      type: z.enum(catalogItemTypes),
      /** As autocomplete shows it: `Title (2019)`, `Show · S02E05 · Title (2019)`, `Show (2020) · Series · 6 episodes`. */
      label: z.string(),
      year: z.number().int().nullable(),
    }),
  ),
});
export type SearchResults = z.infer<typeof searchResultsSchema>;

const SEARCH_DEADLINE_MS = 5_000;

/** The hits labelled in `locale` (the dashboard's page language; English for the API). */
export async function rankedSearch(
  search: RankedSearch,
  query: z.output<typeof searchQuerySchema>,
  locale: Locale = 'en',
): Promise<SearchResults> {
  const hits = await search.search(query.q, {
    limit: query.limit ?? 15,
    signal: AbortSignal.timeout(SEARCH_DEADLINE_MS),
  });
  return {
    hits: hits.map((hit) => ({
      itemId: hit.itemId,
      type: hit.type,
      label: choiceName(hit, locale),
      year: hit.year,
    })),
  };
}
