// The simulator's main gateway (JSON frames, no compression): HELLO, IDENTIFY → READY for bots
// (guilds unavailable, then one GUILD_CREATE each) and for user accounts (full guilds in READY),
// heartbeat ACKs, RESUME, and op 4 voice-state updates. Opcodes it does not handle itself go to
// the registered GatewayOpHandlers (the voice side); opcodes nobody handles are recorded as
// divergences, never answered with a close, because real clients send ops we do not model (op 37).
import { performance } from 'node:perf_hooks';
import type { WebSocket } from 'ws';
import type { GatewayClientHandle, GatewayOpHandler } from './gateway-hooks.ts';
import { nextSnowflake, type SimUser, type SimWorld } from './world.ts';

export const gatewayIntents = { guilds: 1 << 0, guildVoiceStates: 1 << 7 } as const;

export interface GatewayFrame {
  readonly connectionId: number;
  readonly kind: 'bot' | 'user' | null;
  readonly userId: string | null;
  readonly op: number;
  readonly data: unknown;
  readonly at: number;
}

interface Session {
  readonly id: string;
  readonly user: SimUser;
  readonly intents: number;
  seq: number;
}

class Connection implements GatewayClientHandle {
  readonly id: number;
  readonly socket: WebSocket;
  session: Session | null = null;

  constructor(id: number, socket: WebSocket) {
    this.id = id;
    this.socket = socket;
  }

  get userId(): string {
    return this.session?.user.id ?? '';
  }

  get sessionId(): string {
    return this.session?.id ?? '';
  }

  get kind(): 'bot' | 'user' | null {
    if (!this.session) return null;
    return this.session.user.bot ? 'bot' : 'user';
  }

  send(payload: { op: number; d: unknown; s?: number | null; t?: string | null }): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(JSON.stringify({ s: null, t: null, ...payload }));
  }

  dispatch(eventName: string, data: unknown): void {
    if (!this.session) return;
    this.session.seq += 1;
    this.send({ op: 0, t: eventName, s: this.session.seq, d: data });
  }

  close(code: number, reason = ''): void {
    this.socket.close(code, reason);
  }
}

export class SimGateway {
  readonly frames: GatewayFrame[] = [];
  /** Ops a client sent that neither the gateway nor an op handler took: what the sim lacks. */
  readonly unhandledOps: GatewayFrame[] = [];
  readonly #world: SimWorld;
  readonly #connections = new Set<Connection>();
  readonly #sessions = new Map<string, Session>();
  readonly #opHandlers: GatewayOpHandler[] = [];
  readonly #frameWaiters = new Set<(frame: GatewayFrame) => void>();
  readonly #readyWaiters = new Set<(connection: Connection) => void>();
  #nextConnectionId = 1;
  url = '';

  constructor(world: SimWorld) {
    this.#world = world;
  }

  /** Opcodes other than 1, 2, 3, 6, 8 and 37 are offered to handlers in registration order. */
  addOpHandler(handler: GatewayOpHandler): () => void {
    this.#opHandlers.push(handler);
    return () => {
      const index = this.#opHandlers.indexOf(handler);
      if (index >= 0) this.#opHandlers.splice(index, 1);
    };
  }

  /** Open, identified connections, e.g. to dispatch to one streaming account. */
  clients(filter: { kind?: 'bot' | 'user'; userId?: string } = {}): GatewayClientHandle[] {
    return [...this.#connections].filter(
      (connection) =>
        connection.session !== null &&
        (filter.kind === undefined || connection.kind === filter.kind) &&
        (filter.userId === undefined || connection.userId === filter.userId),
    );
  }

  /** Sends a dispatch to every bot connection that asked for the intent (or to all bots). */
  dispatchToBots(eventName: string, data: unknown, intent?: number): void {
    for (const connection of this.#connections) {
      if (connection.kind !== 'bot' || !connection.session) continue;
      if (intent !== undefined && (connection.session.intents & intent) === 0) continue;
      connection.dispatch(eventName, data);
    }
  }

