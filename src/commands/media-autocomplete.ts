// Suggestions while the user types `media` or `episode`. Always answers, and in time: hits from the
// catalog under a deadline, or ONE explanatory choice when there is nothing to offer (nothing typed,
// nothing matches, no series picked yet, the catalog is slow or down).
import type { AutocompleteInteraction } from 'discord.js';
import { t } from '../i18n/translate.ts';
import {
  type AutocompleteChoice,
  explanatoryChoice,
  maxChoices,
  noMatchValue,
} from '../interactions/autocomplete-choices.ts';
import { memberLocale } from '../interactions/respond.ts';
import type { Logger } from '../logger.ts';
import { autocompleteSeconds } from '../metrics/instruments.ts';
import { autocompleteDeadlineMs, type MediaSearch, toChoices, withDeadline } from './media-search.ts';
import { withSeriesChoices } from './series-choices.ts';

export async function suggestMedia(
  search: MediaSearch,
  interaction: AutocompleteInteraction,
  logger: Logger,
): Promise<void> {
  const startedMs = performance.now();
  const focused = interaction.options.getFocused(true);
  const typed = String(focused.value).trim().slice(0, 100);
  const locale = memberLocale(interaction);
  let choices: AutocompleteChoice[];
  let outcome: 'suggestions' | 'explanation' | 'failed' = 'explanation';
  try {
    if (focused.name === 'episode') {
      const seriesId = interaction.options.getString('media')?.trim() ?? '';
      if (seriesId === '' || seriesId === noMatchValue) {
        choices = explanatoryChoice(t(locale, 'hint.pickSeriesFirst'));
      } else {
        const hits = await withDeadline(
          (signal) => search.episodesOf(seriesId, typed, { limit: maxChoices, signal }),
          autocompleteDeadlineMs,
        );
        choices =
          hits.length > 0
            ? toChoices(hits, locale)
            : explanatoryChoice(t(locale, 'hint.noEpisodeMatch', { typed }));
      }
    } else if (typed === '') {
      choices = explanatoryChoice(t(locale, 'hint.typeTitle'));
    } else {
      const hits = await withDeadline(
        (signal) => search.search(typed, { limit: maxChoices, signal }),
        autocompleteDeadlineMs,
      );
      choices =
        hits.length > 0
          ? await withSeriesChoices(toChoices(hits, locale), hits, search.seasonsOf?.bind(search), locale)
          : explanatoryChoice(t(locale, 'hint.noMatch', { typed }));
    }
  } catch (error) {
    logger.warn({ err: error, option: focused.name }, 'autocomplete search failed or was too slow');
    choices = explanatoryChoice(t(locale, 'hint.searchDown'));
    outcome = 'failed';
  }
  if (outcome !== 'failed' && choices.some((choice) => choice.value !== noMatchValue))
    outcome = 'suggestions';
  try {
    await interaction.respond(choices);
  } finally {
    // Until Discord has the answer: the wait the member sees, and what its 3-second deadline counts.
    autocompleteSeconds.observe({ option: focused.name, outcome }, (performance.now() - startedMs) / 1000);
  }
}
