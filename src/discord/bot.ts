// The Discord door, assembled: client, interaction router, /watchparty and the now-playing panels.
// main.ts builds one with the service and the catalog search, logs it in, and stops it on shutdown.
import { type Client, Events } from 'discord.js';
import type { MediaSearch } from '../commands/media-search.ts';
import { createWatchpartyCommand } from '../commands/watchparty.ts';
import { NowPlayingPanels } from '../interactions/panel-publisher.ts';
import { InteractionRouter } from '../interactions/router.ts';
import type { Logger } from '../logger.ts';
import type { WatchPartyService } from '../watchparty/service.ts';
import { createBotClient } from './client.ts';

export interface DiscordBotOptions {
  service: WatchPartyService;
  search: MediaSearch;
  logger: Logger;
  /** config.discord.apiBase (the simulator); undefined in production. */
  apiBase?: string | undefined;
  panels?: { refreshIntervalMs?: number; minEditIntervalMs?: number };
}

export interface DiscordBot {
  readonly client: Client;
  readonly panels: NowPlayingPanels;
  /**
   * Logs in, waits for the guilds (and their voice states), starts the panels and then picks up the
   * parties that were live when the bot stopped, so their panels come back too.
   */
  start(token: string): Promise<void>;
  stop(): Promise<void>;
}

export function createDiscordBot(options: DiscordBotOptions): DiscordBot {
  const logger = options.logger.child({ room: 'discord' });
  const client = createBotClient({ apiBase: options.apiBase, logger });
  const router = new InteractionRouter({
    commands: [createWatchpartyCommand({ service: options.service, search: options.search, logger })],
    service: options.service,
    logger,
  });
  const panels = new NowPlayingPanels({ client, service: options.service, logger, ...options.panels });
  client.on(Events.InteractionCreate, (interaction) => {
    void router.handle(interaction);
  });
  client.on(Events.Error, (error) => logger.error({ err: error }, 'discord client error'));
  client.on(Events.ShardDisconnect, (event) => logger.warn({ code: event.code }, 'gateway disconnected'));

  return {
    client,
    panels,
    async start(token) {
      const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
      await client.login(token);
      await ready;
      panels.start();
      const resumed = await options.service.resumeLiveSessions();
      if (resumed.length > 0) logger.info({ sessions: resumed }, 'picked up live watch parties again');
    },
    async stop() {
      panels.stop();
      await client.destroy();
    },
  };
}
