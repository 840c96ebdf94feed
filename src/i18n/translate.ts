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

export const catalogs: Record<Locale, Catalog> = { en, de, fr, es, 'pt-BR': ptBR, ja };

type AnyMessage = string | ((params: Record<string, unknown>) => string);

export function phrase<K extends MessageKey>(key: K, ...[params]: ParamsArgument<K>): Phrase {
  return { key, params } as Phrase;
}

export function isPhrase(value: unknown): value is Phrase {
  return typeof value === 'object' && value !== null && 'key' in value && typeof value.key === 'string';
}

/** The phrase in `locale`, its nested phrases in the same language. */
export function render(locale: Locale, text: Phrase): string {
  const message = catalogs[locale][text.key] as AnyMessage;
  if (typeof message === 'string') return message;
  const params: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(text.params ?? {}))
    params[name] = isPhrase(value) ? render(locale, value) : value;
  return message(params);
}

export function t<K extends MessageKey>(locale: Locale, key: K, ...params: ParamsArgument<K>): string {
  return render(locale, phrase(key, ...params));
}
