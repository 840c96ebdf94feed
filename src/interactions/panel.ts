// Pure builders: session data in, message payload out. The now-playing panel (poster, progress bar,
// state, who queued it, what comes next, and its buttons), a page of the queue, and the seek modal.
// No client, no clock of their own: the time is an argument, so tests pin it.
import {
  type APIActionRowComponent,
  type APIButtonComponentWithCustomId,
  type APIEmbed,
  type APIModalInteractionResponseCallbackData,
  ButtonStyle,
  ComponentType,
  TextInputStyle,
} from 'discord.js';
import { formatDuration } from '../watchparty/seek-time.ts';
import type { PartySession, QueueEntry, SessionDetails } from '../watchparty/views.ts';
import { encodeCustomId, type PanelAction } from './custom-id.ts';

export interface MessageContent {
  content: string;
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIButtonComponentWithCustomId>[];
}

type SessionStatus = PartySession['status'];

const colors: Record<SessionStatus, number> = {
  draft: 0x99aab5,
  queued: 0x99aab5,
  connecting: 0xfee75c,
  playing: 0x57f287,
  paused: 0x5865f2,
  stopped: 0x4f545c,
  error: 0xed4245,
};

const stateLabels: Record<SessionStatus, string> = {
  draft: 'Waiting for something to watch',
  queued: 'Ready: press start, or queue more',
  connecting: 'Connecting to the voice channel…',
  playing: '▶️ Playing',
  paused: '⏸️ Paused',
  stopped: '⏹️ Stopped',
  error: '⚠️ Stopped by an error',
};

const progressCells = 18;
const upNextShown = 3;
export const queuePageSize = 10;

/** Where playback is now: the last reported position, moved on by the time since, while playing. */
export function currentPosition(details: SessionDetails, nowMs: number): number {
  const worker = details.worker;
  if (!worker) return 0;
  let position = worker.positionSeconds;
  if (details.session.status === 'playing' && worker.playbackState === 'playing') {
    const reportedAt = Date.parse(worker.updatedAt);
    if (Number.isFinite(reportedAt)) position += Math.max(0, (nowMs - reportedAt) / 1000);
  }
  const duration = durationOf(details);
  return duration === null ? position : Math.min(position, duration);
}

function durationOf(details: SessionDetails): number | null {
  return details.worker?.durationSeconds ?? details.current?.runtimeSeconds ?? null;
}

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

export function buildPanel(details: SessionDetails, nowMs: number): MessageContent {
  const { session, current, upcoming } = details;
  const embed: APIEmbed = {
    color: colors[session.status],
    author: { name: clip(`Watch party · ${session.title}`, 256) },
    title: clip(current ? titleWithYear(current) : 'Nothing playing', 256),
    fields: [],
    footer: { text: `Party #${session.id} · /watchparty queue adds more` },
  };
  const lines = [`**${stateLabels[session.status]}**`];
  if (session.status === 'error' && details.worker?.lastError)
    lines.push(clip(details.worker.lastError, 500));
  if (current) lines.push(progressBar(currentPosition(details, nowMs), durationOf(details)));
  else if (session.status === 'draft')
    lines.push('Queue something with `/watchparty queue`: the first item starts the party.');
  embed.description = lines.join('\n');
  const poster = current ? publicImageUrl(current.posterUrl) : null;
  if (poster) embed.thumbnail = { url: poster };
  if (current?.requestedByUserId)
    embed.fields?.push({ name: 'Queued by', value: `<@${current.requestedByUserId}>`, inline: true });
  embed.fields?.push({ name: 'Voice channel', value: `<#${session.voiceChannelId}>`, inline: true });
  const next = upcoming
    .slice(0, upNextShown)
    .map((entry) => clip(`${entry.number}. ${titleWithYear(entry)}`, 200));
  if (upcoming.length > upNextShown) next.push(`…and ${upcoming.length - upNextShown} more`);
  embed.fields?.push({ name: 'Up next', value: next.length > 0 ? next.join('\n') : 'Nothing queued' });
  return {
    content: '',
    embeds: [embed],
    components: session.status === 'stopped' ? [] : panelButtons(details),
  };
}

