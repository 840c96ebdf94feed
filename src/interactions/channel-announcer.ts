// The Discord side of the party's public lines: announcements become messages in the party's text
// channel, within the channel's write budget, which the now-playing panel shares (Discord limits how
// fast a channel takes messages; a burst would otherwise be answered with 429s). Lines that arrive
// while a channel waits go out together as one message. Mentions stay inert (titles are Jellyfin's text, and `<@id>` names
// a member without pinging them); a channel that is gone or not writable costs a log line, never
// the party.
import type { Client } from 'discord.js';
import { localeOf } from '../i18n/locales.ts';
import { render } from '../i18n/translate.ts';
import type { Logger } from '../logger.ts';
import type { PartyAnnouncement, PartyAnnouncer } from '../watchparty/announcements.ts';
import type { ChannelWriteBudget } from './channel-writes.ts';

interface ChannelLine {
  sessionId: number;
  text: string;
}

interface ChannelOutbox {
  lines: ChannelLine[];
  timer: NodeJS.Timeout | null;
}

const maxMessageLength = 2_000;

/** Returns the announcer and the function that drops what is still waiting (on shutdown). */
export function channelAnnouncer(
  client: Client,
  logger: Logger,
  writes: ChannelWriteBudget,
): { announce: PartyAnnouncer; close: () => void } {
  const outboxes = new Map<string, ChannelOutbox>();

  const post = async (channelId: string, lines: readonly ChannelLine[]) => {
    const sessionIds = [...new Set(lines.map((line) => line.sessionId))];
    const channel = await client.channels.fetch(channelId).catch(() => null);
    if (!channel?.isSendable()) {
      logger.warn({ sessionIds }, 'the party text channel is gone or not writable; announcement dropped');
      return;
    }
    const content = lines.map((line) => line.text).join('\n');
    await channel
      .send({ content, allowedMentions: { parse: [] } })
      .catch((error: unknown) => logger.warn({ err: error, sessionIds }, 'could not post an announcement'));
  };

  const flush = (channelId: string) => {
    const outbox = outboxes.get(channelId);
    if (!outbox) return;
    outbox.timer = null;
    const batch: ChannelLine[] = [];
    let length = 0;
    // What fits in one message goes now; the rest waits for the channel's next turn.
    while (outbox.lines.length > 0) {
      const next = outbox.lines[0] as ChannelLine;
      const added = next.text.length + (batch.length > 0 ? 1 : 0);
      if (batch.length > 0 && length + added > maxMessageLength) break;
      batch.push(next);
      length += added;
      outbox.lines.shift();
    }
    writes.spend(channelId);
    void post(channelId, batch);
    if (outbox.lines.length > 0) {
      outbox.timer = setTimeout(() => flush(channelId), writes.delayMs(channelId));
    }
  };

  // Public lines read in the server's language, like the panel.
  const worded = ({ guildId, lines }: PartyAnnouncement) => {
    const locale = localeOf(client.guilds.cache.get(guildId)?.preferredLocale);
    return lines.map((line) => render(locale, line)).join('\n');
  };

  const announce: PartyAnnouncer = (announcement: PartyAnnouncement) => {
    const { sessionId, textChannelId } = announcement;
    const text = worded(announcement);
    let outbox = outboxes.get(textChannelId);
    if (!outbox) {
      outbox = { lines: [], timer: null };
      outboxes.set(textChannelId, outbox);
    }
    outbox.lines.push({ sessionId, text: text.slice(0, maxMessageLength) });
    if (outbox.timer) return;
    outbox.timer = setTimeout(() => flush(textChannelId), writes.delayMs(textChannelId));
  };

  const close = () => {
    for (const outbox of outboxes.values()) if (outbox.timer) clearTimeout(outbox.timer);
    outboxes.clear();
  };
  return { announce, close };
}
