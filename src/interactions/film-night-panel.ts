// The panel's film-night parts: "Skip intro" while an intro plays, and once the credits start with
// something queued, "Up next in 10 s" (or without AUTO_SKIP_CREDITS, just what is next) with a Play
// now button. Pure: details and the playback reading in, a line and buttons out.
import { type APIButtonComponentWithCustomId, ButtonStyle, ComponentType, escapeMarkdown } from 'discord.js';
import type { Locale } from '../i18n/locales.ts';
import { t } from '../i18n/translate.ts';
import { creditsCountdown, introAt } from '../watchparty/segments.ts';
import type { PartyPlayback, SessionDetails } from '../watchparty/views.ts';
import { encodeCustomId } from './custom-id.ts';

type FilmNightMoment = { kind: 'intro' } | { kind: 'credits'; secondsLeft: number; nextTitle: string } | null;

function momentOf(details: SessionDetails, playback: PartyPlayback): FilmNightMoment {
  const { session, current, upcoming } = details;
  if (current?.status !== 'playing' || (session.status !== 'playing' && session.status !== 'paused'))
    return null;
  if (introAt(current.segments, playback.positionSeconds)) return { kind: 'intro' };
  const left = creditsCountdown(current.segments, playback.positionSeconds);
  const [next] = upcoming;
  return left !== null && next ? { kind: 'credits', secondsLeft: left, nextTitle: next.title } : null;
}

/** `🎬 Credits · up next in 7 s: **Title**`, or nothing outside the credits. */
export function filmNightLine(
  details: SessionDetails,
  playback: PartyPlayback,
  autoAdvance: boolean,
  locale: Locale = 'en',
): string | null {
  const moment = momentOf(details, playback);
  if (moment?.kind !== 'credits') return null;
  const title = `**${escapeMarkdown(moment.nextTitle).slice(0, 200)}**`;
  const paused = details.session.status === 'paused';
  return autoAdvance && !paused
    ? t(locale, 'panel.creditsCountdown', { seconds: Math.ceil(moment.secondsLeft), title })
    : t(locale, 'panel.credits', { title });
}

/** Skip intro during an intro, Play now during the credits with something queued; else none. */
export function filmNightButtons(
  details: SessionDetails,
  playback: PartyPlayback,
  locale: Locale = 'en',
): APIButtonComponentWithCustomId[] {
  const moment = momentOf(details, playback);
  if (moment === null) return [];
  const sessionId = details.session.id;
  return [
    moment.kind === 'intro'
      ? {
          type: ComponentType.Button,
          custom_id: encodeCustomId({ kind: 'panel', action: 'skip-intro', sessionId }),
          label: t(locale, 'button.skipIntro'),
          style: ButtonStyle.Primary,
        }
      : {
          type: ComponentType.Button,
          custom_id: encodeCustomId({ kind: 'panel', action: 'play-now', sessionId }),
          label: t(locale, 'button.playNow'),
          style: ButtonStyle.Primary,
        },
  ];
}
