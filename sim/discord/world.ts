// The simulated Discord's state: users and their tokens, one guild with channels, roles, members
// and voice states, and builders that turn that state into COMPLETE API payloads. discord.js builds
// its structures synchronously inside the gateway handler, so a missing array in a payload kills the
// bot process (discord.js throws inside its gateway listener on a payload it cannot read): every payload that leaves the simulator is built here.
import type {
  APIChannel,
  APIGuildMember,
  APIInteractionGuildMember,
  APIRole,
  APIUser,
  GatewayVoiceState,
} from 'discord-api-types/v10';

/** Discord's permission bits the simulator computes with. */
export const permissionBits = {
  createInstantInvite: 1n << 0n,
  administrator: 1n << 3n,
  manageChannels: 1n << 4n,
  manageGuild: 1n << 5n,
  viewChannel: 1n << 10n,
  sendMessages: 1n << 11n,
  embedLinks: 1n << 14n,
  attachFiles: 1n << 15n,
  readMessageHistory: 1n << 16n,
  connect: 1n << 20n,
  speak: 1n << 21n,
  useApplicationCommands: 1n << 31n,
  stream: 1n << 9n,
} as const;

/** Every permission Discord defines today (what an owner or administrator holds). */
export const allPermissions = (1n << 51n) - 1n;

const everyonePermissions =
  permissionBits.createInstantInvite |
  permissionBits.viewChannel |
  permissionBits.sendMessages |
  permissionBits.embedLinks |
  permissionBits.attachFiles |
  permissionBits.readMessageHistory |
  permissionBits.connect |
  permissionBits.speak |
  permissionBits.stream |
  permissionBits.useApplicationCommands;

const discordEpoch = 1_420_070_400_000n;
let snowflakeCounter = 0n;

/** A snowflake whose timestamp part is now, so discord.js reads sensible creation times. */
export function nextSnowflake(): string {
  snowflakeCounter = (snowflakeCounter + 1n) & 0x3fffffn;
  return String(((BigInt(Date.now()) - discordEpoch) << 22n) | snowflakeCounter);
}

export interface SimUser {
  readonly id: string;
  readonly username: string;
  readonly bot: boolean;
  /** What the client sends to log in: the bot token, or a user token for streaming accounts. */
  readonly token: string;
  /** The language of the person's Discord client: interactions carry it as `locale`. */
  readonly locale: string;
}

export interface SimRole {
  readonly id: string;
  readonly name: string;
  readonly permissions: bigint;
  readonly position: number;
}

export type SimChannelKind = 'text' | 'voice';

/** A channel's permission overwrite for a role (@everyone's id is the guild's) or one member. */
export interface SimOverwrite {
  readonly id: string;
  readonly type: 'role' | 'member';
  readonly allow: bigint;
  readonly deny: bigint;
}

export interface SimChannel {
  readonly id: string;
  readonly name: string;
  readonly kind: SimChannelKind;
  readonly position: number;
  /** Reported in channel payloads; `permissionsOf` (interaction permissions) ignores them. */
  readonly overwrites: SimOverwrite[];
}

export interface SimVoiceState {
  readonly userId: string;
  readonly channelId: string;
  readonly sessionId: string;
  readonly selfMute: boolean;
  readonly selfDeaf: boolean;
  readonly selfVideo: boolean;
}

export interface SimGuild {
  readonly id: string;
  readonly name: string;
  readonly ownerId: string;
  readonly roles: SimRole[];
  readonly channels: SimChannel[];
  /** userId → role ids (without @everyone). */
  readonly members: Map<string, string[]>;
  readonly voiceStates: Map<string, SimVoiceState>;
  /** The server's language (Server Settings → Community): `preferred_locale`, `guild_locale`. */
  preferredLocale: string;
}

export interface WorldOptions {
  botToken?: string;
  applicationId?: string;
  botName?: string;
  guildName?: string;
  textChannels?: readonly string[];
  voiceChannels?: readonly string[];
  /** The guild's preferred_locale (default en-US). */
  preferredLocale?: string;
}

const joinedAt = '2024-01-01T00:00:00.000Z';
/** discord-api-types types flag fields as enums; an empty bit set is 0 for every one of them. */
const noFlags = 0 as never;

export class SimWorld {
  readonly applicationId: string;
  readonly bot: SimUser;
  /** The guild's owner: a separate person, so no test user holds every permission by accident. */
  readonly owner: SimUser;
  readonly guild: SimGuild;
  readonly #users = new Map<string, SimUser>();

