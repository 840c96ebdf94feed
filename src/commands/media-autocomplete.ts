// Suggestions while the user types `media` or `episode`. Always answers, and in time: hits from the
// catalog under a deadline, or ONE explanatory choice when there is nothing to offer (nothing typed,
// nothing matches, no series picked yet, the catalog is slow or down).
import type { AutocompleteInteraction } from 'discord.js';
import {
  type AutocompleteChoice,
  explanatoryChoice,
  maxChoices,
  noMatchValue,
} from '../interactions/autocomplete-choices.ts';
import type { Logger } from '../logger.ts';
import { autocompleteDeadlineMs, type MediaSearch, toChoices, withDeadline } from './media-search.ts';

export async function suggestMedia(
  search: MediaSearch,
  interaction: AutocompleteInteraction,
  logger: Logger,
): Promise<void> {
  const focused = interaction.options.getFocused(true);
  const typed = String(focused.value).trim().slice(0, 100);
  let choices: AutocompleteChoice[];
  try {
    if (focused.name === 'episode') {
      const seriesId = interaction.options.getString('media')?.trim() ?? '';
      if (seriesId === '' || seriesId === noMatchValue) {
        choices = explanatoryChoice('Pick a series in "media" first, then its episode here');
      } else {
        const hits = await withDeadline(
          (signal) => search.episodesOf(seriesId, typed, { limit: maxChoices, signal }),
          autocompleteDeadlineMs,
        );
        choices =
          hits.length > 0
            ? toChoices(hits)
            : explanatoryChoice(`No episode of that series matches "${typed}"`);
      }
    } else if (typed === '') {
      choices = explanatoryChoice('Type a title to search the library');
    } else {
      const hits = await withDeadline(
        (signal) => search.search(typed, { limit: maxChoices, signal }),
        autocompleteDeadlineMs,
      );
      choices =
        hits.length > 0 ? toChoices(hits) : explanatoryChoice(`Nothing in the library matches "${typed}"`);
    }
  } catch (error) {
    logger.warn({ err: error, option: focused.name }, 'autocomplete search failed or was too slow');
    choices = explanatoryChoice('The library search is not answering right now. Try again in a moment.');
  }
  await interaction.respond(choices);
}
