// Discord's permission arithmetic, as the client computes it: the guild base from @everyone and the
// member's roles, then a channel's overwrites (@everyone, the member's roles together, the member),
// with the rules that no View Channel hides everything and administrators and owners hold all.

export const permission = {
  administrator: 1n << 3n,
  stream: 1n << 9n,
  viewChannel: 1n << 10n,
  sendMessages: 1n << 11n,
  embedLinks: 1n << 14n,
  attachFiles: 1n << 15n,
  connect: 1n << 20n,
  speak: 1n << 21n,
  useApplicationCommands: 1n << 31n,
} as const;

/** Names as Discord's server settings show them, for the table. */
const permissionNames = new Map<bigint, string>([
  [permission.viewChannel, 'View Channel'],
  [permission.sendMessages, 'Send Messages'],
  [permission.embedLinks, 'Embed Links'],
  [permission.attachFiles, 'Attach Files'],
  [permission.connect, 'Connect'],
  [permission.speak, 'Speak'],
  [permission.stream, 'Video'],
  [permission.useApplicationCommands, 'Use Application Commands'],
]);

const all = (1n << 64n) - 1n;

export interface Overwrite {
  id: string;
  /** 0: a role, 1: a member. */
  type: number;
  allow: bigint;
  deny: bigint;
}

export interface GuildAccess {
  guildId: string;
  ownerId: string;
  /** Role id → permissions; @everyone's id is the guild's. */
  roles: ReadonlyMap<string, bigint>;
}

export interface Member {
  userId: string;
  roleIds: readonly string[];
}

export function basePermissions(guild: GuildAccess, member: Member): bigint {
  if (member.userId === guild.ownerId) return all;
  let bits = guild.roles.get(guild.guildId) ?? 0n;
  for (const roleId of member.roleIds) bits |= guild.roles.get(roleId) ?? 0n;
  return bits & permission.administrator ? all : bits;
}

export function channelPermissions(
  guild: GuildAccess,
  member: Member,
  overwrites: readonly Overwrite[],
): bigint {
  let bits = basePermissions(guild, member);
  if (bits === all) return all;
  const apply = (found: readonly Overwrite[]) => {
    const deny = found.reduce((acc, overwrite) => acc | overwrite.deny, 0n);
    const allow = found.reduce((acc, overwrite) => acc | overwrite.allow, 0n);
    bits = (bits & ~deny) | allow;
  };
  apply(overwrites.filter((overwrite) => overwrite.type === 0 && overwrite.id === guild.guildId));
  const roleIds = new Set(member.roleIds);
  apply(overwrites.filter((overwrite) => overwrite.type === 0 && roleIds.has(overwrite.id)));
  apply(overwrites.filter((overwrite) => overwrite.type === 1 && overwrite.id === member.userId));
  return bits & permission.viewChannel ? bits : 0n;
}

/** The names of the permissions in `needed` that `held` lacks. */
export function missingPermissions(held: bigint, needed: readonly bigint[]): string[] {
  return needed.filter((bit) => (held & bit) !== bit).map((bit) => permissionNames.get(bit) ?? String(bit));
}