  constructor(options: WorldOptions = {}) {
    this.applicationId = options.applicationId ?? nextSnowflake();
    this.bot = {
      id: this.applicationId,
      username: options.botName ?? 'orb-watch-party',
      bot: true,
      token: options.botToken ?? 'sim-bot-token',
      locale: 'en-US',
    };
    this.#users.set(this.bot.id, this.bot);
    this.owner = this.#register('guild-owner', false, `sim-user-token-${nextSnowflake()}`);
    const guildId = nextSnowflake();
    let position = 0;
    const channel = (name: string, kind: SimChannelKind): SimChannel => ({
      id: nextSnowflake(),
      name,
      kind,
      position: position++,
      overwrites: [],
    });
    this.guild = {
      id: guildId,
      name: options.guildName ?? 'Movie Night',
      ownerId: this.owner.id,
      roles: [{ id: guildId, name: '@everyone', permissions: everyonePermissions, position: 0 }],
      channels: [
        ...(options.textChannels ?? ['general']).map((name) => channel(name, 'text')),
        ...(options.voiceChannels ?? ['Cinema', 'Lounge']).map((name) => channel(name, 'voice')),
      ],
      members: new Map([
        [this.bot.id, []],
        [this.owner.id, []],
      ]),
      voiceStates: new Map(),
      preferredLocale: options.preferredLocale ?? 'en-US',
    };
  }

  user(id: string): SimUser | undefined {
    return this.#users.get(id);
  }

  userByToken(token: string): SimUser | undefined {
    for (const user of this.#users.values()) if (user.token === token) return user;
    return undefined;
  }

  addUser(options: {
    username: string;
    token?: string;
    roleIds?: readonly string[];
    member?: boolean;
    /** Another application's bot (a music bot, say), which members may find in their voice channel. */
    bot?: boolean;
    /** The language of their Discord client (default en-US). */
    locale?: string;
  }): SimUser {
    const user = this.#register(
      options.username,
      options.bot ?? false,
      options.token ?? `sim-user-token-${nextSnowflake()}`,
      options.locale,
    );
    if (options.member !== false) this.guild.members.set(user.id, [...(options.roleIds ?? [])]);
    return user;
  }

  addRole(name: string, permissions: bigint = 0n): SimRole {
    const role = { id: nextSnowflake(), name, permissions, position: this.guild.roles.length };
    this.guild.roles.push(role);
    return role;
  }

  addChannel(name: string, kind: SimChannelKind): SimChannel {
    const created = { id: nextSnowflake(), name, kind, position: this.guild.channels.length, overwrites: [] };
    this.guild.channels.push(created);
    return created;
  }

  /** Sets (or, with allow and deny both 0, removes) one overwrite of a channel, as the channel settings do. */
  setOverwrite(channelId: string, overwrite: SimOverwrite): void {
    const channel = this.channel(channelId);
    if (!channel) throw new Error(`the simulated guild has no channel ${channelId}`);
    const index = channel.overwrites.findIndex((existing) => existing.id === overwrite.id);
    if (index >= 0) channel.overwrites.splice(index, 1);
    if (overwrite.allow !== 0n || overwrite.deny !== 0n) channel.overwrites.push(overwrite);
  }

  channel(id: string): SimChannel | undefined {
    return this.guild.channels.find((candidate) => candidate.id === id);
  }

  channelByName(name: string): SimChannel {
    const found = this.guild.channels.find((candidate) => candidate.name === name);
    if (!found) throw new Error(`the simulated guild has no channel named "${name}"`);
    return found;
  }

  /** The member's permissions in the guild (channel overwrites are not simulated). */
  permissionsOf(userId: string): bigint {
    if (userId === this.guild.ownerId || userId === this.bot.id) return allPermissions;
    const roleIds = new Set(this.guild.members.get(userId) ?? []);
    let bits = 0n;
    for (const role of this.guild.roles) {
      if (role.id === this.guild.id || roleIds.has(role.id)) bits |= role.permissions;
    }
    return (bits & permissionBits.administrator) !== 0n ? allPermissions : bits;
  }

