// How a member tells tracks apart: `Japanese · Director's commentary · AAC 5.1 · default`, worded in
// the reader's language when it is shown. Autocomplete words the media server's tracks for the
// member who types; the panel's menus word the facts saved with a playing entry for the server.
import { z } from 'zod';
import type { Locale } from '../i18n/locales.ts';
import { t } from '../i18n/translate.ts';
import { languageName } from '../language-code.ts';

export type TrackKind = 'audio' | 'subtitles';

/** What a label is made of: the facts of a track, without where the media server delivers it. */
export const trackFactsSchema = z.object({
  /** As the media server writes it (usually ISO 639-2), or null when the file does not say. */
  language: z.string().nullable(),
  title: z.string().nullable(),
  codec: z.string().nullable(),
  channels: z.number().int().nullable(),
  isDefault: z.boolean(),
  isForced: z.boolean(),
  isExternal: z.boolean(),
});
export type TrackFacts = z.infer<typeof trackFactsSchema>;

const codecNames: Record<string, string> = {
  subrip: 'SRT',
  ass: 'ASS',
  ssa: 'SSA',
  webvtt: 'WebVTT',
  hdmv_pgs_subtitle: 'PGS',
  pgssub: 'PGS',
  dvd_subtitle: 'VobSub',
  dvdsub: 'VobSub',
  dvb_subtitle: 'DVB',
  dvbsub: 'DVB',
};

function codecName(codec: string | null, locale: Locale): string | null {
  if (!codec) return null;
  const lower = codec.toLowerCase();
  if (lower === 'mov_text') return t(locale, 'track.timedText');
  return codecNames[lower] ?? codec.toUpperCase();
}

function channelLayout(channels: number | null, locale: Locale): string | null {
  if (channels === null) return null;
  if (channels === 1) return t(locale, 'track.mono');
  if (channels === 2) return t(locale, 'track.stereo');
  return t(locale, 'track.surround', { layout: `${channels - 1}.1` });
}

/** `Japanese · Director's commentary · AAC 5.1 · default`: what a member picks a track by. */
export function trackLabel(track: TrackFacts, kind: TrackKind, locale: Locale = 'en'): string {
  const codec = codecName(track.codec, locale);
  const format = kind === 'audio' ? [codec, channelLayout(track.channels, locale)] : [codec];
  const flags = [
    track.isDefault ? t(locale, 'track.default') : null,
    track.isForced ? t(locale, 'track.forced') : null,
    track.isExternal ? t(locale, 'track.external') : null,
  ];
  return [
    track.language ? languageName(track.language, locale) : t(locale, 'track.unknownLanguage'),
    track.title,
    format.filter(Boolean).join(' ') || null,
    ...flags,
  ]
    .filter((part): part is string => Boolean(part))
    .join(' · ');
}
