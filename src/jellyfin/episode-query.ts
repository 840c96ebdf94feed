// Reads what people type when they mean an episode: `S2E5`, `s02e05`, `Show 2x05`,
// `Show season 2 episode 5`, just a season (`Show S2`, `Show season 2`) or just an episode number
// (`Show e2`, `Show episode 2`, `Show ep 2`). Anything else is not an episode query.

export interface EpisodeQuery {
  /** What is left once the code is taken out: the series name as typed (may be empty). */
  seriesText: string;
  /** Null when only an episode number was given: that episode of every season. */
  season: number | null;
  /** Null when only a season was given. */
  episode: number | null;
}

const patterns: readonly RegExp[] = [
  /(?:^|\s)s(\d{1,3})\s*e(\d{1,4})(?=\s|$)/i,
  /(?:^|\s)(\d{1,2})x(\d{1,4})(?=\s|$)/i,
  /(?:^|\s)season\s*(\d{1,3})\s*(?:,\s*)?episode\s*(\d{1,4})(?=\s|$)/i,
];
const seasonOnly = /(?:^|\s)(?:s|season\s*)(\d{1,3})$/i;
const episodeOnly = /(?:^|\s)(?:e|ep|episode)\s*(\d{1,4})$/i;

function tidy(text: string): string {
  return text
    .replace(/[\s·:,-]+$/u, '')
    .replace(/^[\s·:,-]+/u, '')
    .replace(/\s+/g, ' ');
}

export function parseEpisodeQuery(text: string): EpisodeQuery | null {
  const input = text.trim();
  for (const pattern of patterns) {
    const match = pattern.exec(input);
    if (!match) continue;
    const season = Number(match[1]);
    const episode = Number(match[2]);
    const seriesText = tidy(input.slice(0, match.index) + input.slice(match.index + match[0].length));
    return { seriesText, season, episode };
  }
  const season = seasonOnly.exec(input);
  if (season && season.index > 0) {
    return { seriesText: tidy(input.slice(0, season.index)), season: Number(season[1]), episode: null };
  }
  const episode = episodeOnly.exec(input);
  if (episode && episode.index > 0) {
    return { seriesText: tidy(input.slice(0, episode.index)), season: null, episode: Number(episode[1]) };
  }
  return null;
}
