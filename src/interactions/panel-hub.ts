// The panel as the party's hub: how long the item has left and when it ends (a Discord timestamp,
// so every member reads their own clock), how long each upcoming item is, and the buttons: play
// controls (Start when idle with a queue, Retry after an error), previous, vote skip, shuffle, loop,
// the queue and stop. Pure: details and the time in, parts of the panel out.
import {
  type APIActionRowComponent,
  type APIButtonComponentWithCustomId,
  ButtonStyle,
  ComponentType,
} from 'discord.js';
import type { MessageKey } from '../i18n/catalog.ts';
import type { Locale } from '../i18n/locales.ts';
import { t } from '../i18n/translate.ts';
import { formatDuration } from '../watchparty/duration-text.ts';
import type { PartyPlayback, PartySession, SessionDetails } from '../watchparty/views.ts';
import { encodeCustomId, type PanelAction } from './custom-id.ts';
import { filmNightButtons } from './film-night-panel.ts';

/** `⏳ 1:02:03 left · ends 21:45` while it plays; without a known length, nothing. */
export function timeLeftLine(playback: PartyPlayback, nowMs: number, locale: Locale = 'en'): string | null {
  if (playback.durationSeconds === null || playback.durationSeconds <= 0) return null;
  const leftSeconds = Math.max(0, playback.durationSeconds - playback.positionSeconds);
  const left = formatDuration(leftSeconds);
  if (playback.activity !== 'playing') return t(locale, 'panel.timeLeft', { left });
  const timestamp = Math.round(nowMs / 1000 + leftSeconds);
  return t(locale, 'panel.endsAt', { left, timestamp });
}

/** ` · 1:35:00` after an upcoming item's title, when its length is known. */
export function lengthSuffix(runtimeSeconds: number | null): string {
  return runtimeSeconds === null ? '' : ` · ${formatDuration(runtimeSeconds)}`;
}

type LoopMode = PartySession['loopMode'];

/** What Loop does next when pressed, and how each mode reads on the button. */
export const nextLoopMode: Record<LoopMode, LoopMode> = { off: 'item', item: 'queue', queue: 'off' };
/** A button's label: one of the catalogs' `button.*` texts. */
type ButtonLabel = Extract<MessageKey, `button.${string}`>;

const loopLabels: Record<LoopMode, ButtonLabel> = {
  off: 'button.loopOff',
  item: 'button.loopItem',
  queue: 'button.loopQueue',
};

type Style = ButtonStyle.Primary | ButtonStyle.Secondary | ButtonStyle.Danger | ButtonStyle.Success;

export function panelButtons(
  details: SessionDetails,
  locale: Locale = 'en',
): APIActionRowComponent<APIButtonComponentWithCustomId>[] {
  const { session, current, upcoming } = details;
  const live = current !== null && (session.status === 'playing' || session.status === 'paused');
  const button = (action: PanelAction, label: ButtonLabel, style: Style, disabled: boolean) => ({
    type: ComponentType.Button as const,
    custom_id: encodeCustomId({ kind: 'panel', action, sessionId: session.id }),
    label: t(locale, label),
    style,
    disabled,
  });
  const row = (components: APIButtonComponentWithCustomId[]) => ({
    type: ComponentType.ActionRow as const,
    components,
  });
  return [
    row([
      playButton(details, button),
      button('back', 'button.back', ButtonStyle.Secondary, !live),
      button('forward', 'button.forward', ButtonStyle.Secondary, !live),
      button('seek', 'button.seek', ButtonStyle.Secondary, !live),
      button('skip', 'button.skip', ButtonStyle.Secondary, current === null),
    ]),
    row([
      button('previous', 'button.previous', ButtonStyle.Secondary, !live),
      button('vote-skip', 'button.voteSkip', ButtonStyle.Secondary, !live),
      button('shuffle', 'button.shuffle', ButtonStyle.Secondary, upcoming.length < 2),
      button('loop', loopLabels[session.loopMode], ButtonStyle.Secondary, false),
      button('queue', 'button.queue', ButtonStyle.Secondary, false),
    ]),
    row([
      ...filmNightButtons(details, details.playback, locale),
      button('stop', 'button.stop', ButtonStyle.Danger, false),
    ]),
  ];
}

/** Resume when paused, Retry after an error, Start when idle with something queued, else Pause. */
function playButton(
  { session, upcoming }: SessionDetails,
  button: (
    action: PanelAction,
    label: ButtonLabel,
    style: Style,
    disabled: boolean,
  ) => APIButtonComponentWithCustomId,
): APIButtonComponentWithCustomId {
  if (session.status === 'paused') return button('resume', 'button.resume', ButtonStyle.Success, false);
  if (session.status === 'error') return button('start', 'button.retry', ButtonStyle.Success, false);
  if (session.status === 'queued' && upcoming.length > 0)
    return button('start', 'button.start', ButtonStyle.Success, false);
  return button('pause', 'button.pause', ButtonStyle.Primary, session.status !== 'playing');
}
