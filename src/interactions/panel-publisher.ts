// Keeps one now-playing panel per party in its text channel up to date: edited after every change the
// service announces and about every 15 s while playing. Edits are coalesced per panel: at most one
// request in flight, the latest state wins, and edits of one panel are spaced out, so a burst of
// changes (a skip is several) costs one or two edits; every write also waits for the channel's write
// budget, which the party's public lines share, so the channel never runs into Discord's rate limits.
// One change skips the spacing: the party starting or ending an outage (Buffering…, Reconnecting…,
// and back), which members should see at once rather than up to a spacing later.
// People joining or leaving the party's voice channel redraw it the same way (its "Watching" line).
//
// A poster with a public address (JELLYFIN_PUBLIC_URL) is linked. Without one, the bot reads the
// poster from Jellyfin and attaches it, so members never see Jellyfin's internal address. Discord
// keeps an edited message's attachments but shows them outside the embed once the embed no longer
// names them, so every edit sends the message's whole attachment list: the poster again (read once
// per entry, kept in memory), or none.
import {
  AttachmentBuilder,
  type Client,
  DiscordAPIError,
  type Message,
  type SendableChannels,
} from 'discord.js';
import { localeOf } from '../i18n/locales.ts';
import type { Logger } from '../logger.ts';
import type { WatchPartyService } from '../watchparty/service.ts';
import type { PartyActivity, SessionDetails } from '../watchparty/views.ts';
import type { VoiceAudience } from '../watchparty/voice-audience.ts';
import type { ChannelWriteBudget } from './channel-writes.ts';
import { decodeCustomId } from './custom-id.ts';
import { buildPanel } from './panel.ts';

export interface PanelPublisherOptions {
  client: Client;
  service: WatchPartyService;
  logger: Logger;
  /** How often a playing party's progress bar is redrawn. */
  refreshIntervalMs?: number;
  /** The least time between the end of one edit of a panel and the next (outage changes excepted). */
  minEditIntervalMs?: number;
  /** The channels' write budget, shared with the public lines. */
  writes: ChannelWriteBudget;
  /** Where posters without a public address are read from; without it they are not shown. */
  posters?: PosterImages;
  /** Who is in each party's voice channel: the panel shows them and is redrawn as they come and go. */
  audience?: VoiceAudience;
}

/** Reads a queued item's poster (null: it has none). */
export interface PosterImages {
  posterImage(itemId: string): Promise<Buffer | null>;
}

interface PanelState {
  messageId: string | null;
  inFlight: boolean;
  /** A change arrived while an edit was in flight (or waiting): render again afterwards. */
  dirty: boolean;
  lastEditAt: number;
  timer: NodeJS.Timeout | null;
  playing: boolean;
  /** The voice channel of the party drawn last, whose comings and goings redraw the panel. */
  voiceChannelId: string | null;
  /** The attached poster of the entry shown, once read (null image: it has none, or it failed). */
  poster: { entryId: number; image: Buffer | null } | null;
  /** The text channel the panel lives in, once drawn (its write budget applies). */
  channelId: string | null;
  /** What the panel last showed the party doing. */
  drawnActivity: PartyActivity | null;
}

const unknownMessageCode = 10008;
/** See PanelPublisherOptions.minEditIntervalMs. */
export const defaultMinEditIntervalMs = 1_200;
/** How far back a restarted bot looks for a party's panel. */
const recentMessagesSearched = 50;
const posterFileName = 'poster.jpg';

export class NowPlayingPanels {
  readonly #client: Client;
  readonly #service: WatchPartyService;
  readonly #logger: Logger;
  readonly #refreshIntervalMs: number;
  readonly #minEditIntervalMs: number;
  readonly #posters: PosterImages | null;
  readonly #audience: VoiceAudience | null;
  readonly #writes: ChannelWriteBudget;
  readonly #panels = new Map<number, PanelState>();
  #unsubscribe: (() => void) | null = null;
  #ticker: NodeJS.Timeout | null = null;

