// The bot's side of Discord: whose token DISCORD_TOKEN is, whether DISCORD_APPLICATION_ID is that
// token's application, which server(s) it serves, and whether it may post panels (View Channel,
// Send Messages, Embed Links, Attach Files) in their text channels. The servers it finds are handed
// on to the streaming-account checks.
import { type CheckLine, fail, ok, warn } from './check-line.ts';
import { discordFailureLine } from './discord-failure.ts';
import {
  applicationSchema,
  DiscordReadError,
  type DiscordReader,
  type DiscordUser,
  type GuildView,
  partialGuildsSchema,
  userSchema,
} from './discord-reader.ts';
import { channelPermissions, type Member, missingPermissions, permission } from './permissions.ts';

/** The bot's needs in a text channel, and what an invite link asks for. */
const botNeeds = [
  permission.viewChannel,
  permission.sendMessages,
  permission.embedLinks,
  permission.attachFiles,
] as const;

/** A bot in more servers than this is summarised by its first ones. */
const MAX_GUILDS = 10;
/** Channels named in one line, at most. */
const MAX_NAMED = 5;

export interface BotSettings {
  applicationId: string;
  guildId?: string | undefined;
}

export interface BotFindings {
  lines: CheckLine[];
  /** The servers the bot serves; null when the bot could not be checked at all. */
  guilds: GuildView[] | null;
}

/** Discord's page that adds the bot to a server with the permissions it needs. */
function inviteUrl(applicationId: string): string {
  const wanted = botNeeds.reduce((acc, bit) => acc | bit, 0n);
  return `https://discord.com/oauth2/authorize?client_id=${applicationId}&scope=bot+applications.commands&permissions=${wanted}`;
}

export async function checkBot(reader: DiscordReader, settings: BotSettings): Promise<BotFindings> {
  let me: DiscordUser;
  try {
    me = await reader.bot('/users/@me', userSchema);
  } catch (error) {
    const line = discordFailureLine(
      'Discord bot',
      'DISCORD_TOKEN',
      error,
      'Copy the token again from the Discord Developer Portal (your application → Bot → Reset Token) into DISCORD_TOKEN.',
    );
    return { lines: [line], guilds: null };
  }
  if (me.bot !== true) {
    const line = fail(
      'Discord bot',
      `DISCORD_TOKEN belongs to the user account ${me.username}, not to a bot`,
      "Use the token from your application's Bot page in the Discord Developer Portal.",
    );
    return { lines: [line], guilds: null };
  }
  const lines = [ok('Discord bot', `logged in as ${me.username}`), await checkApplication(reader, settings)];
  const found = await findGuilds(reader, settings);
  lines.push(...found.lines);
  for (const guild of found.guilds) lines.push(...(await checkBotInGuild(reader, guild, me.id)));
  return { lines, guilds: found.guilds };
}

async function checkApplication(reader: DiscordReader, settings: BotSettings): Promise<CheckLine> {
  try {
    const application = await reader.bot('/applications/@me', applicationSchema);
    if (application.id === settings.applicationId) {
      return ok('Application id', `DISCORD_APPLICATION_ID is ${application.name}'s`);
    }
    return fail(
      'Application id',
      `DISCORD_APPLICATION_ID is not the id of the bot token's application (${application.name})`,
      `Set DISCORD_APPLICATION_ID=${application.id} (Developer Portal → General Information → Application ID).`,
    );
  } catch (error) {
    return discordFailureLine('Application id', 'DISCORD_TOKEN', error, 'Check DISCORD_TOKEN first.');
  }
}

