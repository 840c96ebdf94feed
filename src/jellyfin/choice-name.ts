// Discord allows choice names of 1-100 characters. A shortened name keeps what identifies the item:
// the series and the SxxEyy code of an episode, and the year, and gives up title characters first.
import type { CatalogItemType } from '../db/schema.ts';
import { episodeCode } from './text.ts';

export const MAX_CHOICE_NAME_LENGTH = 100;
const SEPARATOR = ' · ';

export interface NameableItem {
  type: CatalogItemType;
  name: string;
  year: number | null;
  series_name: string | null;
  season_number: number | null;
  episode_number: number | null;
}

/** Cuts `text` to at most `max` UTF-16 units, ending with an ellipsis, never splitting a character. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let out = '';
  for (const char of text) {
    if (out.length + char.length + 1 > max) break;
    out += char;
  }
  return `${out.trimEnd()}…`;
}

/** `Title (2019)`, `Title (2019) · Series`, `Show · S02E05 · Title (2019)`; at most 100 characters. */
export function choiceName(item: NameableItem, max = MAX_CHOICE_NAME_LENGTH): string {
  const year = item.year ? ` (${item.year})` : '';
  if (item.type !== 'episode') {
    const suffix = `${year}${item.type === 'series' ? `${SEPARATOR}Series` : ''}`;
    return truncate(item.name, max - suffix.length) + suffix;
  }
  const code = episodeCode(item.season_number, item.episode_number);
  const series = item.series_name ?? 'Unknown series';
  const fixed = `${SEPARATOR}${code ? `${code}${SEPARATOR}` : ''}`;
  const budget = max - fixed.length - year.length;
  if (series.length + item.name.length <= budget) return `${series}${fixed}${item.name}${year}`;
  // The title keeps at least half of the room (or all it needs); the series gets the rest.
  const titleShare = Math.min(item.name.length, Math.floor(budget / 2));
  const shortSeries = truncate(series, budget - titleShare);
  return `${shortSeries}${fixed}${truncate(item.name, budget - shortSeries.length)}${year}`;
}