  constructor(options: PanelPublisherOptions) {
    this.#client = options.client;
    this.#service = options.service;
    this.#logger = options.logger;
    this.#refreshIntervalMs = options.refreshIntervalMs ?? 15_000;
    this.#minEditIntervalMs = options.minEditIntervalMs ?? defaultMinEditIntervalMs;
    this.#posters = options.posters ?? null;
    this.#audience = options.audience ?? null;
    this.#writes = options.writes;
  }

  start(): void {
    if (this.#unsubscribe) return;
    const stopSessions = this.#service.onSessionChanged((sessionId) => this.refresh(sessionId));
    const stopAudience = this.#audience?.subscribe(({ voiceChannelId }) => {
      for (const [sessionId, panel] of this.#panels)
        if (panel.voiceChannelId === voiceChannelId) this.refresh(sessionId);
    });
    this.#unsubscribe = () => {
      stopSessions();
      stopAudience?.();
    };
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
      panel = {
        messageId: null,
        inFlight: false,
        dirty: false,
        lastEditAt: 0,
        timer: null,
        playing: false,
        poster: null,
        voiceChannelId: null,
        channelId: null,
        drawnActivity: null,
      };
      this.#panels.set(sessionId, panel);
    }
    panel.dirty = true;
    if (panel.timer && !panel.inFlight) {
      void this.#expediteOutage(sessionId, panel);
      return;
    }
    this.#schedule(sessionId, panel);
  }

  /** A redraw waiting out the spacing goes as soon as the budget allows when an outage began or ended. */
  async #expediteOutage(sessionId: number, panel: PanelState): Promise<void> {
    const details = await this.#service.getSession(sessionId).catch(() => null);
    if (!details || details.playback.activity === panel.drawnActivity || !panel.timer) return;
    clearTimeout(panel.timer);
    panel.timer = null;
    this.#schedule(sessionId, panel, { urgent: true });
  }

  #schedule(sessionId: number, panel: PanelState, { urgent = false } = {}): void {
    if (panel.inFlight || panel.timer || !panel.dirty) return;
    const spacing = urgent ? 0 : panel.lastEditAt + this.#minEditIntervalMs - Date.now();
    const budget = panel.channelId ? this.#writes.delayMs(panel.channelId) : 0;
    const wait = Math.max(0, spacing, budget);
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
      const { guildId, voiceChannelId } = details.session;
      panel.voiceChannelId = voiceChannelId;
      const listeners = this.#audience?.listeners({ guildId, voiceChannelId }) ?? null;
      const autoAdvance = this.#service.filmNight.autoSkipCredits;
      const locale = localeOf(this.#client.guilds.cache.get(guildId)?.preferredLocale);
      const panelContent = buildPanel(details, Date.now(), listeners, autoAdvance, locale);
      const poster = await this.#attachedPoster(panel, details);
      const [embed] = panelContent.embeds;
      if (poster && embed) embed.thumbnail = { url: `attachment://${posterFileName}` };
      const payload = {
        ...panelContent,
        files: poster ? [new AttachmentBuilder(poster, { name: posterFileName })] : [],
        attachments: [],
      };
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
      panel.channelId = details.session.textChannelId;
      panel.drawnActivity = details.playback.activity;
      this.#writes.spend(panel.channelId);
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

  /** The poster to attach to the panel: the current entry's, when it has no public address. */
  async #attachedPoster(panel: PanelState, details: SessionDetails): Promise<Buffer | null> {
    const entry = details.current;
    if (!entry || entry.posterUrl !== null || !this.#posters) return null;
    if (panel.poster?.entryId !== entry.id) {
      const image = await this.#posters.posterImage(entry.itemId).catch((error: unknown) => {
        this.#logger.warn({ err: error, itemId: entry.itemId }, 'could not read the poster for the panel');
        return null;
      });
      panel.poster = { entryId: entry.id, image };
    }
    return panel.poster.image;
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
