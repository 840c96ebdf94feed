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
  const language = (discordLocale ?? '').split('-')[0]?.toLowerCase();
  switch (language) {
    case 'de':
    case 'fr':
    case 'es':
    case 'ja':
      return language;
    case 'pt':
      return 'pt-BR';
    default:
      return 'en';
  }
}
