// The bot's discord.js client: only the intents it needs (Guilds for channels and roles,
// GuildVoiceStates to know who sits in which voice channel), and, when DISCORD_API_BASE is set, the
// simulator's REST base instead of Discord's. The gateway URL then follows from GET /gateway/bot.
import { Client, GatewayIntentBits } from 'discord.js';
import type { Logger } from '../logger.ts';

export interface BotClientOptions {
  logger: Logger;
  /** config.discord.apiBase: `http://127.0.0.1:PORT` of the simulator; undefined in production. */
  apiBase?: string | undefined;
}

/** The REST options for an API base: `${base}/api` (the version is appended by discord.js). */
export function restOptionsFor(apiBase: string | undefined) {
  return apiBase === undefined ? {} : { api: `${apiBase.replace(/\/+$/, '')}/api` };
}

export function createBotClient(options: BotClientOptions): Client {
  const client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates],
    rest: restOptionsFor(options.apiBase),
  });
  dropUnreadableDispatches(client, options.logger);
  return client;
}

/**
 * discord.js builds its structures synchronously inside the gateway listener, so one dispatch it
 * cannot read (an interaction without `entitlements`, say) throws out of the socket handler and
 * kills the process. Such a dispatch is logged and dropped instead; every other one is untouched.
 * `handlePacket` is private to discord.js 14, hence the narrow cast and the test that pins it.
 */
function dropUnreadableDispatches(client: Client, logger: Logger): void {
  const manager = client.ws as unknown as { handlePacket(packet: unknown, shard: unknown): boolean };
  const handle = manager.handlePacket.bind(manager);
  manager.handlePacket = (packet, shard) => {
    try {
      return handle(packet, shard);
    } catch (error) {
      const event = (packet as { t?: unknown } | undefined)?.t;
      logger.error({ err: error, event }, 'dropped a gateway dispatch that discord.js could not read');
      return false;
    }
  };
}
