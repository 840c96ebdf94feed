// A local stand-in for Discord that the REAL clients log into: discord.js 14 (the bot, through
// `rest.api`) and discord.js-selfbot-v13 (the streaming accounts, through `http.api` + `http.agent`).
// REST and the gateway share one 127.0.0.1 port. Tests drive it like users would (join a voice
// channel, type a command, click a button) and read back what users would see (messages, embeds,
// buttons), plus every REST call the bot made.
//
//   const sim = await startDiscordSim();
//   const alice = sim.addUser({ username: 'alice' });
//   const bot = new Client({ intents, rest: { api: sim.apiBase } }); await bot.login(sim.botToken);
//   sim.joinVoice(alice.id, sim.voiceChannel.id);
//   const reply = await sim.interactions.command({ user: alice }, 'watchparty', 'create').reply();
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { SimGateway } from './gateway.ts';
import { installGuildRoutes } from './guild-routes.ts';
import { SimInteractions } from './interactions.ts';
import { MessageStore, messageProblems } from './messages.ts';
import { SimOAuth } from './oauth.ts';
import { type Authenticate, discordError, type RestHandler, type RestResponse, RestRouter } from './rest.ts';
import { type SimChannel, type SimRole, type SimUser, SimWorld, type WorldOptions } from './world.ts';

export type { GatewayFrame } from './gateway.ts';
export type { GatewayClientHandle, GatewayOpHandler } from './gateway-hooks.ts';
export type { InjectedInteraction, InteractionContext, OptionInput } from './interactions.ts';
export { embedText, type StoredMessage } from './messages.ts';
export type { RestCall, RestHandler, RestRequest, RestResponse } from './rest.ts';
export type { SimChannel, SimOverwrite, SimRole, SimUser } from './world.ts';
export { allPermissions, permissionBits } from './world.ts';

export interface DiscordSimOptions extends WorldOptions {
  /** Fixed port; 0 (default) picks a free one. The selfbot pins its first port per process (pitfall 2). */
  port?: number;
  /**
   * Discord's per-channel limit on sending, editing and deleting messages (about 5 per 5 s). Off by
   * default; when set, calls over it get 429 with `retry_after`, and show up in `rest.failed()`.
   */
  channelMessageRateLimit?: { limit: number; windowMs: number };
}

export interface DiscordSim {
  /** `http://127.0.0.1:PORT`: the selfbot's `http.agent.uri`, and DISCORD_API_BASE. */
  readonly baseUrl: string;
  /** `${baseUrl}/api`: discord.js `rest.api`, the selfbot's `http.api`. */
  readonly apiBase: string;
  readonly gatewayUrl: string;
  readonly applicationId: string;
  readonly botToken: string;
  readonly bot: SimUser;
  readonly guildId: string;
  /** The first text channel and the first voice channel of the guild. */
  readonly textChannel: SimChannel;
  readonly voiceChannel: SimChannel;
  readonly world: SimWorld;
  readonly rest: {
    readonly calls: RestRouter['calls'];
    route(method: string, pathPattern: string, handler: RestHandler): void;
    waitFor: RestRouter['waitFor'];
    mark(): number;
    unmatched: RestRouter['unmatched'];
    failed: RestRouter['failed'];
  };
  readonly gateway: Pick<
    SimGateway,
    'addOpHandler' | 'clients' | 'frames' | 'unhandledOps' | 'waitForOp' | 'waitForReady' | 'requestReconnect'
  >;
  readonly interactions: SimInteractions;
  readonly messages: MessageStore;
  /** "Log in with Discord": the client secret and the application's redirect URIs. */
  readonly oauth: Pick<SimOAuth, 'clientSecret' | 'registerRedirect'>;
  /** A guild member (or, with `member: false`, a stranger). Streaming accounts are users with tokens too. */
  addUser(options: {
    username: string;
    token?: string;
    roleIds?: readonly string[];
    member?: boolean;
    /** Another application's bot (a music bot, say). */
    bot?: boolean;
    /** The language of their Discord client (default en-US). */
    locale?: string;
  }): SimUser;
  /** Changes the server's language, as Server Settings do, and tells connected bots (GUILD_UPDATE). */
  setGuildLocale(locale: string): void;
  addRole(name: string, permissions?: bigint): SimRole;
  /** Puts a user into a voice channel (null: out of voice) and tells connected clients. */
  joinVoice(userId: string, channelId: string | null): void;
  stop(): Promise<void>;
}

