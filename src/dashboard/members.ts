// The member behind a dashboard login, as the bot's discord.js cache knows them: the same roles,
// voice channel and Manage Channels the Discord door reads from an interaction, so the domain's one
// policy judges the page exactly as it judges a button. Mentions in the domain's sentences are
// written for Discord; the page reads them as names.
import { type Client, PermissionFlagsBits } from 'discord.js';
import type { MemberActor } from '../watchparty/permissions.ts';

export interface SharedGuild {
  id: string;
  name: string;
}

export interface MemberDirectory {
  /** The guilds among `guildIds` that the bot is in too. */
  sharedGuilds(guildIds: readonly string[]): SharedGuild[];
  /** The member as the permission policy sees them; null when they are not in that guild. */
  actor(guildId: string, userId: string): Promise<MemberActor | null>;
  /** `<#id>`, `<@id>` and `<@&id>` read as `#name`, `@name` and `@role`. */
  readMentions(guildId: string, text: string): string;
}

export function discordMembers(client: Client): MemberDirectory {
  return {
    sharedGuilds: (guildIds) =>
      guildIds.flatMap((id) => {
        const guild = client.guilds.cache.get(id);
        return guild ? [{ id, name: guild.name }] : [];
      }),

    async actor(guildId, userId) {
      const guild = client.guilds.cache.get(guildId);
      if (!guild) return null;
      // Roles change without an event the bot's intents receive, so every check reads the member anew.
      const member = await guild.members.fetch({ user: userId, force: true }).catch(() => null);
      if (!member) return null;
      return {
        kind: 'member',
        userId,
        voiceChannelId: guild.voiceStates.cache.get(userId)?.channelId ?? null,
        // The @everyone role has the guild's id; it says nothing about the member.
        roleIds: [...member.roles.cache.keys()].filter((roleId) => roleId !== guildId),
        canManageChannels: member.permissions.has(PermissionFlagsBits.ManageChannels),
      };
    },

    readMentions(guildId, text) {
      const guild = client.guilds.cache.get(guildId);
      return text.replace(/<(#|@&|@!?)(\d{15,21})>/g, (_whole, kind: string, id: string) => {
        if (kind === '#') return `#${guild?.channels.cache.get(id)?.name ?? 'a channel'}`;
        if (kind === '@&') return `@${guild?.roles.cache.get(id)?.name ?? 'a role'}`;
        const member = guild?.members.cache.get(id);
        return `@${member?.displayName ?? client.users.cache.get(id)?.username ?? 'a member'}`;
      });
    },
  };
}
