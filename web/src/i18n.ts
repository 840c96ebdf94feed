// The page speaks the first of the browser's languages the bot speaks (English otherwise), with the
// bot's own catalogs: the same words as in Discord where the page says the same thing. Only that
// language's catalog is fetched (each is a chunk of its own), before the first render.
import type { Catalog, MessageKey, ParamsArgument } from '../../src/i18n/catalog.ts';
import { firstSpokenLocale, type Locale } from '../../src/i18n/locales.ts';
import { phrase, wordIn } from '../../src/i18n/wording.ts';

const catalogLoaders: Record<Locale, () => Promise<Catalog>> = {
  en: async () => (await import('../../src/i18n/catalogs/en.ts')).en,
  de: async () => (await import('../../src/i18n/catalogs/de.ts')).de,
  fr: async () => (await import('../../src/i18n/catalogs/fr.ts')).fr,
  es: async () => (await import('../../src/i18n/catalogs/es.ts')).es,
  'pt-BR': async () => (await import('../../src/i18n/catalogs/pt-BR.ts')).ptBR,
  ja: async () => (await import('../../src/i18n/catalogs/ja.ts')).ja,
};

export const locale = firstSpokenLocale(navigator.languages);
document.documentElement.lang = locale;
const catalog = await catalogLoaders[locale]();

export function say<K extends MessageKey>(key: K, ...params: ParamsArgument<K>): string {
  return wordIn(catalog, phrase(key, ...params));
}
