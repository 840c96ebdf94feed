// The languages the bot speaks, and how Discord's locale codes map onto them. A member's own
// replies follow their Discord client's language (`interaction.locale`); what the whole channel
// reads (the panel, public lines) follows the server's language (`guild.preferredLocale`).

export const locales = ['en', 'de', 'fr', 'es', 'pt-BR', 'ja'] as const;
export type Locale = (typeof locales)[number];

/**
 * The language for a Discord locale (`de`, `es-419`, `pt-BR`, `en-GB`…): regional variants share
 * their language's catalog, and anything the bot does not speak reads English.
 */
export function localeOf(discordLocale: string | null | undefined): Locale {
  return spokenLocale(discordLocale) ?? 'en';
}

/**
 * The first of a reader's preferred languages the bot speaks, English when none: a browser's
 * `navigator.languages`, or the tags of an Accept-Language header in its order.
 */
export function firstSpokenLocale(preferred: readonly string[]): Locale {
  for (const tag of preferred) {
    const locale = spokenLocale(tag);
    if (locale) return locale;
  }
  return 'en';
}

function spokenLocale(tag: string | null | undefined): Locale | null {
  const language = (tag ?? '').split('-')[0]?.trim().toLowerCase();
  switch (language) {
    case 'en':
    case 'de':
    case 'fr':
    case 'es':
    case 'ja':
      return language;
    case 'pt':
      return 'pt-BR';
    default:
      return null;
  }
}
