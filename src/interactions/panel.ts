// Pure builders: session data in, message payload out. The now-playing panel (poster, progress bar,
// state, who queued it, who is watching, what comes next, and its buttons), a page of the queue, and the seek modal.
// No client, no clock of their own: the time is an argument, so tests pin it.
import {
  type APIActionRowComponent,
  type APIButtonComponentWithCustomId,
  type APIEmbed,
  type APIModalInteractionResponseCallbackData,
  type APIStringSelectComponent,
  ButtonStyle,
  ComponentType,
  escapeMarkdown,
  TextInputStyle,
} from 'discord.js';
import type { Locale } from '../i18n/locales.ts';
import { render, t } from '../i18n/translate.ts';
import { formatDuration } from '../watchparty/duration-text.ts';
import { lastFailureText } from '../watchparty/failures.ts';
import { type IdleNotice, idleNotice, idleNoticePhrase } from '../watchparty/idle-notice.ts';
import { partyActivity, partyPlayback } from '../watchparty/live-position.ts';
import type { PartyActivity, QueueEntry, SessionDetails } from '../watchparty/views.ts';
import type { VoiceListener } from '../watchparty/voice-audience.ts';
import { encodeCustomId } from './custom-id.ts';
import { filmNightLine } from './film-night-panel.ts';
import { lengthSuffix, panelButtons, timeLeftLine } from './panel-hub.ts';
import { trackMenus } from './track-menus.ts';

export interface MessageContent {
  content: string;
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIButtonComponentWithCustomId | APIStringSelectComponent>[];
}

const colors: Record<PartyActivity, number> = {
  draft: 0x99aab5,
  queued: 0x99aab5,
  connecting: 0xfee75c,
  buffering: 0xfee75c,
  reconnecting: 0xfee75c,
  playing: 0x57f287,
  paused: 0x5865f2,
  stopped: 0x4f545c,
  error: 0xed4245,
};

const progressCells = 18;
const upNextShown = 3;
export const queuePageSize = 10;

/** `0:12:03 ▰▰▰▱▱▱▱▱ 1:35:00`; without a known length, just the position. */
export function progressBar(positionSeconds: number, durationSeconds: number | null): string {
  if (durationSeconds === null || durationSeconds <= 0) return `${formatDuration(positionSeconds)} / ?`;
  const filled = Math.min(progressCells, Math.round((positionSeconds / durationSeconds) * progressCells));
  const bar = '▰'.repeat(filled) + '▱'.repeat(progressCells - filled);
  return `${formatDuration(positionSeconds)} ${bar} ${formatDuration(durationSeconds)}`;
}

function titleWithYear(entry: Pick<QueueEntry, 'title' | 'year'>): string {
  return entry.year === null ? entry.title : `${entry.title} (${entry.year})`;
}

/** Credentials a URL must never carry into a Discord message, where every member can read it. */
const credentialParameters = /^(api_?key|access_?token|token|x-emby-token)$/i;

