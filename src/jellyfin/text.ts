// Title normalisation shared by the catalog writer and the search: the same text must produce the
// same key on both sides, or exact and prefix matches silently miss.

/** Lowercase, accents removed, punctuation folded to single spaces: "Amélie: Part-2" → "amelie part 2". */
export function normalizeTitle(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** `S02E05`: seasons and episodes zero-padded to two digits (more when needed). */
export function episodeCode(season: number | null, episode: number | null): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  if (season === null && episode === null) return '';
  if (season === null) return `E${pad(episode ?? 0)}`;
  return episode === null ? `S${pad(season)}` : `S${pad(season)}E${pad(episode)}`;
}