export async function startDiscordSim(options: DiscordSimOptions = {}): Promise<DiscordSim> {
  const world = new SimWorld(options);
  const oauth = new SimOAuth(world);
  const authenticate: Authenticate = (header, call) => {
    if (!header) return { auth: 'none', userId: null };
    if (header.startsWith('Bearer ')) {
      const userId = oauth.bearerUser(header, call);
      return userId === null ? { auth: 'none', userId: null } : { auth: 'user', userId };
    }
    const user = world.userByToken(header.replace(/^Bot /, ''));
    if (!user || header.startsWith('Bot ') !== user.bot) return { auth: 'none', userId: null };
    return { auth: user.bot ? 'bot' : 'user', userId: user.id };
  };
  const router = new RestRouter(authenticate);
  const gateway = new SimGateway(world);
  const messages = new MessageStore(world);
  const interactions = new SimInteractions(world, gateway, router, messages);

  const server = createServer();
  const sockets = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) =>
    sockets.handleUpgrade(req, socket, head, (ws) => gateway.accept(ws)),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  // No query, no trailing slash: @discordjs/ws appends `?v=10&encoding=json` (pitfall 10).
  gateway.url = `ws://127.0.0.1:${port}`;
  server.on('request', (req, res) => {
    router.handle(req, res, baseUrl).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  installDefaultRoutes(router, world, gateway, messages, options.channelMessageRateLimit);
  installGuildRoutes(router, world);
  oauth.install(router);

  const textChannel = world.guild.channels.find((channel) => channel.kind === 'text');
  const voiceChannel = world.guild.channels.find((channel) => channel.kind === 'voice');
  if (!textChannel || !voiceChannel) throw new Error('the simulated guild needs a text and a voice channel');

  return {
    baseUrl,
    apiBase: `${baseUrl}/api`,
    gatewayUrl: gateway.url,
    applicationId: world.applicationId,
    botToken: world.bot.token,
    bot: world.bot,
    guildId: world.guild.id,
    textChannel,
    voiceChannel,
    world,
    rest: {
      calls: router.calls,
      route: (method, pathPattern, handler) => router.route(method, pathPattern, handler),
      waitFor: (predicate, timeoutMs, after) => router.waitFor(predicate, timeoutMs, after),
      mark: () => router.mark(),
      unmatched: () => router.unmatched(),
      failed: () => router.failed(),
    },
    gateway,
    interactions,
    messages,
    oauth,
    addUser: (userOptions) => world.addUser(userOptions),
    setGuildLocale: (locale) => {
      world.guild.preferredLocale = locale;
      gateway.dispatchToBots('GUILD_UPDATE', world.restGuildPayload());
    },
    addRole: (name, permissions) => {
      const role = world.addRole(name, permissions);
      gateway.dispatchToBots('GUILD_ROLE_CREATE', {
        guild_id: world.guild.id,
        role: world.rolePayload(role),
      });
      return role;
    },
    joinVoice: (userId, channelId) => {
      if (channelId !== null && world.channel(channelId)?.kind !== 'voice') {
        throw new Error(`${channelId} is not a voice channel of the simulated guild`);
      }
      gateway.applyVoiceState(userId, channelId);
    },
    stop: async () => {
      gateway.terminateAll();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A sliding window per channel: the times of recent message writes. */
function channelRateLimiter(setting: DiscordSimOptions['channelMessageRateLimit']) {
  const writes = new Map<string, number[]>();
  return (channelId: string): RestResponse | null => {
    if (!setting) return null;
    const now = Date.now();
    const recent = (writes.get(channelId) ?? []).filter((at) => now - at < setting.windowMs);
    if (recent.length >= setting.limit) {
      const retryAfter = (setting.windowMs - (now - (recent[0] ?? now))) / 1000;
      writes.set(channelId, recent);
      return {
        status: 429,
        headers: { 'retry-after': String(Math.ceil(retryAfter)) },
        body: { message: 'You are being rate limited.', retry_after: retryAfter, global: false },
      };
    }
    writes.set(channelId, [...recent, now]);
    return null;
  };
}

function installDefaultRoutes(
  router: RestRouter,
  world: SimWorld,
  gateway: SimGateway,
  messages: MessageStore,
  rateLimit: DiscordSimOptions['channelMessageRateLimit'],
): void {
  router.route('GET', '/gateway', () => ({ status: 200, body: { url: gateway.url } }));
  router.route('GET', '/gateway/bot', (request) =>
    request.auth === 'bot'
      ? {
          status: 200,
          body: {
            url: gateway.url,
            shards: 1,
            session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 },
          },
        }
      : discordError(401, 0, '401: Unauthorized'),
  );
  router.route('GET', '/users/@me', (request) => {
    const user = request.authUserId ? world.user(request.authUserId) : undefined;
    return user ? { status: 200, body: world.userPayload(user) } : discordError(401, 0, '401: Unauthorized');
  });

  const limited = channelRateLimiter(rateLimit);
  const channelFor = (request: Parameters<RestHandler>[0]) => {
    if (request.auth === 'none') return { error: discordError(401, 0, '401: Unauthorized') };
    const channel = world.channel(request.params.channel ?? '');
    return channel ? { channel } : { error: discordError(404, 10003, 'Unknown Channel') };
  };
  router.route('GET', '/channels/:channel', (request) => {
    const found = channelFor(request);
    return found.error ?? { status: 200, body: world.channelPayload(found.channel) };
  });
  router.route('POST', '/channels/:channel/messages', (request) => {
    const found = channelFor(request);
    if (found.error) return found.error;
    if (found.channel.kind !== 'text')
      return discordError(400, 50008, 'Cannot send messages in a non-text channel');
    const tooMany = limited(found.channel.id);
    if (tooMany) return tooMany;
    const problems = messageProblems(request.body);
    if (problems.length > 0) return discordError(400, 50035, 'Invalid Form Body', problems);
    return {
      status: 200,
      body: messages.create(found.channel.id, request.body as Record<string, never>, null, 0, request.files),
    };
  });
  const messageIn = (request: Parameters<RestHandler>[0]) => {
    const found = channelFor(request);
    if (found.error) return { error: found.error };
    const stored = messages.get(request.params.message ?? '');
    return stored && stored.message.channel_id === found.channel.id
      ? { stored }
      : { error: discordError(404, 10008, 'Unknown Message') };
  };
  router.route('GET', '/channels/:channel/messages', (request) => {
    const found = channelFor(request);
    if (found.error) return found.error;
    const limit = Math.min(100, Math.max(1, Number(request.query.limit ?? 50) || 50));
    // Newest first, as Discord lists them; ephemeral messages are never in a channel's history.
    const newestFirst = messages.inChannel(found.channel.id).reverse();
    return { status: 200, body: newestFirst.slice(0, limit) };
  });
  router.route('GET', '/channels/:channel/messages/:message', (request) => {
    const found = messageIn(request);
    return found.error ?? { status: 200, body: found.stored.message };
  });
  router.route('PATCH', '/channels/:channel/messages/:message', (request) => {
    const found = messageIn(request);
    if (found.error) return found.error;
    const tooMany = limited(found.stored.message.channel_id);
    if (tooMany) return tooMany;
    const problems = messageProblems(request.body);
    if (problems.length > 0) return discordError(400, 50035, 'Invalid Form Body', problems);
    const edited = messages.edit(
      found.stored.message.id,
      request.body as Record<string, never>,
      request.files,
    );
    return edited ? { status: 200, body: edited } : discordError(404, 10008, 'Unknown Message');
  });
  router.route('DELETE', '/channels/:channel/messages/:message', (request) => {
    const found = messageIn(request);
    if (found.error) return found.error;
    const tooMany = limited(found.stored.message.channel_id);
    if (tooMany) return tooMany;
    messages.delete(found.stored.message.id);
    return { status: 204 };
  });
}
