// ISO 639 language codes as settings, Jellyfin and ffmpeg write them: 639-1 (`ja`), 639-2/T (`jpn`)
// and 639-2/B (`fre`). Intl canonicalises all three to one subtag, so `ja`, `jpn` compare equal.
import { z } from 'zod';

const englishNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });

/** The canonical subtag of a known language code, or null (unknown, `und`, malformed). */
export function canonicalLanguage(code: string | null | undefined): string | null {
  const trimmed = code?.trim() ?? '';
  if (!/^[A-Za-z]{2,3}$/.test(trimmed)) return null;
  // `und` (undetermined) has no language subtag at all.
  const language: string | undefined = new Intl.Locale(trimmed).language;
  return language && englishNames.of(language) ? language : null;
}

const namesIn = new Map<string, Intl.DisplayNames>([['en', englishNames]]);

/** `Japanese` for `jpn` (`Japanisch` in `de`); the code itself when Intl does not know it. */
export function languageName(code: string, inLanguage = 'en'): string {
  const language = canonicalLanguage(code);
  if (!language) return code;
  let names = namesIn.get(inLanguage);
  if (!names) {
    names = new Intl.DisplayNames([inLanguage], { type: 'language', fallback: 'none' });
    namesIn.set(inLanguage, names);
  }
  return names.of(language) ?? code;
}

/** A setting holding one ISO 639-1 or 639-2 code, read as its canonical subtag. */
export const languageCodeSchema = z
  .string()
  .trim()
  .refine((code) => canonicalLanguage(code) !== null, 'must be an ISO 639 language code such as ja or jpn')
  .transform((code) => canonicalLanguage(code) as string);
