// What /watchparty needs from the catalog: a ranked search for autocomplete and an episode picker,
// both from src/jellyfin's CatalogSearch, and how its hits become Discord's choices. Autocomplete
// must answer within Discord's 3 s, so every search here runs under a deadline that also aborts the
// search underneath, and degrades to ONE explanatory choice (never an error, never silence) when the
// catalog is empty, slow or down.
import type { Locale } from '../i18n/locales.ts';
import {
  type AutocompleteChoice,
  choiceText,
  maxChoiceLength,
  maxChoices,
} from '../interactions/autocomplete-choices.ts';
import type { CatalogHit, CatalogSearch } from '../jellyfin/catalog-search.ts';
import { choiceName } from './choice-name.ts';

/**
 * The catalog search of src/jellyfin, as far as /watchparty uses it (tests pass their own); without
 * `seasonsOf` a series offers no season choices.
 */
export type MediaSearch = Pick<CatalogSearch, 'search' | 'episodesOf'> &
  Partial<Pick<CatalogSearch, 'seasonsOf'>>;

/** Well under Discord's 3 s, leaving room for the callback's own round trip. */
export const autocompleteDeadlineMs = 1_500;

/** Hits → choices within Discord's limits: at most 25, names and values of 1-100 characters. */
export function toChoices(hits: readonly CatalogHit[], locale: Locale = 'en'): AutocompleteChoice[] {
  return hits
    .filter((hit) => hit.itemId.length > 0 && hit.itemId.length <= maxChoiceLength)
    .slice(0, maxChoices)
    .map((hit) => ({ name: choiceText(choiceName(hit, locale)) || hit.itemId, value: hit.itemId }));
}

export class SearchDeadlineError extends Error {
  constructor(ms: number) {
    super(`the catalog search did not answer within ${ms} ms`);
    this.name = 'SearchDeadlineError';
  }
}

/**
 * Runs `work` with a signal that aborts after `ms` (with SearchDeadlineError as its reason), and
 * rejects then even if the work does not stop at once.
 */
export async function withDeadline<T>(work: (signal: AbortSignal) => Promise<T>, ms: number): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new SearchDeadlineError(ms)), ms);
  const deadline = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  try {
    return await Promise.race([work(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
