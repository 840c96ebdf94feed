// The language the page reads: the page sends its own (the browser's first the bot speaks) as
// Accept-Language, and its event stream, which sets no headers, carries the browser's, which names
// the same first; so a refusal, a track or a search hit reads as the page around it. A caller
// without one reads English.
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { firstSpokenLocale, type Locale } from '../i18n/locales.ts';

const acceptLanguageSchema = z.string().max(500).catch('');

/** `de-DE,de;q=0.9,en;q=0.8` → `de`: the header's tags in their order, weights aside. */
export function pageLocale(request: FastifyRequest): Locale {
  const header = acceptLanguageSchema.parse(request.headers['accept-language'] ?? '');
  return firstSpokenLocale(header.split(',').map((range) => range.split(';')[0] ?? ''));
}
