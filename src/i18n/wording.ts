// Phrases and how one catalog words them, apart from the catalogs themselves: the web page loads
// only its own language's catalog and words its texts with this, as translate.ts does for the bot.
import type { Catalog, MessageKey, ParamsArgument, Phrase } from './catalog.ts';

type AnyMessage = string | ((params: Record<string, unknown>) => string);

export function phrase<K extends MessageKey>(key: K, ...[params]: ParamsArgument<K>): Phrase {
  return { key, params } as Phrase;
}

export function isPhrase(value: unknown): value is Phrase {
  return typeof value === 'object' && value !== null && 'key' in value && typeof value.key === 'string';
}

/** The phrase in `catalog`'s language, its nested phrases in the same language. */
export function wordIn(catalog: Catalog, text: Phrase): string {
  const message = catalog[text.key] as AnyMessage;
  if (typeof message === 'string') return message;
  const params: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(text.params ?? {}))
    params[name] = isPhrase(value) ? wordIn(catalog, value) : value;
  return message(params);
}
