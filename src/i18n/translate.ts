// Putting phrases into words: `t(locale, 'reply.queued', { title })` for a door that knows its
// reader's language, `phrase('error.queueFull', { max })` for the domain, which does not, and
// `render(locale, phrase)` at the door. English is also what logs and the API read.
import type { Catalog, MessageKey, ParamsArgument, Phrase } from './catalog.ts';
import { de } from './catalogs/de.ts';
import { en } from './catalogs/en.ts';
import { es } from './catalogs/es.ts';
import { fr } from './catalogs/fr.ts';
import { ja } from './catalogs/ja.ts';
import { ptBR } from './catalogs/pt-BR.ts';
import type { Locale } from './locales.ts';
import { phrase, wordIn } from './wording.ts';

export { isPhrase, phrase } from './wording.ts';

export const catalogs: Record<Locale, Catalog> = { en, de, fr, es, 'pt-BR': ptBR, ja };

/** The phrase in `locale`, its nested phrases in the same language. */
export function render(locale: Locale, text: Phrase): string {
  return wordIn(catalogs[locale], text);
}

export function t<K extends MessageKey>(locale: Locale, key: K, ...params: ParamsArgument<K>): string {
  return render(locale, phrase(key, ...params));
}
