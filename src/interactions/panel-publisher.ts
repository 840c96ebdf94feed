// Keeps one now-playing panel per party in its text channel up to date: edited after every change the
// service announces and about every 15 s while playing. Edits are coalesced per panel: at most one
// request in flight, the latest state wins, and edits of one panel are spaced out, so a burst of
// changes (a skip is several) costs one or two edits and never runs into Discord's rate limits.
import { type Client, DiscordAPIError, type Message, type SendableChannels } from 'discord.js';
import type { Logger } from '../logger.ts';
import type { WatchPartyService } from '../watchparty/service.ts';
import { decodeCustomId } from './custom-id.ts';
import { buildPanel } from './panel.ts';

export interface PanelPublisherOptions {
  client: Client;
  service: WatchPartyService;
  logger: Logger;
  /** How often a playing party's progress bar is redrawn. */
  refreshIntervalMs?: number;
  /**
   * The least time between the end of one edit of a panel and the next. Discord allows about 5
   * message writes per 5 s per channel; 1.2 s keeps one busy panel at 4 and leaves room.
   */
  minEditIntervalMs?: number;
}

interface PanelState {
  messageId: string | null;
  inFlight: boolean;
  /** A change arrived while an edit was in flight (or waiting): render again afterwards. */
  dirty: boolean;
  lastEditAt: number;
  timer: NodeJS.Timeout | null;
  playing: boolean;
}

const unknownMessageCode = 10008;
/** See PanelPublisherOptions.minEditIntervalMs. */
export const defaultMinEditIntervalMs = 1_200;
/** How far back a restarted bot looks for a party's panel. */
const recentMessagesSearched = 50;

export class NowPlayingPanels {
  readonly #client: Client;
  readonly #service: WatchPartyService;
  readonly #logger: Logger;
  readonly #refreshIntervalMs: number;
  readonly #minEditIntervalMs: number;
  readonly #panels = new Map<number, PanelState>();
  #unsubscribe: (() => void) | null = null;
  #ticker: NodeJS.Timeout | null = null;

  constructor(options: PanelPublisherOptions) {
    this.#client = options.client;
    this.#service = options.service;
    this.#logger = options.logger;
    this.#refreshIntervalMs = options.refreshIntervalMs ?? 15_000;
    this.#minEditIntervalMs = options.minEditIntervalMs ?? defaultMinEditIntervalMs;
  }

  start(): void {
    if (this.#unsubscribe) return;
    this.#unsubscribe = this.#service.onSessionChanged((sessionId) => this.refresh(sessionId));
    this.#ticker = setInterval(() => {
      for (const [sessionId, panel] of this.#panels) if (panel.playing) this.refresh(sessionId);
    }, this.#refreshIntervalMs);
    this.#ticker.unref();
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    if (this.#ticker) clearInterval(this.#ticker);
    this.#ticker = null;
    for (const panel of this.#panels.values()) if (panel.timer) clearTimeout(panel.timer);
    this.#panels.clear();
  }

  /** The panel's message id, once it has been posted. */
  messageIdOf(sessionId: number): string | null {
    return this.#panels.get(sessionId)?.messageId ?? null;
  }

  /** Asks for a redraw; coalesced with any redraw already pending. */
  refresh(sessionId: number): void {
    let panel = this.#panels.get(sessionId);
    if (!panel) {
      panel = { messageId: null, inFlight: false, dirty: false, lastEditAt: 0, timer: null, playing: false };
      this.#panels.set(sessionId, panel);
    }
    panel.dirty = true;
    this.#schedule(sessionId, panel);
  }

  #schedule(sessionId: number, panel: PanelState): void {
    if (panel.inFlight || panel.timer || !panel.dirty) return;
    const wait = Math.max(0, panel.lastEditAt + this.#minEditIntervalMs - Date.now());
    panel.timer = setTimeout(() => {
      panel.timer = null;
      this.#publish(sessionId, panel).catch((error: unknown) =>
        this.#logger.warn({ err: error, sessionId }, 'could not update the now-playing panel'),
      );
    }, wait);
  }

  async #publish(sessionId: number, panel: PanelState): Promise<void> {
    if (this.#panels.get(sessionId) !== panel) return;
    panel.inFlight = true;
    panel.dirty = false;
    try {
      const details = await this.#service.getSession(sessionId);
      const payload = buildPanel(details, Date.now());
      panel.playing = details.session.status === 'playing';
      const channel = await this.#client.channels.fetch(details.session.textChannelId).catch(() => null);
      if (!channel?.isSendable()) {
        this.#logger.warn({ sessionId }, 'the party text channel is gone or not writable; no panel');
        return;
      }
      panel.messageId ??= await this.#findPostedPanel(channel, sessionId);
      if (panel.messageId === null && details.session.status === 'stopped') {
        // A party that ended before it had a panel does not get one now.
        this.#panels.delete(sessionId);
        return;
      }
      let message: Message | null = null;
      if (panel.messageId) {
        message = await channel.messages.edit(panel.messageId, payload).catch((error: unknown) => {
          if (error instanceof DiscordAPIError && error.code === unknownMessageCode) return null;
          throw error;
        });
      }
      message ??= await channel.send(payload);
      panel.messageId = message.id;
      if (details.session.status === 'stopped') {
        // The final state is drawn; nothing will change it again.
        this.#panels.delete(sessionId);
      }
    } finally {
      panel.inFlight = false;
      panel.lastEditAt = Date.now();
      this.#schedule(sessionId, panel);
    }
  }

  /**
   * After a restart the bot no longer knows its panels' message ids. The panel is one of the bot's
   * recent messages in the channel whose buttons carry this session's id; finding it keeps one panel
   * per party instead of leaving a stale one above a new one.
   */
  async #findPostedPanel(channel: SendableChannels, sessionId: number): Promise<string | null> {
    if (!('messages' in channel) || !('fetch' in channel.messages)) return null;
    const recent = await channel.messages.fetch({ limit: recentMessagesSearched }).catch(() => null);
    const found = recent?.find(
      (message) =>
        message.author.id === this.#client.user?.id &&
        message.components.some((row) =>
          'components' in row
            ? row.components.some((component) => {
                const customId = 'customId' in component ? component.customId : null;
                const data = typeof customId === 'string' ? decodeCustomId(customId) : null;
                return data?.kind === 'panel' && data.sessionId === sessionId;
              })
            : false,
        ),
    );
    return found?.id ?? null;
  }
}
