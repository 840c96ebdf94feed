// Each streaming account in STREAMER_TOKENS: which account the token logs in as (its own
// /users/@me), whether it is a member of each server the bot serves, and in how many of their voice
// channels it may Go Live (View Channel, Connect, Speak, Video). Entries are named by position,
// never by value.
import { type CheckLine, fail, type Mark, ok, warn } from './check-line.ts';
import { discordFailureLine } from './discord-failure.ts';
import { type DiscordReader, type DiscordUser, type GuildView, userSchema } from './discord-reader.ts';
import { channelPermissions, missingPermissions, permission } from './permissions.ts';

const goLiveNeeds = [
  permission.viewChannel,
  permission.connect,
  permission.speak,
  permission.stream,
] as const;

const MAX_NAMED = 5;

interface GuildFinding {
  mark: Mark;
  detail: string;
  fix?: string;
}

const worse = (a: Mark, b: Mark): Mark =>
  a === 'fail' || b === 'fail' ? 'fail' : a === 'warn' || b === 'warn' ? 'warn' : 'ok';

export function checkStreamers(
  reader: DiscordReader,
  tokens: readonly string[],
  guilds: readonly GuildView[] | null,
): Promise<CheckLine[]> {
  return Promise.all(tokens.map((token, index) => checkStreamer(reader, token, index + 1, guilds)));
}

async function checkStreamer(
  reader: DiscordReader,
  token: string,
  position: number,
  guilds: readonly GuildView[] | null,
): Promise<CheckLine> {
  const check = `Streaming account ${position}`;
  const entry = `entry ${position} of STREAMER_TOKENS`;
  let me: DiscordUser;
  try {
    me = await reader.asUser(token, '/users/@me', userSchema);
  } catch (error) {
    return discordFailureLine(
      check,
      entry,
      error,
      `Log in to that account in a browser, copy its token again and replace ${entry} (a token changes when the password does or the account logs out everywhere).`,
    );
  }
  if (me.bot === true) {
    return fail(
      check,
      `${entry} is a bot's token`,
      "Going Live needs a user account: put that account's token there instead.",
    );
  }
  if (guilds === null) {
    return warn(
      check,
      `${me.username}; its servers were not checked`,
      'Fix DISCORD_TOKEN first: the doctor reads servers with it.',
    );
  }
  if (guilds.length === 0) return ok(check, me.username);
  const findings = await Promise.all(guilds.map((guild) => checkInGuild(reader, me, guild)));
  const mark = findings.reduce<Mark>((acc, finding) => worse(acc, finding.mark), 'ok');
  const detail = `${me.username}: ${findings.map((finding) => finding.detail).join('; ')}`;
  const fixes = [...new Set(findings.flatMap((finding) => (finding.fix ? [finding.fix] : [])))];
  return mark === 'ok' ? ok(check, detail) : { check, mark, detail, fix: fixes.join(' ') };
}

async function checkInGuild(
  reader: DiscordReader,
  account: { id: string; username: string },
  guild: GuildView,
): Promise<GuildFinding> {
  let member: Awaited<ReturnType<DiscordReader['member']>>;
  try {
    member = await reader.member(guild.guildId, account.id);
  } catch (error) {
    const line = discordFailureLine('', 'DISCORD_TOKEN', error, 'Check DISCORD_TOKEN.');
    return { mark: 'fail', detail: `${guild.name}: ${line.detail}`, fix: line.fix };
  }
  if (!member) {
    return {
      mark: 'fail',
      detail: `not a member of ${guild.name}`,
      fix: `Invite ${account.username} to ${guild.name} (open an invite link while logged in as that account).`,
    };
  }
  const voices = guild.channels.filter((channel) => channel.kind === 'voice');
  const lacking = voices.flatMap((channel) => {
    const missing = missingPermissions(channelPermissions(guild, member, channel.overwrites), goLiveNeeds);
    return missing.length > 0 ? [{ name: channel.name, missing }] : [];
  });
  const fix =
    `Allow View Channel, Connect, Speak and Video for ${account.username} (or a role it has) in ${guild.name}'s ` +
    "voice channels (Server Settings → Roles, or the channel's Edit Channel → Permissions).";
  if (voices.length === 0) {
    return {
      mark: 'warn',
      detail: `${guild.name} has no voice channel`,
      fix: `Create a voice channel in ${guild.name}.`,
    };
  }
  if (lacking.length === voices.length) {
    const missing = [...new Set(lacking.flatMap((channel) => channel.missing))];
    return {
      mark: 'fail',
      detail: `may not Go Live in any voice channel of ${guild.name} (missing ${missing.join(', ')})`,
      fix,
    };
  }
  const usable = `may Go Live in ${voices.length - lacking.length} of ${voices.length} voice channels of ${guild.name}`;
  if (lacking.length === 0) return { mark: 'ok', detail: usable };
  const named = lacking
    .slice(0, MAX_NAMED)
    .map((channel) => `${channel.name} (missing ${channel.missing.join(', ')})`)
    .join(', ');
  return { mark: 'warn', detail: `${usable}; not in ${named}`, fix };
}
