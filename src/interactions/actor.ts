// Who is asking, as the watch-party policy sees it. The voice channel comes from the guild's voice
// state cache (GuildVoiceStates intent), not from the payload: Discord does not send it there.
import { type Interaction, PermissionFlagsBits } from 'discord.js';
import type { MemberActor } from '../watchparty/permissions.ts';

export function memberActor(interaction: Interaction): MemberActor {
  const userId = interaction.user.id;
  const guildId = interaction.guildId;
  const member = interaction.member;
  const roles = member?.roles;
  const roleIds = roles === undefined ? [] : Array.isArray(roles) ? [...roles] : [...roles.cache.keys()];
  return {
    kind: 'member',
    userId,
    voiceChannelId: interaction.guild?.voiceStates.cache.get(userId)?.channelId ?? null,
    // The @everyone role has the guild's id; it says nothing about the member.
    roleIds: roleIds.filter((roleId) => roleId !== guildId),
    canManageChannels: interaction.memberPermissions?.has(PermissionFlagsBits.ManageChannels) ?? false,
  };
}
