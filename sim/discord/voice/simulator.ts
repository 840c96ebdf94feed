// The voice side of the simulated Discord: answers the main-gateway opcodes a streaming client sends
// (protocol.md §1.2, 1.3) by issuing voice and stream credentials on simulated voice servers, and exposes
// the fault injection the long-run tests need (protocol.md §8).
import { z } from 'zod';
import type { GatewayClientHandle } from '../gateway-hooks.ts';
import type { CommitterPolicy, DaveGroup } from './dave-group.ts';
import type { DivergenceLog } from './divergences.ts';
import { type ConnectionKind, MediaSession, type VoiceCredential } from './media-session.ts';
import type { NetworkConditions } from './network-model.ts';
import { StreamPause } from './stream-pause.ts';
import type { Viewer } from './viewer.ts';
import { VoiceClose } from './voice-opcodes.ts';
import { VoiceServer, type VoiceServerContext } from './voice-server.ts';
import type { VoiceConnectionOptions, VoiceSession } from './voice-session.ts';
import { guildStreamKey, isSnowflake, newSnowflake, newVoiceToken } from './wire-ids.ts';

/** Main gateway opcodes the voice side answers (protocol.md §1.2). */
export const GatewayOp = {
  VoiceStateUpdate: 4,
  VoiceServerPing: 5,
  StreamCreate: 18,
  StreamDelete: 19,
  StreamWatch: 20,
  StreamPing: 21,
  StreamSetPaused: 22,
} as const;

export interface SimulatorSettings {
  readonly viewerUserId: string;
  readonly viewerInVoiceChannel: boolean;
  readonly includeRtcChannelId: boolean;
  readonly streamServerUpdateFirst: boolean;
  readonly committer: CommitterPolicy;
  /** After a server move, how long the client may stay connected to the old server. */
  readonly moveGraceMs: number;
  /** The main gateway already answers op 4 with VOICE_STATE_UPDATE: do not send a second one. */
  readonly mainGatewayDispatchesVoiceState: boolean;
  /** Finds the user's current main-gateway connections (they can reconnect); else the op's sender. */
  readonly gatewayClients: ((userId: string) => GatewayClientHandle[]) | undefined;
}

const snowflake = z.string().refine(isSnowflake, { error: 'must be a snowflake string' });
const voiceStateUpdate = z.looseObject({
  guild_id: snowflake.nullable(),
  channel_id: snowflake.nullable(),
  self_mute: z.boolean(),
  self_deaf: z.boolean(),
  // Discord's op 4 is guild, channel, mute and deaf; @discordjs/voice sends no self_video.
  self_video: z.boolean().default(false),
  flags: z.number().int().optional(),
});
const streamCreate = z.looseObject({
  type: z.literal('guild'),
  guild_id: snowflake,
  channel_id: snowflake,
  preferred_region: z.string().nullable(),
});
const streamKeyOnly = z.looseObject({ stream_key: z.string() });
const streamSetPaused = z.looseObject({ stream_key: z.string(), paused: z.boolean() });

interface StreamState {
  readonly streamKey: string;
  rtcServerId: string;
  rtcChannelId: string;
  server: VoiceServer;
  credential: VoiceCredential;
}

interface UserVoiceState {
  client: GatewayClientHandle;
  guildId: string;
  channelId: string;
  sessionId: string;
  selfMute: boolean;
  selfDeaf: boolean;
  selfVideo: boolean;
  server: VoiceServer;
  credential: VoiceCredential;
  stream: StreamState | null;
}

function issues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(payload)'} ${issue.message}`).join('; ');
}

export class VoiceSimulator implements VoiceServerContext {
  readonly log: DivergenceLog;
  readonly viewer: Viewer;
  readonly options: VoiceConnectionOptions;
  readonly settings: SimulatorSettings;
  readonly servers: VoiceServer[] = [];
  readonly #users = new Map<string, UserVoiceState>();
  readonly #credentials = new Map<string, VoiceCredential>();
  readonly #channelMedia = new Map<string, MediaSession>();
  readonly #timers = new Set<NodeJS.Timeout>();
  voiceServer!: VoiceServer;
  streamServer!: VoiceServer;