  /** Resolves when a client of that kind (and user) has received READY. */
  waitForReady(filter: { kind?: 'bot' | 'user'; userId?: string } = {}, timeoutMs = 10_000): Promise<void> {
    const matches = (connection: Connection) =>
      (filter.kind === undefined || connection.kind === filter.kind) &&
      (filter.userId === undefined || connection.userId === filter.userId);
    return new Promise((resolve, reject) => {
      const onReady = (connection: Connection) => {
        if (!matches(connection)) return;
        clearTimeout(timer);
        this.#readyWaiters.delete(onReady);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#readyWaiters.delete(onReady);
        reject(new Error(`no ${filter.kind ?? 'client'} reached READY within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#readyWaiters.add(onReady);
    });
  }

  /** Resolves with the first frame (now or later) with that op that satisfies the predicate. */
  waitForOp(
    op: number,
    predicate: (frame: GatewayFrame) => boolean = () => true,
    timeoutMs = 5_000,
  ): Promise<GatewayFrame> {
    const matches = (frame: GatewayFrame) => frame.op === op && predicate(frame);
    const existing = this.frames.find(matches);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const onFrame = (frame: GatewayFrame) => {
        if (!matches(frame)) return;
        clearTimeout(timer);
        this.#frameWaiters.delete(onFrame);
        resolve(frame);
      };
      const timer = setTimeout(() => {
        this.#frameWaiters.delete(onFrame);
        reject(new Error(`no op ${op} frame arrived within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#frameWaiters.add(onFrame);
    });
  }

  /** Fault injection: op 7 RECONNECT to matching clients; they come back with RESUME. */
  requestReconnect(filter: { kind?: 'bot' | 'user'; userId?: string } = {}): void {
    for (const handle of this.clients(filter)) (handle as Connection).send({ op: 7, d: null });
  }

  accept(socket: WebSocket): void {
    const connection = new Connection(this.#nextConnectionId++, socket);
    this.#connections.add(connection);
    socket.on('close', () => this.#connections.delete(connection));
    socket.on('message', (raw) => this.#onFrame(connection, raw.toString()));
    connection.send({ op: 10, d: { heartbeat_interval: 41_250 } });
  }

  terminateAll(): void {
    for (const connection of this.#connections) connection.socket.terminate();
    this.#connections.clear();
  }

  #onFrame(connection: Connection, text: string): void {
    let packet: { op?: unknown; d?: unknown };
    try {
      packet = JSON.parse(text) as { op?: unknown; d?: unknown };
    } catch {
      connection.close(4002, 'Error while decoding payload.');
      return;
    }
    if (typeof packet.op !== 'number') {
      connection.close(4001, 'Unknown opcode.');
      return;
    }
    const frame: GatewayFrame = {
      connectionId: connection.id,
      kind: connection.kind,
      userId: connection.session?.user.id ?? null,
      op: packet.op,
      data: packet.d,
      at: performance.now(),
    };
    this.frames.push(frame);
    this.#handle(connection, frame);
    for (const waiter of [...this.#frameWaiters]) waiter(frame);
  }

  #handle(connection: Connection, frame: GatewayFrame): void {
    switch (frame.op) {
      case 1:
        connection.send({ op: 11, d: null });
        return;
      case 2:
        this.#identify(connection, frame.data as Record<string, unknown>);
        return;
      case 6:
        this.#resume(connection, frame.data as Record<string, unknown>);
        return;
      case 3: // presence update
      case 8: // request guild members
      case 37: // the selfbot's guild subscriptions
        return;
      case 4:
        this.#voiceStateUpdate(connection, frame.data as Record<string, unknown>);
        this.#offer(connection, frame);
        return;
      default:
        this.#offer(connection, frame);
    }
  }

  #offer(connection: Connection, frame: GatewayFrame): void {
    if (!connection.session) {
      connection.close(4003, 'Not authenticated.');
      return;
    }
    for (const handler of this.#opHandlers) if (handler(connection, frame.op, frame.data)) return;
    if (frame.op !== 4) this.unhandledOps.push(frame);
  }

  #identify(connection: Connection, data: Record<string, unknown>): void {
    if (connection.session) {
      connection.close(4005, 'Already authenticated.');
      return;
    }
    const user =
      typeof data?.token === 'string' ? this.#world.userByToken(data.token.replace(/^Bot /, '')) : undefined;
    if (!user) {
      connection.close(4004, 'Authentication failed.');
      return;
    }
    const isBotIdentify = typeof data.intents === 'number';
    if (isBotIdentify !== user.bot) {
      connection.close(4004, 'Authentication failed.');
      return;
    }
    const session: Session = {
      id: nextSnowflake(),
      user,
      intents: isBotIdentify
        ? (data.intents as number)
        : gatewayIntents.guilds | gatewayIntents.guildVoiceStates,
      seq: 0,
    };
    this.#sessions.set(session.id, session);
    connection.session = session;
    const world = this.#world;
    const common = { session_id: session.id, resume_gateway_url: this.url };
    if (user.bot) {
      connection.dispatch('READY', {
        v: 10,
        user: { ...world.userPayload(user), verified: true, mfa_enabled: false },
        guilds: [{ id: world.guild.id, unavailable: true }],
        application: { id: world.applicationId, flags: 0 },
        shard: data.shard ?? [0, 1],
        ...common,
      });
      if ((session.intents & gatewayIntents.guilds) !== 0) {
        connection.dispatch(
          'GUILD_CREATE',
          world.guildPayload({ withVoiceStates: (session.intents & gatewayIntents.guildVoiceStates) !== 0 }),
        );
      }
    } else {
      connection.dispatch('READY', {
        v: 9,
        user: {
          ...world.userPayload(user),
          verified: true,
          mfa_enabled: false,
          email: null,
          phone: null,
          premium_type: 0,
        },
        guilds: [world.guildPayload({ withVoiceStates: true })],
        private_channels: [],
        relationships: [],
        user_settings: {},
        user_guild_settings: { entries: [], version: 0, partial: false },
        notes: {},
        sessions: [],
        auth_session_id_hash: 'sim',
        ...common,
      });
    }
    for (const waiter of [...this.#readyWaiters]) waiter(connection);
  }

  #resume(connection: Connection, data: Record<string, unknown>): void {
    const session = typeof data?.session_id === 'string' ? this.#sessions.get(data.session_id) : undefined;
    const token = typeof data?.token === 'string' ? data.token.replace(/^Bot /, '') : '';
    if (!session || session.user.token !== token) {
      connection.send({ op: 9, d: false });
      return;
    }
    // Events missed while disconnected are not replayed: the simulator keeps no per-session backlog.
    connection.session = session;
    connection.dispatch('RESUMED', {});
  }

  /** Op 4 from a user account: record where it is and tell it and every bot, as Discord does. */
  #voiceStateUpdate(connection: Connection, data: Record<string, unknown>): void {
    if (!connection.session) return;
    const guildId = data?.guild_id;
    if (guildId !== this.#world.guild.id) return;
    const channelId = typeof data.channel_id === 'string' ? data.channel_id : null;
    this.applyVoiceState(connection.session.user.id, channelId, {
      sessionId: connection.session.id,
      selfMute: data.self_mute === true,
      selfDeaf: data.self_deaf === true,
      selfVideo: data.self_video === true,
    });
  }

  /** Moves a user into (or out of, with null) a voice channel and dispatches VOICE_STATE_UPDATE. */
  applyVoiceState(
    userId: string,
    channelId: string | null,
    flags: { sessionId?: string; selfMute?: boolean; selfDeaf?: boolean; selfVideo?: boolean } = {},
  ): void {
    const world = this.#world;
    const sessionId = flags.sessionId ?? world.guild.voiceStates.get(userId)?.sessionId ?? nextSnowflake();
    const state = {
      userId,
      channelId: channelId ?? '',
      sessionId,
      selfMute: flags.selfMute ?? false,
      selfDeaf: flags.selfDeaf ?? false,
      selfVideo: flags.selfVideo ?? false,
    };
    if (channelId === null) world.guild.voiceStates.delete(userId);
    else world.guild.voiceStates.set(userId, state);
    if (!world.guild.members.has(userId)) world.guild.members.set(userId, []);
    const payload = { ...world.voiceStatePayload(state), channel_id: channelId };
    this.dispatchToBots('VOICE_STATE_UPDATE', payload, gatewayIntents.guildVoiceStates);
    for (const connection of this.#connections) {
      if (connection.kind === 'user' && connection.userId === userId)
        connection.dispatch('VOICE_STATE_UPDATE', payload);
    }
  }
}
