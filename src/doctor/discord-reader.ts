// The doctor's read-only view of Discord: discord.js's REST client (so DISCORD_API_BASE and the
// simulator work as for the bot), zod on every answer, and one failure type that says only what
// happened (status, Discord's error code, or which network error), never a token or an address.
import { DiscordAPIError, HTTPError, REST } from 'discord.js';
import { z } from 'zod';
import { restOptionsFor } from '../discord/client.ts';
import type { GuildAccess, Member, Overwrite } from './permissions.ts';

const snowflake = z.string().regex(/^\d+$/);
const bits = z
  .string()
  .regex(/^\d+$/)
  .transform((value) => BigInt(value));

export const userSchema = z.looseObject({
  id: snowflake,
  username: z.string(),
  global_name: z.string().nullish(),
  bot: z.boolean().optional(),
});
export type DiscordUser = z.infer<typeof userSchema>;

export const applicationSchema = z.looseObject({ id: snowflake, name: z.string() });
export const partialGuildsSchema = z.array(z.looseObject({ id: snowflake, name: z.string() }));

const guildSchema = z.looseObject({
  id: snowflake,
  name: z.string(),
  owner_id: snowflake,
  roles: z.array(z.looseObject({ id: snowflake, permissions: bits })),
});

const channelsSchema = z.array(
  z.looseObject({
    id: snowflake,
    name: z.string().nullish(),
    type: z.number(),
    permission_overwrites: z
      .array(z.looseObject({ id: snowflake, type: z.number(), allow: bits, deny: bits }))
      .optional(),
  }),
);

const memberSchema = z.looseObject({ roles: z.array(snowflake) });

/** Discord's channel types the doctor cares about. */
const textChannelTypes = new Set([0, 5]);
const voiceChannelTypes = new Set([2]);

export interface GuildChannel {
  id: string;
  name: string;
  kind: 'text' | 'voice';
  overwrites: Overwrite[];
}

export interface GuildView extends GuildAccess {
  name: string;
  channels: GuildChannel[];
  /** @everyone's guild-wide permissions. */
  everyone: bigint;
}

export type DiscordFailureKind = 'refused' | 'forbidden' | 'not_found' | 'unreachable' | 'unexpected';

export class DiscordReadError extends Error {
  readonly kind: DiscordFailureKind;
  readonly status: number | null;
  constructor(kind: DiscordFailureKind, message: string, status: number | null = null) {
    super(message);
    this.name = 'DiscordReadError';
    this.kind = kind;
    this.status = status;
  }
}

/** A network failure named by its code only: the message would carry the address. */
function networkReason(error: unknown): string {
  const code = (error as { code?: unknown; cause?: { code?: unknown } } | null) ?? {};
  const name = typeof code.code === 'string' ? code.code : code.cause?.code;
  if (error instanceof Error && error.name === 'AbortError') return 'no answer in time';
  return typeof name === 'string' ? name : 'network error';
}

function readFailure(error: unknown): DiscordReadError {
  if (error instanceof DiscordAPIError) {
    const what = `HTTP ${error.status}, Discord code ${error.code}`;
    if (error.status === 401) return new DiscordReadError('refused', what, 401);
    if (error.status === 403) return new DiscordReadError('forbidden', what, 403);
    if (error.status === 404) return new DiscordReadError('not_found', what, 404);
    return new DiscordReadError('unexpected', what, error.status);
  }
  if (error instanceof HTTPError)
    return new DiscordReadError('unexpected', `HTTP ${error.status}`, error.status);
  return new DiscordReadError('unreachable', networkReason(error));
}

export class DiscordReader {
  readonly #bot: REST;
  readonly #anonymous: REST;

  constructor(options: { apiBase: string | undefined; botToken: string; timeoutMs?: number }) {
    const rest = { ...restOptionsFor(options.apiBase), retries: 0, timeout: options.timeoutMs ?? 10_000 };
    this.#bot = new REST(rest).setToken(options.botToken);
    this.#anonymous = new REST(rest);
  }

  /** GET with the bot token. */
  bot<S extends z.ZodType>(route: `/${string}`, schema: S): Promise<z.output<S>> {
    return this.#get(this.#bot.get(route), schema);
  }

  /** GET as a user account: a user token goes in the header bare, without `Bot `. */
  asUser<S extends z.ZodType>(token: string, route: `/${string}`, schema: S): Promise<z.output<S>> {
    return this.#get(this.#anonymous.get(route, { auth: false, headers: { Authorization: token } }), schema);
  }

  /** A guild as the bot sees it: roles, owner, and its text and voice channels with overwrites. */
  async guild(guildId: string): Promise<GuildView> {
    const [guild, channels] = await Promise.all([
      this.bot(`/guilds/${guildId}`, guildSchema),
      this.bot(`/guilds/${guildId}/channels`, channelsSchema),
    ]);
    const roles = new Map(guild.roles.map((role) => [role.id, role.permissions]));
    return {
      guildId: guild.id,
      ownerId: guild.owner_id,
      name: guild.name,
      roles,
      everyone: roles.get(guild.id) ?? 0n,
      channels: channels.flatMap((channel): GuildChannel[] => {
        const kind = textChannelTypes.has(channel.type)
          ? 'text'
          : voiceChannelTypes.has(channel.type)
            ? 'voice'
            : null;
        if (!kind) return [];
        return [
          {
            id: channel.id,
            name: channel.name ?? channel.id,
            kind,
            overwrites: channel.permission_overwrites ?? [],
          },
        ];
      }),
    };
  }

  /** The member, or null when the user is not in the guild (Discord's 404 Unknown Member). */
  async member(guildId: string, userId: string): Promise<Member | null> {
    try {
      const found = await this.bot(`/guilds/${guildId}/members/${userId}`, memberSchema);
      return { userId, roleIds: found.roles };
    } catch (error) {
      if (error instanceof DiscordReadError && error.kind === 'not_found') return null;
      throw error;
    }
  }

  async #get<S extends z.ZodType>(call: Promise<unknown>, schema: S): Promise<z.output<S>> {
    let body: unknown;
    try {
      body = await call;
    } catch (error) {
      throw readFailure(error);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw new DiscordReadError('unexpected', 'an answer of an unexpected shape');
    return parsed.data;
  }
}