  constructor(
    log: DivergenceLog,
    viewer: Viewer,
    options: VoiceConnectionOptions,
    settings: SimulatorSettings,
  ) {
    this.log = log;
    this.viewer = viewer;
    this.options = options;
    this.settings = settings;
  }

  async start(): Promise<void> {
    this.voiceServer = await this.#startServer('voice-server-1');
    this.streamServer = await this.#startServer('stream-server-1');
  }

  credentialFor(server: VoiceServer, serverId: string, userId: string): VoiceCredential | undefined {
    return this.#credentials.get(`${server.name}|${serverId}|${userId}`);
  }

  /** Every identified session on every server, newest server last. */
  sessions(kind?: ConnectionKind): VoiceSession[] {
    return this.servers.flatMap((server) => [...server.sessions]).filter((s) => !kind || s.kind === kind);
  }

  sessionsOf(userId: string): VoiceSession[] {
    return this.sessions().filter((session) => session.userId === userId);
  }

  streamKeyOf(userId: string): string | null {
    return this.#users.get(userId)?.stream?.streamKey ?? null;
  }

  isPaused(userId: string): boolean {
    return this.#users.get(userId)?.stream?.credential.stream?.pause.paused ?? false;
  }

  /** The GatewayOpHandler: returns false for opcodes that are not the voice side's. */
  handle(client: GatewayClientHandle, op: number, data: unknown): boolean {
    switch (op) {
      case GatewayOp.VoiceStateUpdate:
        return this.#parsed(voiceStateUpdate, op, data, (d) => this.#onVoiceStateUpdate(client, d));
      case GatewayOp.VoiceServerPing:
        this.#onVoiceServerPing(client);
        return true;
      case GatewayOp.StreamCreate:
        return this.#parsed(streamCreate, op, data, (d) => void this.#onStreamCreate(client, d));
      case GatewayOp.StreamDelete:
        return this.#parsed(streamKeyOnly, op, data, (d) => this.#onStreamDelete(client, d.stream_key));
      case GatewayOp.StreamWatch:
        this.log.record(
          'gateway:op20',
          'op 20 STREAM_WATCH is for viewers; a streamer does not send it (protocol.md §1.2)',
        );
        return true;
      case GatewayOp.StreamPing:
        return this.#parsed(streamKeyOnly, op, data, (d) => this.#onStreamPing(client, d.stream_key));
      case GatewayOp.StreamSetPaused:
        return this.#parsed(streamSetPaused, op, data, (d) =>
          this.#onSetPaused(client, d.stream_key, d.paused),
        );
      default:
        return false;
    }
  }

  #parsed<T>(schema: z.ZodType<T>, op: number, data: unknown, then: (d: T) => void): boolean {
    const result = schema.safeParse(data);
    if (!result.success) {
      this.log.record(`gateway:op${op}`, `op ${op} payload: ${issues(result.error)}`);
      return true;
    }
    then(result.data);
    return true;
  }

  #onVoiceStateUpdate(client: GatewayClientHandle, d: z.infer<typeof voiceStateUpdate>): void {
    if ('self_stream' in d)
      this.log.record(
        'gateway:op4',
        'op 4 carries self_stream; Discord sets it after op 18 (protocol.md §1.2)',
      );
    const previous = this.#users.get(client.userId);
    if (previous && previous.sessionId !== client.sessionId) {
      // protocol.md §8.2 item 5: a new main gateway session drops the old voice connections with 4014.
      this.#endUserVoice(previous, 'main gateway session changed');
    }
    if (d.channel_id === null) {
      if (previous?.stream)
        this.log.record(
          'gateway:leave-while-live',
          'op 4 leave while the stream is live; our transport sends op 19 first (protocol.md §1.4)',
        );
      if (previous) this.#endUserVoice(previous, 'left voice');
      this.#users.delete(client.userId);
      if (!this.settings.mainGatewayDispatchesVoiceState) {
        this.#send(client, 'VOICE_STATE_UPDATE', this.#voiceStatePayload(client, d.guild_id, null, d, false));
      }
      return;
    }
    if (d.guild_id === null) {
      this.log.record('gateway:op4', 'op 4 join with guild_id null (guild streams need the guild id)');
      return;
    }
    const server = previous?.server ?? this.voiceServer;
    const credential = this.#issue(
      'voice',
      server,
      d.guild_id,
      client,
      this.#channelMediaFor(server, d.guild_id, d.channel_id),
    );
    const state: UserVoiceState = {
      client,
      guildId: d.guild_id,
      channelId: d.channel_id,
      sessionId: client.sessionId,
      selfMute: d.self_mute,
      selfDeaf: d.self_deaf,
      selfVideo: d.self_video,
      server,
      credential,
      stream:
        previous?.channelId === d.channel_id && previous.sessionId === client.sessionId
          ? previous.stream
          : null,
    };
    this.#users.set(client.userId, state);
    if (!this.settings.mainGatewayDispatchesVoiceState) {
      this.#send(
        client,
        'VOICE_STATE_UPDATE',
        this.#voiceStatePayload(client, d.guild_id, d.channel_id, d, state.stream !== null),
      );
    }
    this.#send(client, 'VOICE_SERVER_UPDATE', {
      token: credential.token,
      guild_id: d.guild_id,
      endpoint: server.endpoint,
    });
  }

  #onVoiceServerPing(client: GatewayClientHandle): void {
    const state = this.#users.get(client.userId);
    if (!state) return;
    state.credential.token = newVoiceToken();
    this.#send(client, 'VOICE_SERVER_UPDATE', {
      token: state.credential.token,
      guild_id: state.guildId,
      endpoint: state.server.endpoint,
    });
  }

  async #onStreamCreate(client: GatewayClientHandle, d: z.infer<typeof streamCreate>): Promise<void> {
    const state = this.#users.get(client.userId);
    if (!state || state.guildId !== d.guild_id || state.channelId !== d.channel_id) {
      this.log.record(
        'gateway:op18',
        'op 18 for a voice channel the user is not in (op 4 first, protocol.md §1.4)',
      );
      return;
    }
    const main = this.sessions('voice').find((s) => s.userId === client.userId && s.secretKey !== null);
    if (main && !main.videoOffSeen) {
      main.record('op12-off', 'main voice connection sent no op 12 "off" form before op 18 (protocol.md §9)');
    }
    if (!main)
      this.log.record(
        'gateway:op18',
        'op 18 before the main voice connection is up (protocol.md §1.2: after READY + SESSION_DESCRIPTION)',
      );
    if (state.stream) {
      this.log.record('gateway:op18', 'op 18 while this user already has a live stream');
      this.#revokeStream(state.stream);
    }
    const streamKey = guildStreamKey(d.guild_id, d.channel_id, client.userId);
    state.stream = this.#newStream(state, streamKey, this.streamServer);
    this.#announceStream(state, state.stream);
    this.#send(
      client,
      'VOICE_STATE_UPDATE',
      this.#voiceStatePayload(client, state.guildId, state.channelId, state, true),
    );
  }

  #onStreamDelete(client: GatewayClientHandle, streamKey: string): void {
    const state = this.#ownStream(client, streamKey, 19);
    if (!state?.stream) return;
    const credential = state.stream.credential;
    for (const session of this.sessions('stream')) {
      if (session.credential !== credential || !session.connected) continue;
      // protocol.md §1.4 "To stop": stop media, op 5 speaking 0 and op 12 inactive on the stream, then op 19.
      if (session.speaking !== 0 || session.videoActive) {
        session.record(
          'stop-sequence',
          'op 19 before the stream connection sent op 5 speaking 0 and an inactive op 12 (protocol.md §1.4)',
        );
      }
    }
    this.#deleteStream(state, { reason: 'user_requested', unavailable: false });
  }

  #onStreamPing(client: GatewayClientHandle, streamKey: string): void {
    const state = this.#ownStream(client, streamKey, 21);
    const stream = state?.stream;
    if (!stream) return;
    stream.credential.token = newVoiceToken();
    this.#send(client, 'STREAM_SERVER_UPDATE', this.#streamServerPayload(stream));
  }

  #onSetPaused(client: GatewayClientHandle, streamKey: string, paused: boolean): void {
    const stream = this.#ownStream(client, streamKey, 22)?.stream;
    if (!stream) return;
    stream.credential.stream?.pause.set(paused, Date.now());
    this.#sendStreamUpdate(client, stream);
  }

  /** STREAM_UPDATE: who watches (the viewer, unless it left) and whether the stream is paused. */
  #sendStreamUpdate(client: GatewayClientHandle, stream: StreamState): void {
    this.#send(client, 'STREAM_UPDATE', {
      stream_key: stream.streamKey,
      region: 'sim',
      viewer_ids: stream.credential.media.viewer?.watching === false ? [] : [this.settings.viewerUserId],
      paused: stream.credential.stream?.pause.paused ?? false,
    });
  }

  #ownStream(client: GatewayClientHandle, streamKey: string, op: number): UserVoiceState | null {
    const state = this.#users.get(client.userId);
    if (!state?.stream || state.stream.streamKey !== streamKey) {
      this.log.record(
        `gateway:op${op}`,
        `op ${op} stream_key ${JSON.stringify(streamKey)} is not this user's live stream (guild:<guild>:<channel>:<user>)`,
      );
      return null;
    }
    return state;
  }

  // ---- fault injection ------------------------------------------------------------------------

  /** Closes the client's voice or stream websocket with `code` (4015 stays resumable; 4006/4014 do not). */
  closeConnection(kind: ConnectionKind, code: number, reason = 'fault injection'): number {
    const sessions = this.sessions(kind).filter((s) => s.connected);
    for (const session of sessions) session.closeSocket(code, reason);
    return sessions.length;
  }

  /** Drops all UDP on the servers of `kind` (both when omitted) for `ms`. */
  dropUdp(ms: number, kind?: ConnectionKind): void {
    for (const server of this.#currentServers(kind)) server.dropUdpFor(ms);
  }

  /**
   * The media path of the servers of `kind` (both when omitted) gets these network conditions from
   * now on; a server a move starts later has a clean network.
   */
  setNetwork(
    network: { uplink?: NetworkConditions; downlink?: NetworkConditions },
    kind?: ConnectionKind,
  ): void {
    for (const server of this.#currentServers(kind)) server.setNetwork(network);
  }

  /** Closes the UDP port of the servers of `kind` (both when omitted) for `ms`: datagrams are refused. */
  refuseUdp(ms: number, kind?: ConnectionKind): void {
    for (const server of this.#currentServers(kind)) server.refuseUdpFor(ms);
  }

  /**
   * Moves every client's `kind` connection to a new voice server: a fresh *_SERVER_UPDATE with a new
   * endpoint and token. With `closeOldWith`, the old websocket is closed with that code at once;
   * otherwise the client must leave it itself within `moveGraceMs`.
   */
  async moveServer(kind: ConnectionKind, closeOldWith?: number): Promise<VoiceServer> {
    const server = await this.#startServer(`${kind}-server-${this.servers.length + 1}`);
    const old = this.sessions(kind);
    for (const state of this.#users.values()) {
      if (kind === 'voice') {
        state.credential.live = false;
        state.server = server;
        state.credential = this.#issue(
          'voice',
          server,
          state.guildId,
          state.client,
          this.#channelMediaFor(server, state.guildId, state.channelId),
        );
        this.#send(state.client, 'VOICE_SERVER_UPDATE', {
          token: state.credential.token,
          guild_id: state.guildId,
          endpoint: server.endpoint,
        });
      } else if (state.stream) {
        state.stream.credential.live = false;
        const { streamKey, rtcServerId, credential } = state.stream;
        state.stream = this.#newStream(state, streamKey, server, rtcServerId, credential.stream?.pause);
        this.#send(state.client, 'STREAM_SERVER_UPDATE', this.#streamServerPayload(state.stream));
      }
    }
    if (kind === 'stream') this.streamServer = server;
    else this.voiceServer = server;
    if (closeOldWith !== undefined)
      for (const session of old) session.closeSocket(closeOldWith, 'server moved');
    else this.#later(this.settings.moveGraceMs, () => this.#checkLeftOldServer(old));
    return server;
  }

  /** Ends the user's stream from the server side (STREAM_DELETE); `unavailable` marks an outage. */
  deleteStream(userId: string, options: { reason?: string; unavailable?: boolean } = {}): void {
    const state = this.#users.get(userId);
    if (!state?.stream) return;
    this.#deleteStream(state, {
      reason: options.reason ?? 'stream_ended',
      unavailable: options.unavailable ?? false,
    });
  }

  /** After an outage (deleteStream unavailable): STREAM_CREATE + STREAM_SERVER_UPDATE for the same key. */
  restoreStream(userId: string, streamKey: string): void {
    const state = this.#users.get(userId);
    if (!state) return;
    state.stream = this.#newStream(state, streamKey, this.streamServer);
    this.#announceStream(state, state.stream);
  }

  /** Moves the user out of voice (kick): VOICE_STATE_UPDATE channel null, both websockets closed with 4014. */
  kick(userId: string): void {
    const state = this.#users.get(userId);
    if (!state) return;
    this.#endUserVoice(state, 'kicked');
    this.#users.delete(userId);
    this.#send(
      state.client,
      'VOICE_STATE_UPDATE',
      this.#voiceStatePayload(state.client, state.guildId, null, state, false),
    );
  }

  /**
   * The user's main gateway session was replaced (a new READY after a re-IDENTIFY): like Discord, the
   * voice servers close both of its voice connections with 4014 and forget its voice state and stream,
   * so the client must join and go live again (protocol.md §8.2 item 5). Returns how many were closed.
   */
  invalidateMainSession(userId: string): number {
    const state = this.#users.get(userId);
    if (!state) return 0;
    this.#users.delete(userId);
    state.credential.live = false;
    if (state.stream) state.stream.credential.live = false;
    const sessions = this.sessionsOf(userId).filter((session) => session.connected);
    for (const session of sessions) session.destroy(VoiceClose.Disconnected, 'main gateway session dropped');
    return sessions.length;
  }

  /** The viewer stops watching every live stream: the streamer is left alone (sole-member reset, protocol.md §6.4). */
  viewerLeavesStreams(): void {
    for (const state of this.#users.values()) {
      if (!state.stream) continue;
      state.stream.credential.media.viewer?.leave();
      this.#sendStreamUpdate(state.client, state.stream);
    }
  }

  /**
   * The viewer watches again: STREAM_UPDATE lists it, and `connectMs` later (its client connecting to
   * the stream server) a new Add, commit and transition on each stream (protocol.md §6.4).
   */
  viewerJoinsStreams(connectMs = 0): void {
    for (const state of this.#users.values()) {
      const stream = state.stream;
      const viewer = stream?.credential.media.viewer;
      if (!stream || !viewer) continue;
      // STREAM_UPDATE lists a watcher at once; its client reaches the stream server `connectMs` later.
      viewer.watching = true;
      this.#sendStreamUpdate(state.client, stream);
      this.#later(connectMs, () => viewer.rejoin());
    }
  }

  /** DAVE downgrade to version 0 on the `kind` connections' groups (protocol.md §6.3: op 21 v0 → op 23 → op 22). */
  daveDowngrade(kind: ConnectionKind): void {
    for (const group of this.#groups(kind)) group.downgrade();
  }

  /** Back to DAVE after a downgrade (op 24 epoch 1: re-initialise and form a new group). */
  daveUpgrade(kind: ConnectionKind): void {
    for (const group of this.#groups(kind)) group.upgrade();
  }

  /** An op 29 whose commit no client can process: the client must send op 31 and re-initialise. */
  daveBrokenCommit(kind: ConnectionKind): void {
    for (const group of this.#groups(kind)) group.sendBrokenCommit();
  }

  /** The SFU loses the next op 26 key package on the `kind` groups: that client is never added (protocol.md §8.2 item 10). */
  daveLoseNextKeyPackage(kind: ConnectionKind): void {
    for (const group of this.#groups(kind)) group.loseNextKeyPackage();
  }

  #groups(kind: ConnectionKind): DaveGroup[] {
    const groups = this.sessions(kind).map((session) => session.credential.media.group);
    return [...new Set(groups)].filter((group): group is DaveGroup => group !== null);
  }

  async stop(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    for (const state of this.#users.values()) state.stream?.credential.stream?.pause.settle(Date.now());
    await Promise.all(this.servers.map((server) => server.stop()));
    for (const media of this.#channelMedia.values()) media.close();
    for (const credential of this.#credentials.values()) credential.media.close();
  }

  // ---- internals ------------------------------------------------------------------------------

  /** Dispatches to every live main-gateway connection of the user (it may have reconnected since). */
  #send(client: GatewayClientHandle, eventName: string, data: unknown): void {
    const targets = this.settings.gatewayClients?.(client.userId) ?? [client];
    for (const target of targets) target.dispatch(eventName, data);
  }

  async #startServer(name: string): Promise<VoiceServer> {
    const server = await VoiceServer.start(name, this);
    this.servers.push(server);
    return server;
  }

  #currentServers(kind?: ConnectionKind): VoiceServer[] {
    if (kind === 'voice') return [this.voiceServer];
    if (kind === 'stream') return [this.streamServer];
    return [this.voiceServer, this.streamServer];
  }

  #later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      run();
    }, ms).unref();
    this.#timers.add(timer);
  }

  #checkLeftOldServer(old: VoiceSession[]): void {
    for (const session of old) {
      if (!session.connected) continue;
      session.record(
        'server-move',
        `still connected to ${session.server.name} ${this.settings.moveGraceMs} ms after the *_SERVER_UPDATE that moved it (protocol.md §8.2 item 4)`,
      );
      session.destroy(VoiceClose.Disconnected, 'server moved');
    }
  }

  #channelMediaFor(server: VoiceServer, guildId: string, channelId: string): MediaSession {
    const key = `${server.name}|${guildId}|${channelId}`;
    let media = this.#channelMedia.get(key);
    if (!media) {
      const viewer = this.settings.viewerInVoiceChannel ? this.settings.viewerUserId : null;
      media = new MediaSession('voice', channelId, viewer, this.log, this.settings.committer);
      this.#channelMedia.set(key, media);
    }
    return media;
  }

  #issue(
    kind: ConnectionKind,
    server: VoiceServer,
    serverId: string,
    client: GatewayClientHandle,
    media: MediaSession,
    stream: VoiceCredential['stream'] = null,
  ): VoiceCredential {
    const credential: VoiceCredential = {
      kind,
      serverId,
      userId: client.userId,
      sessionId: client.sessionId,
      token: newVoiceToken(),
      media,
      stream,
      live: true,
      streamEndedAt: null,
    };
    this.#credentials.set(`${server.name}|${serverId}|${client.userId}`, credential);
    return credential;
  }

  #newStream(
    state: UserVoiceState,
    streamKey: string,
    server: VoiceServer,
    rtcServerId = newSnowflake(),
    pause = new StreamPause(this.log, 'stream'),
  ): StreamState {
    const rtcChannelId = (BigInt(rtcServerId) - 1n).toString();
    const media = new MediaSession(
      'stream',
      rtcChannelId,
      this.settings.viewerUserId,
      this.log,
      this.settings.committer,
    );
    const credential = this.#issue('stream', server, rtcServerId, state.client, media, { streamKey, pause });
    return { streamKey, rtcServerId, rtcChannelId, server, credential };
  }

  #announceStream(state: UserVoiceState, stream: StreamState): void {
    const create = {
      stream_key: stream.streamKey,
      rtc_server_id: stream.rtcServerId,
      ...(this.settings.includeRtcChannelId ? { rtc_channel_id: stream.rtcChannelId } : {}),
      region: 'sim',
      viewer_ids: [this.settings.viewerUserId],
      paused: false,
    };
    if (this.settings.streamServerUpdateFirst)
      this.#send(state.client, 'STREAM_SERVER_UPDATE', this.#streamServerPayload(stream));
    this.#send(state.client, 'STREAM_CREATE', create);
    if (!this.settings.streamServerUpdateFirst)
      this.#send(state.client, 'STREAM_SERVER_UPDATE', this.#streamServerPayload(stream));
  }

  #streamServerPayload(stream: StreamState): Record<string, unknown> {
    return {
      stream_key: stream.streamKey,
      endpoint: stream.server.endpoint,
      token: stream.credential.token,
      guild_id: null,
    };
  }

  #deleteStream(state: UserVoiceState, options: { reason: string; unavailable: boolean }): void {
    const stream = state.stream;
    if (!stream) return;
    state.stream = null;
    this.#revokeStream(stream);
    this.#send(state.client, 'STREAM_DELETE', {
      stream_key: stream.streamKey,
      reason: options.reason,
      unavailable: options.unavailable,
    });
    if (!options.unavailable) {
      this.#send(
        state.client,
        'VOICE_STATE_UPDATE',
        this.#voiceStatePayload(state.client, state.guildId, state.channelId, state, false),
      );
    }
  }

  /** The stream is over: refuse its credentials; close its connection with 4014 if the client has not. */
  #revokeStream(stream: StreamState): void {
    stream.credential.live = false;
    stream.credential.streamEndedAt = Date.now();
    stream.credential.stream?.pause.settle(Date.now());
    const sessions = this.sessions('stream').filter((s) => s.credential === stream.credential);
    this.#later(1000, () => {
      for (const session of sessions) session.destroy(VoiceClose.Disconnected, 'stream deleted');
    });
  }

  #endUserVoice(state: UserVoiceState, reason: string): void {
    state.credential.live = false;
    if (state.stream) {
      const stream = state.stream;
      this.#deleteStream(state, { reason: 'user_left_voice', unavailable: false });
      for (const session of this.sessions('stream'))
        if (session.credential === stream.credential) session.destroy(VoiceClose.Disconnected, reason);
    }
    for (const session of this.sessions('voice')) {
      if (session.userId === state.client.userId) session.destroy(VoiceClose.Disconnected, reason);
    }
  }

  #voiceStatePayload(
    client: GatewayClientHandle,
    guildId: string | null,
    channelId: string | null,
    flags: {
      selfMute?: boolean;
      selfDeaf?: boolean;
      selfVideo?: boolean;
      self_mute?: boolean;
      self_deaf?: boolean;
      self_video?: boolean;
    },
    selfStream: boolean,
  ): Record<string, unknown> {
    return {
      guild_id: guildId,
      channel_id: channelId,
      user_id: client.userId,
      session_id: client.sessionId,
      deaf: false,
      mute: false,
      self_mute: flags.selfMute ?? flags.self_mute ?? false,
      self_deaf: flags.selfDeaf ?? flags.self_deaf ?? false,
      self_video: flags.selfVideo ?? flags.self_video ?? false,
      self_stream: selfStream,
      suppress: false,
      request_to_speak_timestamp: null,
    };
  }
}