  #register(username: string, bot: boolean, token: string, locale = 'en-US'): SimUser {
    const user = { id: nextSnowflake(), username, bot, token, locale };
    this.#users.set(user.id, user);
    return user;
  }

  // ---- payload builders -------------------------------------------------------------------------

  userPayload(user: SimUser): APIUser {
    return {
      id: user.id,
      username: user.username,
      discriminator: '0',
      global_name: user.bot ? null : user.username,
      avatar: null,
      bot: user.bot,
      flags: noFlags,
      public_flags: noFlags,
    };
  }

  memberPayload(userId: string): APIGuildMember {
    const user = this.#users.get(userId);
    if (!user) throw new Error(`unknown simulated user ${userId}`);
    return {
      user: this.userPayload(user),
      nick: null,
      avatar: null,
      banner: null,
      roles: [...(this.guild.members.get(userId) ?? [])],
      joined_at: joinedAt,
      premium_since: null,
      deaf: false,
      mute: false,
      flags: noFlags,
      pending: false,
      communication_disabled_until: null,
    };
  }

  interactionMemberPayload(userId: string): APIInteractionGuildMember {
    return { ...this.memberPayload(userId), permissions: String(this.permissionsOf(userId)) };
  }

  rolePayload(role: SimRole): APIRole {
    return {
      id: role.id,
      name: role.name,
      permissions: String(role.permissions),
      position: role.position,
      color: 0,
      colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
      hoist: false,
      icon: null,
      unicode_emoji: null,
      managed: false,
      mentionable: false,
      flags: noFlags,
    };
  }

  channelPayload(channel: SimChannel): APIChannel {
    const common = {
      id: channel.id,
      name: channel.name,
      guild_id: this.guild.id,
      position: channel.position,
      permission_overwrites: channel.overwrites.map((overwrite) => ({
        id: overwrite.id,
        type: overwrite.type === 'role' ? 0 : 1,
        allow: String(overwrite.allow),
        deny: String(overwrite.deny),
      })),
      parent_id: null,
      nsfw: false,
      flags: noFlags,
    };
    if (channel.kind === 'voice') {
      return { ...common, type: 2, bitrate: 64_000, user_limit: 0, rtc_region: null, last_message_id: null };
    }
    return { ...common, type: 0, topic: null, last_message_id: null, rate_limit_per_user: 0 };
  }

  voiceStatePayload(state: SimVoiceState): GatewayVoiceState {
    return {
      guild_id: this.guild.id,
      channel_id: state.channelId,
      user_id: state.userId,
      session_id: state.sessionId,
      deaf: false,
      mute: false,
      self_deaf: state.selfDeaf,
      self_mute: state.selfMute,
      self_video: state.selfVideo,
      suppress: false,
      request_to_speak_timestamp: null,
      member: this.memberPayload(state.userId),
    };
  }

  /** The full GUILD_CREATE object; voice states only for clients that asked for them. */
  guildPayload(options: { withVoiceStates: boolean }): Record<string, unknown> {
    const guild = this.guild;
    return {
      id: guild.id,
      name: guild.name,
      icon: null,
      splash: null,
      discovery_splash: null,
      banner: null,
      description: null,
      owner_id: guild.ownerId,
      unavailable: false,
      large: false,
      member_count: guild.members.size,
      joined_at: joinedAt,
      features: [],
      emojis: [],
      stickers: [],
      presences: [],
      threads: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
      preferred_locale: guild.preferredLocale,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      mfa_level: 0,
      nsfw_level: 0,
      premium_tier: 0,
      premium_subscription_count: 0,
      premium_progress_bar_enabled: false,
      system_channel_flags: 0,
      system_channel_id: null,
      rules_channel_id: null,
      public_updates_channel_id: null,
      safety_alerts_channel_id: null,
      afk_timeout: 300,
      afk_channel_id: null,
      application_id: null,
      vanity_url_code: null,
      max_video_channel_users: 25,
      roles: guild.roles.map((role) => this.rolePayload(role)),
      channels: guild.channels.map((channel) => this.channelPayload(channel)),
      members: [...guild.members.keys()].map((userId) => this.memberPayload(userId)),
      voice_states: options.withVoiceStates
        ? [...guild.voiceStates.values()].map((state) => {
            const { member: _member, guild_id: _guild, ...rest } = this.voiceStatePayload(state);
            return rest;
          })
        : [],
    };
  }
  /** The REST guild object (and GUILD_UPDATE's): GUILD_CREATE without its gateway-only lists and fields. */
  restGuildPayload(): Record<string, unknown> {
    const {
      channels: _channels,
      members: _members,
      voice_states: _voiceStates,
      presences: _presences,
      threads: _threads,
      stage_instances: _stageInstances,
      guild_scheduled_events: _events,
      soundboard_sounds: _sounds,
      joined_at: _joinedAt,
      large: _large,
      member_count: _memberCount,
      unavailable: _unavailable,
      ...guild
    } = this.guildPayload({ withVoiceStates: false });
    return guild;
  }
}
