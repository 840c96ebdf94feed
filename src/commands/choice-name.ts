// What a catalog hit is called in Discord's suggestions, within its 100 characters. A shortened name
// keeps what identifies the item: the series and the SxxEyy code of an episode, and the year, and
// gives up title characters first.
import type { Locale } from '../i18n/locales.ts';
import { t } from '../i18n/translate.ts';
import { maxChoiceLength, truncate } from '../interactions/autocomplete-choices.ts';
import type { CatalogHit } from '../jellyfin/catalog-search.ts';
import { episodeCode } from '../jellyfin/text.ts';

const separator = ' · ';

export type NameableHit = Pick<
  CatalogHit,
  'type' | 'title' | 'year' | 'seriesName' | 'seasonNumber' | 'episodeNumber' | 'episodeCount'
>;

function seriesLabel(episodeCount: number | null, locale: Locale): string {
  const series = `${separator}${t(locale, 'choice.series')}`;
  if (!episodeCount) return series;
  return `${series}${separator}${t(locale, 'choice.episodes', { count: episodeCount })}`;
}

/**
 * `Title (2019)`, `Title (2019) · Series · 6 episodes`, `Show · S02E05 · Title (2019)`, in the
 * reader's language; at most 100 characters.
 */
export function choiceName(hit: NameableHit, locale: Locale = 'en'): string {
  const max = maxChoiceLength;
  const year = hit.year ? ` (${hit.year})` : '';
  if (hit.type !== 'episode') {
    const suffix = `${year}${hit.type === 'series' ? seriesLabel(hit.episodeCount, locale) : ''}`;
    return truncate(hit.title, max - suffix.length) + suffix;
  }
  const code = episodeCode(hit.seasonNumber, hit.episodeNumber);
  const series = hit.seriesName ?? t(locale, 'choice.unknownSeries');
  const fixed = `${separator}${code ? `${code}${separator}` : ''}`;
  const budget = max - fixed.length - year.length;
  if (series.length + hit.title.length <= budget) return `${series}${fixed}${hit.title}${year}`;
  // The title keeps at least half of the room (or all it needs); the series gets the rest.
  const titleShare = Math.min(hit.title.length, Math.floor(budget / 2));
  const shortSeries = truncate(series, budget - titleShare);
  return `${shortSeries}${fixed}${truncate(hit.title, budget - shortSeries.length)}${year}`;
}
