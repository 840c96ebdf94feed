// The Discord door, assembled: client, interaction router, /watchparty, the now-playing panels, the
// voice audience (who sits in which voice channel) and the idle parties it drives.
// main.ts builds one with the service and the catalog search, logs it in, and stops it on shutdown.
import { type Client, Events } from 'discord.js';
import type { MediaSearch } from '../commands/media-search.ts';
import { createWatchpartyCommand } from '../commands/watchparty.ts';
import { channelAnnouncer } from '../interactions/channel-announcer.ts';
import { ChannelWriteBudget, type ChannelWriteBudgetOptions } from '../interactions/channel-writes.ts';
import { NowPlayingPanels, type PanelPublisherOptions } from '../interactions/panel-publisher.ts';
import { InteractionRouter } from '../interactions/router.ts';
import type { Logger } from '../logger.ts';
import type { AnnounceLevel } from '../watchparty/announcements.ts';
import { IdleParties, type IdlePartiesOptions } from '../watchparty/idle-parties.ts';
import { PartyStory } from '../watchparty/party-story.ts';
import type { WatchPartyService } from '../watchparty/service.ts';
import type { VoiceAudience } from '../watchparty/voice-audience.ts';
import { createBotClient } from './client.ts';
import { streamingAccountIds } from './streaming-accounts.ts';
import { discordVoiceAudience } from './voice-audience.ts';

export interface DiscordBotOptions {
  service: WatchPartyService;
  search: MediaSearch;
  logger: Logger;
  /** config.discord.apiBase (the simulator); undefined in production. */
  apiBase?: string | undefined;
  panels?: Pick<PanelPublisherOptions, 'refreshIntervalMs' | 'minEditIntervalMs' | 'posters'>;
  /** Discord's per-channel write limit as the panels and public lines share it (tests loosen it). */
  channelWrites?: ChannelWriteBudgetOptions;
  /** STREAMER_TOKENS: their accounts sit in the parties' voice channels but do not count as watching. */
  streamerTokens?: readonly string[];
  /** When parties nobody watches pause and stop (config.idle); without it they never do. */
  idle?: Pick<IdlePartiesOptions, 'pauseAfterMinutes' | 'stopAfterMinutes' | 'schedule'>;
  /**
   * ANNOUNCE: public lines in each party's text channel: `all` (its story and its failures, the
   * default), `errors` (failures only) or `off`. Tests shorten the story's bursts.
   */
  announce?: { level: AnnounceLevel; burstMs?: number };
}

export interface DiscordBot {
  readonly client: Client;
  readonly panels: NowPlayingPanels;
  /** Who is in which voice channel, from the bot's voice states. */
  readonly audience: VoiceAudience;
  /** Pauses and stops parties nobody watches, once started (null without `idle`). */
  readonly idleParties: IdleParties | null;
  /**
   * Logs in, waits for the guilds (and their voice states) and for which accounts the streaming
   * tokens are, starts the panels, picks up the parties that were live when the bot stopped (so
   * their panels come back too), and then counts the idle minutes of parties nobody watches.
   */
  start(token: string): Promise<void>;
  stop(): Promise<void>;
}

export function createDiscordBot(options: DiscordBotOptions): DiscordBot {
  const logger = options.logger.child({ room: 'discord' });
  const client = createBotClient({ apiBase: options.apiBase, logger });
  const streamingAccounts = new Set<string>();
  const audience = discordVoiceAudience(client, streamingAccounts);
  const router = new InteractionRouter({
    commands: [
      createWatchpartyCommand({ service: options.service, search: options.search, logger, audience }),
    ],
    service: options.service,
    audience,
    logger,
  });
  const writes = new ChannelWriteBudget(options.channelWrites);
  const panels = new NowPlayingPanels({
    client,
    service: options.service,
    logger,
    audience,
    writes,
    ...options.panels,
  });
  const idleParties = options.idle
    ? new IdleParties({ service: options.service, audience, logger, ...options.idle })
    : null;
  const announce = options.announce ?? { level: 'all' };
  const story =
    announce.level === 'all'
      ? new PartyStory({ service: options.service, logger, burstMs: announce.burstMs })
      : null;
  let stopAnnouncing: (() => void) | null = null;
  client.on(Events.InteractionCreate, (interaction) => {
    void router.handle(interaction);
  });
  client.on(Events.Error, (error) => logger.error({ err: error }, 'discord client error'));
  client.on(Events.ShardDisconnect, (event) => logger.warn({ code: event.code }, 'gateway disconnected'));

  return {
    client,
    panels,
    audience,
    idleParties,
    async start(token) {
      const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
      const accounts = streamingAccountIds({
        tokens: options.streamerTokens ?? [],
        apiBase: options.apiBase,
        logger,
      });
      await client.login(token);
      await ready;
      for (const id of await accounts) streamingAccounts.add(id);
      panels.start();
      if (announce.level !== 'off' && !stopAnnouncing) {
        const channels = channelAnnouncer(client, logger, writes);
        const remove = options.service.announcements.add(channels.announce);
        stopAnnouncing = () => {
          remove();
          channels.close();
        };
      }
      story?.start();
      const resumed = await options.service.resumeLiveSessions();
      if (resumed.length > 0) logger.info({ sessions: resumed }, 'picked up live watch parties again');
      await idleParties?.start();
    },
    async stop() {
      idleParties?.stop();
      audience.close();
      panels.stop();
      story?.stop();
      stopAnnouncing?.();
      stopAnnouncing = null;
      await client.destroy();
    },
  };
}
