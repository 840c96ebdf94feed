// Everything the bot said in Discord, read from the simulator's REST recorder rather than from the
// messages as they are now: a panel edited ten times was ten texts people could read. Tests scan
// it for what must never be said (internal addresses, ports, URLs).
import type { APIMessage } from 'discord-api-types/v10';
import type { DiscordSim } from '../../sim/discord/index.ts';

/** An IP address, a host:port (`jellyfin:8096`; not a time like 1:35:00), or a URL. */
export const internalAddressPattern =
  /\b\d{1,3}(?:\.\d{1,3}){3}\b|\blocalhost\b|\b[a-z][a-z0-9.-]*:\d{2,5}\b|[a-z]+:\/\//i;

/** Each text the bot sent (messages, edits, interaction replies, follow-ups), image addresses left out. */
export function textsSentByBot(sim: Pick<DiscordSim, 'rest'>): string[] {
  const texts: string[] = [];
  const collect = (value: unknown, key = ''): void => {
    // Image addresses are not text a member reads (posters are their own concern).
    if (key === 'url' || key === 'thumbnail' || key === 'image') return;
    if (typeof value === 'string') texts.push(value);
    else if (Array.isArray(value)) for (const item of value) collect(item);
    else if (value !== null && typeof value === 'object')
      for (const [name, item] of Object.entries(value)) collect(item, name);
  };
  for (const call of sim.rest.calls) {
    if (call.method === 'GET' || call.auth !== 'bot') continue;
    const body = call.body as { content?: unknown; embeds?: unknown; data?: unknown } | null;
    if (body && typeof body === 'object')
      for (const part of [body.content, body.embeds, body.data]) collect(part);
  }
  return texts;
}

type ChannelReader = Pick<DiscordSim, 'messages' | 'textChannel'>;

/** The party channel's public lines so far: its messages without an embed (panels carry one). */
export function publicLines(sim: ChannelReader): APIMessage[] {
  return sim.messages.inChannel(sim.textChannel.id).filter((message) => (message.embeds ?? []).length === 0);
}

/** The first public line in the party channel (neither a panel nor a private reply) whose text passes. */
export function nextPublicLine(
  sim: ChannelReader,
  predicate: (text: string) => boolean,
  timeoutMs?: number,
): Promise<APIMessage> {
  return sim.messages.waitFor(
    (message) =>
      message.channel_id === sim.textChannel.id &&
      (message.embeds ?? []).length === 0 &&
      (message.flags ?? 0) === 0 &&
      predicate(message.content),
    timeoutMs,
  );
}
