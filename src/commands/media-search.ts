// What /watchparty needs from the catalog: a ranked search for autocomplete and an episode picker,
// both from src/jellyfin's CatalogSearch. Autocomplete must answer within
// Discord's 3 s, so every search here runs under a deadline and degrades to ONE explanatory choice
// (never an error, never silence) when the catalog is empty, slow or down.
import type { ApplicationCommandOptionChoiceData } from 'discord.js';
import type { CatalogSearch, SearchChoice } from '../jellyfin/catalog-search.ts';

/** The catalog search of src/jellyfin, as far as /watchparty uses it (tests pass their own). */
export type MediaSearch = Pick<CatalogSearch, 'search' | 'episodesOf'>;

/** Discord's limits for autocomplete answers. */
export const maxChoices = 25;
const maxChoiceLength = 100;
/** Well under Discord's 3 s, leaving room for the callback's own round trip. */
export const autocompleteDeadlineMs = 1_500;

/**
 * The value of an explanatory choice. Submitting it is answered with the explanation again rather
 * than with a search for its text.
 */
export const noMatchValue = 'orb:no-match';

export function truncateChoiceText(text: string): string {
  const single = text.replace(/\s+/g, ' ').trim();
  return single.length <= maxChoiceLength ? single : `${single.slice(0, maxChoiceLength - 1)}…`;
}

export function explanatoryChoice(text: string): ApplicationCommandOptionChoiceData<string>[] {
  return [{ name: truncateChoiceText(text), value: noMatchValue }];
}

/** Hits → choices within Discord's limits: at most 25, names and values of 1-100 characters. */
export function toChoices(hits: readonly SearchChoice[]): ApplicationCommandOptionChoiceData<string>[] {
  return hits
    .filter((hit) => hit.value.length > 0 && hit.value.length <= maxChoiceLength)
    .slice(0, maxChoices)
    .map((hit) => ({ name: truncateChoiceText(hit.name) || hit.value, value: hit.value }));
}

export class SearchDeadlineError extends Error {
  constructor(ms: number) {
    super(`the catalog search did not answer within ${ms} ms`);
    this.name = 'SearchDeadlineError';
  }
}

/** Resolves with the search's result, or rejects with SearchDeadlineError after `ms`. */
export function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SearchDeadlineError(ms)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