async function findGuilds(
  reader: DiscordReader,
  settings: BotSettings,
): Promise<{ lines: CheckLine[]; guilds: GuildView[] }> {
  const invite = inviteUrl(settings.applicationId);
  if (settings.guildId !== undefined) {
    try {
      const guild = await reader.guild(settings.guildId);
      return { lines: [ok('Server', `${guild.name} (DISCORD_GUILD_ID)`)], guilds: [guild] };
    } catch (error) {
      if (error instanceof DiscordReadError && (error.kind === 'forbidden' || error.kind === 'not_found')) {
        const line = fail(
          'Server',
          'the bot is not in the server DISCORD_GUILD_ID names',
          `Invite the bot with ${invite} or correct DISCORD_GUILD_ID (right-click the server → Copy Server ID).`,
        );
        return { lines: [line], guilds: [] };
      }
      return {
        lines: [discordFailureLine('Server', 'DISCORD_TOKEN', error, 'Check DISCORD_TOKEN.')],
        guilds: [],
      };
    }
  }
  try {
    const listed = await reader.bot('/users/@me/guilds', partialGuildsSchema);
    if (listed.length === 0) {
      return {
        lines: [warn('Servers', 'the bot is in no server yet', `Invite it with ${invite}`)],
        guilds: [],
      };
    }
    const guilds = await Promise.all(listed.slice(0, MAX_GUILDS).map((guild) => reader.guild(guild.id)));
    const more = listed.length > MAX_GUILDS ? ` and ${listed.length - MAX_GUILDS} more` : '';
    const names = `${guilds.map((guild) => guild.name).join(', ')}${more}`;
    return { lines: [ok('Servers', `${names} (no DISCORD_GUILD_ID: every server)`)], guilds };
  } catch (error) {
    return {
      lines: [discordFailureLine('Servers', 'DISCORD_TOKEN', error, 'Check DISCORD_TOKEN.')],
      guilds: [],
    };
  }
}

async function checkBotInGuild(reader: DiscordReader, guild: GuildView, botId: string): Promise<CheckLine[]> {
  const check = `Bot in ${guild.name}`;
  let member: Member | null;
  try {
    member = await reader.member(guild.guildId, botId);
  } catch (error) {
    return [discordFailureLine(check, 'DISCORD_TOKEN', error, 'Check DISCORD_TOKEN.')];
  }
  if (!member) {
    return [fail(check, 'the bot is not a member of this server', 'Invite the bot to the server again.')];
  }
  const texts = guild.channels.filter((channel) => channel.kind === 'text');
  const lacking = texts.flatMap((channel) => {
    const missing = missingPermissions(channelPermissions(guild, member, channel.overwrites), botNeeds);
    return missing.length > 0 ? [{ name: channel.name, missing }] : [];
  });
  const lines: CheckLine[] = [];
  const roleFix =
    "Give the bot's role View Channel, Send Messages, Embed Links and Attach Files (Server Settings → Roles), " +
    'or allow them in the channels where parties start (Edit Channel → Permissions).';
  if (texts.length === 0) {
    lines.push(
      warn(check, 'the server has no text channel for panels', 'Create a text channel for watch parties.'),
    );
  } else if (lacking.length === texts.length) {
    const missing = [...new Set(lacking.flatMap((channel) => channel.missing))];
    lines.push(
      fail(check, `may not post panels in any text channel (missing ${missing.join(', ')})`, roleFix),
    );
  } else if (lacking.length > 0) {
    const named = lacking
      .slice(0, MAX_NAMED)
      .map((channel) => `#${channel.name} (missing ${channel.missing.join(', ')})`)
      .join(', ');
    const more = lacking.length > MAX_NAMED ? ` and ${lacking.length - MAX_NAMED} more` : '';
    lines.push(warn(check, `no panels in ${named}${more}`, roleFix));
  } else {
    lines.push(
      ok(
        check,
        `may post panels in ${texts.length === 1 ? 'the text channel' : `all ${texts.length} text channels`}`,
      ),
    );
  }
  if ((guild.everyone & permission.useApplicationCommands) === 0n) {
    lines.push(
      warn(
        `Commands in ${guild.name}`,
        '@everyone lacks Use Application Commands',
        'Members need a role with Use Application Commands to use /watchparty (Server Settings → Roles).',
      ),
    );
  }
  return lines;
}