/** The poster URL if Discord can show it and it carries no credential; null otherwise. */
export function publicImageUrl(url: string | null): string | null {
  if (url === null) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return null;
  if (parsed.username || parsed.password) return null;
  for (const name of parsed.searchParams.keys()) if (credentialParameters.test(name)) return null;
  return url.length <= 2048 ? url : null;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** What an outage means for the people watching, under its label. */
const outageNotes: Partial<Record<PartyActivity, 'panel.note.buffering' | 'panel.note.reconnecting'>> = {
  buffering: 'panel.note.buffering',
  reconnecting: 'panel.note.reconnecting',
};

const watchersNamed = 5;

/**
 * `alice, bob, carol, dave, erin and 3 more`: names as the server shows them, never as markdown; one
 * the bot was not told is a mention, which Discord shows as the name in every language and which
 * never pings inside an embed.
 */
export function watcherNames(listeners: readonly VoiceListener[], locale: Locale = 'en'): string {
  if (listeners.length === 0) return t(locale, 'panel.nobody');
  const names = listeners
    .slice(0, watchersNamed)
    .map((person) =>
      person.displayName === null ? `<@${person.userId}>` : escapeMarkdown(clip(person.displayName, 32)),
    );
  const more = listeners.length - names.length;
  return more > 0 ? t(locale, 'panel.namesAndMore', { names: names.join(', '), more }) : names.join(', ');
}

const idleLabel = (notice: IdleNotice, locale: Locale) =>
  `${notice.kind === 'paused' ? '⏸️' : '⏹️'} ${render(locale, idleNoticePhrase(notice))}`;

/** `listeners`: who is in the party's voice channel, when the door knows (null: not shown). */
export function buildPanel(
  details: SessionDetails,
  nowMs: number,
  listeners: readonly VoiceListener[] | null = null,
  /** AUTO_SKIP_CREDITS: the credits count down to the next item rather than only naming it. */
  autoAdvanceCredits = true,
  /** The server's language: the panel is public. */
  locale: Locale = 'en',
): MessageContent {
  const { session, current, upcoming } = details;
  const playback = partyPlayback(details, nowMs);
  const embed: APIEmbed = {
    color: colors[playback.activity],
    author: { name: clip(t(locale, 'panel.author', { title: session.title }), 256) },
    title: clip(current ? titleWithYear(current) : t(locale, 'panel.nothingPlaying'), 256),
    fields: [],
    footer: { text: t(locale, 'panel.footer', { id: session.id }) },
  };
  // Resting because nobody was there to watch: said instead of a bare Paused or Stopped.
  const idle = playback.activity === session.status ? idleNotice(details) : null;
  const lines = [`**${idle ? idleLabel(idle, locale) : t(locale, `panel.state.${playback.activity}`)}**`];
  if (idle?.kind === 'paused')
    lines.push(t(locale, 'panel.joinToResume', { channelId: session.voiceChannelId }));
  const outageNote = outageNotes[playback.activity];
  if (outageNote) lines.push(t(locale, outageNote));
  // Why the party stopped, or why it sits idle: its last item failed and nothing followed.
  const failedLast = session.status === 'error' || (current === null && session.status !== 'stopped');
  const failure = failedLast && details.worker ? lastFailureText(details.worker, locale) : null;
  if (failure) lines.push(clip(failure, 500));
  if (current) lines.push(progressBar(playback.positionSeconds, playback.durationSeconds));
  const left = current ? timeLeftLine(playback, nowMs, locale) : null;
  if (left) lines.push(left);
  else if (session.status === 'draft') lines.push(t(locale, 'panel.queueHint'));
  const credits = filmNightLine(details, playback, autoAdvanceCredits, locale);
  if (credits) lines.push(credits);
  embed.description = lines.join('\n');
  const poster = current ? publicImageUrl(current.posterUrl) : null;
  if (poster) embed.thumbnail = { url: poster };
  if (current?.requestedByUserId)
    embed.fields?.push({
      name: t(locale, 'panel.queuedBy'),
      value: `<@${current.requestedByUserId}>`,
      inline: true,
    });
  embed.fields?.push({
    name: t(locale, 'panel.voiceChannel'),
    value: `<#${session.voiceChannelId}>`,
    inline: true,
  });
  if (listeners && session.status !== 'stopped')
    embed.fields?.push({
      name: t(locale, 'panel.watching', { count: listeners.length }),
      value: watcherNames(listeners, locale),
      inline: true,
    });
  const next = upcoming
    .slice(0, upNextShown)
    .map((entry) =>
      clip(`${entry.number}. ${titleWithYear(entry)}${lengthSuffix(entry.runtimeSeconds)}`, 200),
    );
  if (upcoming.length > upNextShown)
    next.push(t(locale, 'panel.andMore', { more: upcoming.length - upNextShown }));
  embed.fields?.push({
    name: t(locale, 'panel.upNext'),
    value: next.length > 0 ? next.join('\n') : t(locale, 'panel.nothingQueued'),
  });
  return {
    content: '',
    embeds: [embed],
    components:
      session.status === 'stopped' ? [] : [...panelButtons(details, locale), ...trackMenus(details, locale)],
  };
}

/** One page (0-based) of the party's queue, with previous/next buttons when there is more. */
export function buildQueuePage(
  details: SessionDetails,
  requestedPage: number,
  locale: Locale = 'en',
): MessageContent {
  const { session, current, upcoming } = details;
  const pages = Math.max(1, Math.ceil(upcoming.length / queuePageSize));
  const page = Math.min(Math.max(0, requestedPage), pages - 1);
  const shown = upcoming.slice(page * queuePageSize, (page + 1) * queuePageSize);
  const lines = shown.map((entry) => {
    const length = lengthSuffix(entry.runtimeSeconds);
    const by = entry.requestedByUserId ? ` · <@${entry.requestedByUserId}>` : '';
    return clip(`**${entry.number}.** ${titleWithYear(entry)}${length}${by}`, 300);
  });
  const embed: APIEmbed = {
    color: colors[partyActivity(details)],
    title: clip(t(locale, 'queue.title', { title: session.title }), 256),
    description: [
      current
        ? t(locale, 'queue.now', { title: clip(titleWithYear(current), 200) })
        : t(locale, 'queue.nothingPlaying'),
      '',
      ...(lines.length > 0 ? lines : [t(locale, 'queue.empty')]),
    ].join('\n'),
    footer: { text: t(locale, 'queue.footer', { page: page + 1, pages, count: upcoming.length }) },
  };
  const components: MessageContent['components'] =
    pages > 1
      ? [
          {
            type: ComponentType.ActionRow,
            components: [
              {
                type: ComponentType.Button,
                custom_id: encodeCustomId({
                  kind: 'list',
                  sessionId: session.id,
                  page: Math.max(page - 1, 0),
                }),
                label: t(locale, 'button.previous'),
                style: ButtonStyle.Secondary,
                disabled: page === 0,
              },
              {
                type: ComponentType.Button,
                custom_id: encodeCustomId({ kind: 'list', sessionId: session.id, page: page + 1 }),
                label: t(locale, 'button.next'),
                style: ButtonStyle.Secondary,
                disabled: page >= pages - 1,
              },
            ],
          },
        ]
      : [];
  return { content: '', embeds: [embed], components };
}

export const seekInputId = 'time';

export function buildSeekModal(
  details: SessionDetails,
  nowMs: number,
  locale: Locale = 'en',
): APIModalInteractionResponseCallbackData {
  const { positionSeconds, durationSeconds: duration } = partyPlayback(details, nowMs);
  const at = formatDuration(positionSeconds);
  return {
    custom_id: encodeCustomId({ kind: 'seek-modal', sessionId: details.session.id }),
    title: t(locale, 'seek.title'),
    components: [
      {
        type: ComponentType.ActionRow,
        components: [
          {
            type: ComponentType.TextInput,
            custom_id: seekInputId,
            label: clip(
              duration === null
                ? t(locale, 'seek.label', { at })
                : t(locale, 'seek.labelOf', { at, length: formatDuration(duration) }),
              45,
            ),
            style: TextInputStyle.Short,
            placeholder: t(locale, 'seek.placeholder'),
            required: true,
            min_length: 1,
            max_length: 16,
          },
        ],
      },
    ],
  };
}
