// The `media` suggestions' series choices: after the best-ranked series, "the rest of the series"
// (from the episode the party watches next) and "the whole season N" for each of its seasons
// (specials last), as values of our own that the service checks again on submit.
import type { Locale } from '../i18n/locales.ts';
import { t } from '../i18n/translate.ts';
import { type AutocompleteChoice, choiceText, maxChoices } from '../interactions/autocomplete-choices.ts';
import type { CatalogHit, SeasonSummary } from '../jellyfin/catalog-search.ts';
import { seriesChoiceValue } from '../watchparty/series-queueing.ts';

/** At most this many season choices, so films and other series still show. */
const maxSeasonChoices = 8;

/**
 * Inserts the series choices after the first series among `choices` (whose values are item ids, in
 * `hits` order), keeping at most Discord's 25 choices.
 */
export async function withSeriesChoices(
  choices: readonly AutocompleteChoice[],
  hits: readonly CatalogHit[],
  seasons: ((seriesId: string) => Promise<SeasonSummary[]>) | undefined,
  locale: Locale = 'en',
): Promise<AutocompleteChoice[]> {
  const series = hits.find((hit) => hit.type === 'series');
  const place = series ? choices.findIndex((choice) => choice.value === series.itemId) : -1;
  const known = series && seasons && place >= 0 ? await seasons(series.itemId) : null;
  if (!series || place < 0 || !known || known.length === 0) return [...choices];
  const extra: AutocompleteChoice[] = [
    {
      name: choiceText(t(locale, 'choice.restOfSeries', { title: series.title })),
      value: seriesChoiceValue(series.itemId, { kind: 'rest' }),
    },
    ...known.slice(0, maxSeasonChoices).map((season) => ({
      name: choiceText(
        season.seasonNumber
          ? t(locale, 'choice.season', {
              title: series.title,
              season: season.seasonNumber,
              episodes: season.episodeCount,
            })
          : t(locale, 'choice.specials', { title: series.title, episodes: season.episodeCount }),
      ),
      value: seriesChoiceValue(series.itemId, { kind: 'season', seasonNumber: season.seasonNumber ?? 0 }),
    })),
  ];
  return [...choices.slice(0, place + 1), ...extra, ...choices.slice(place + 1)].slice(0, maxChoices);
}