function panelButtons(details: SessionDetails): APIActionRowComponent<APIButtonComponentWithCustomId>[] {
  const { session, current } = details;
  const sessionId = session.id;
  const live = current !== null && (session.status === 'playing' || session.status === 'paused');
  const button = (
    action: PanelAction,
    label: string,
    style: ButtonStyle.Primary | ButtonStyle.Secondary | ButtonStyle.Danger | ButtonStyle.Success,
    disabled: boolean,
  ): APIButtonComponentWithCustomId => ({
    type: ComponentType.Button,
    custom_id: encodeCustomId({ kind: 'panel', action, sessionId }),
    label,
    style,
    disabled,
  });
  const paused = session.status === 'paused';
  return [
    {
      type: ComponentType.ActionRow,
      components: [
        paused
          ? button('resume', 'Resume', ButtonStyle.Success, false)
          : button('pause', 'Pause', ButtonStyle.Primary, session.status !== 'playing'),
        button('back', '−30 s', ButtonStyle.Secondary, !live),
        button('forward', '+30 s', ButtonStyle.Secondary, !live),
        button('seek', 'Seek…', ButtonStyle.Secondary, !live),
        button('skip', 'Skip', ButtonStyle.Secondary, current === null),
      ],
    },
    {
      type: ComponentType.ActionRow,
      components: [
        button('queue', 'Queue', ButtonStyle.Secondary, false),
        button('stop', 'Stop', ButtonStyle.Danger, false),
      ],
    },
  ];
}

/** One page (0-based) of the party's queue, with previous/next buttons when there is more. */
export function buildQueuePage(details: SessionDetails, requestedPage: number): MessageContent {
  const { session, current, upcoming } = details;
  const pages = Math.max(1, Math.ceil(upcoming.length / queuePageSize));
  const page = Math.min(Math.max(0, requestedPage), pages - 1);
  const shown = upcoming.slice(page * queuePageSize, (page + 1) * queuePageSize);
  const lines = shown.map((entry) => {
    const length = entry.runtimeSeconds === null ? '' : ` · ${formatDuration(entry.runtimeSeconds)}`;
    const by = entry.requestedByUserId ? ` · <@${entry.requestedByUserId}>` : '';
    return clip(`**${entry.number}.** ${titleWithYear(entry)}${length}${by}`, 300);
  });
  const embed: APIEmbed = {
    color: colors[session.status],
    title: clip(`Queue · ${session.title}`, 256),
    description: [
      current ? `Now: **${clip(titleWithYear(current), 200)}**` : 'Nothing playing.',
      '',
      ...(lines.length > 0 ? lines : ['The queue is empty. Add something with `/watchparty queue`.']),
    ].join('\n'),
    footer: {
      text: `Page ${page + 1} of ${pages} · ${upcoming.length} queued · remove and move take the numbers shown`,
    },
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
                label: 'Previous',
                style: ButtonStyle.Secondary,
                disabled: page === 0,
              },
              {
                type: ComponentType.Button,
                custom_id: encodeCustomId({ kind: 'list', sessionId: session.id, page: page + 1 }),
                label: 'Next',
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
): APIModalInteractionResponseCallbackData {
  const duration = durationOf(details);
  const at = formatDuration(currentPosition(details, nowMs));
  return {
    custom_id: encodeCustomId({ kind: 'seek-modal', sessionId: details.session.id }),
    title: 'Seek',
    components: [
      {
        type: ComponentType.ActionRow,
        components: [
          {
            type: ComponentType.TextInput,
            custom_id: seekInputId,
            label: clip(
              `Jump to (now ${at}${duration === null ? '' : ` of ${formatDuration(duration)}`})`,
              45,
            ),
            style: TextInputStyle.Short,
            placeholder: '1:23:45, 83:45, 90, +30, -10 or 1h2m',
            required: true,
            min_length: 1,
            max_length: 16,
          },
        ],
      },
    ],
  };
}
