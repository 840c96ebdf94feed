// The command's names and descriptions in every language the bot speaks, as Discord registers them
// (`name_localizations`, `description_localizations`): English is the default text, the other
// catalogs give Discord's per-locale variants. The names are only how members see and type them;
// interactions always carry the English names, which is what the parser reads.
import { Locale as DiscordLocale, type LocalizationMap } from 'discord.js';
import type { Catalog, MessageKey } from '../i18n/catalog.ts';
import type { Locale } from '../i18n/locales.ts';
import { catalogs } from '../i18n/translate.ts';

/** Discord's keys for each language; English is the default `en-US` text. */
const discordLocales: Record<Exclude<Locale, 'en'>, DiscordLocale> = {
  de: DiscordLocale.German,
  fr: DiscordLocale.French,
  es: DiscordLocale.SpanishES,
  'pt-BR': DiscordLocale.PortugueseBR,
  ja: DiscordLocale.Japanese,
};

/** Keys whose text takes no parameters: what a name or a description can be. */
type PlainKey = { [K in MessageKey]: Catalog[K] extends string ? K : never }[MessageKey];

function localizations(key: PlainKey): LocalizationMap {
  const map: LocalizationMap = {};
  for (const [locale, discordLocale] of Object.entries(discordLocales) as [Locale, DiscordLocale][])
    map[discordLocale] = catalogs[locale][key] as string;
  return map;
}

interface Localizable {
  setName(name: string): unknown;
  setNameLocalizations(map: LocalizationMap): unknown;
  setDescription(description: string): unknown;
  setDescriptionLocalizations(map: LocalizationMap): unknown;
}

/** Names and describes a subcommand or an option from the catalogs, in every language. */
export function localized<B extends Localizable>(builder: B, nameKey: PlainKey, descriptionKey: PlainKey): B {
  builder.setName(catalogs.en[nameKey] as string);
  builder.setNameLocalizations(localizations(nameKey));
  builder.setDescription(catalogs.en[descriptionKey] as string);
  builder.setDescriptionLocalizations(localizations(descriptionKey));
  return builder;
}

/** The command's own description in every language (its name stays `watchparty` everywhere). */
export function localizedDescription<
  B extends Pick<Localizable, 'setDescription' | 'setDescriptionLocalizations'>,
>(builder: B, key: PlainKey): B {
  builder.setDescription(catalogs.en[key] as string);
  builder.setDescriptionLocalizations(localizations(key));
  return builder;
}
