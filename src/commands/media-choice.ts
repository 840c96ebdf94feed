// The value a user submits for `media`/`episode` is checked again on submit: usually it is an item id
// from the suggestions, but people also type a title and press enter before suggestions arrive, or
// submit a stale or made-up id. A value that cannot be an id is searched for; an id the library does
// not know falls back to a search for that text; nothing found is a clear message, never a crash.

import { phrase } from '../i18n/translate.ts';
import { noMatchValue } from '../interactions/autocomplete-choices.ts';
import { WatchPartyError } from '../watchparty/errors.ts';
import { UnknownMediaError } from '../watchparty/media-library.ts';
import { type MediaSearch, withDeadline } from './media-search.ts';

/** Item ids are short and have no spaces; anything else is certainly typed text. */
const idShape = /^[\w-]{1,64}$/;
const submitSearchDeadlineMs = 5_000;

export interface MediaChoice {
  media: string;
  episode: string | null;
}

function isUnknownMedia(error: unknown): boolean {
  return (
    error instanceof WatchPartyError && error.code === 'not_found' && error.cause instanceof UnknownMediaError
  );
}

function nothingMatches(field: 'media' | 'episode', text: string): WatchPartyError {
  return new WatchPartyError('not_found', phrase('error.noMatch', { typed: text.slice(0, 60) }), { field });
}

function rejectExplanatoryChoice(field: 'media' | 'episode', value: string): void {
  if (value !== noMatchValue) return;
  throw new WatchPartyError('bad_request', phrase('error.explanatoryChoice'), { field });
}

/**
 * Queues what the user chose: runs `add` with the submitted id, or with the best search hit for the
 * submitted text. `add` is the service call, so the service stays the judge of what an id means.
 */
export async function addChosenMedia<R>(
  search: MediaSearch,
  choice: MediaChoice,
  add: (itemId: string) => Promise<R>,
): Promise<R> {
  rejectExplanatoryChoice('media', choice.media);
  if (choice.episode === null) {
    return withFallback(
      choice.media,
      add,
      async () => {
        const [hit] = await searchOrUnavailable(
          (signal) => search.search(choice.media, { limit: 1, signal }),
          'media',
        );
        return hit?.itemId ?? null;
      },
      'media',
    );
  }
  rejectExplanatoryChoice('episode', choice.episode);
  const episode = choice.episode;
  const seriesId = idShape.test(choice.media)
    ? choice.media
    : (
        await searchOrUnavailable(
          (signal) => search.search(choice.media, { type: 'series', limit: 1, signal }),
          'media',
        )
      )[0]?.itemId;
  if (!seriesId) throw nothingMatches('media', choice.media);
  return withFallback(
    episode,
    add,
    async () => {
      const [hit] = await searchOrUnavailable(
        (signal) => search.episodesOf(seriesId, episode, { limit: 1, signal }),
        'episode',
      );
      return hit?.itemId ?? null;
    },
    'episode',
  );
}

async function searchOrUnavailable<T>(
  work: (signal: AbortSignal) => Promise<T>,
  field: 'media' | 'episode',
): Promise<T> {
  try {
    return await withDeadline(work, submitSearchDeadlineMs);
  } catch (error) {
    throw new WatchPartyError('unavailable', phrase('error.searchDown'), {
      cause: error,
      field,
    });
  }
}

async function withFallback<R>(
  submitted: string,
  add: (itemId: string) => Promise<R>,
  searchFor: () => Promise<string | null>,
  field: 'media' | 'episode',
): Promise<R> {
  if (idShape.test(submitted)) {
    try {
      return await add(submitted);
    } catch (error) {
      if (!isUnknownMedia(error)) throw error;
    }
  }
  const found = await searchFor();
  if (found === null || found === submitted) throw nothingMatches(field, submitted);
  return add(found);
}
