// The doctor: every preflight check, run against the real services with the real settings, in the
// order an operator would fix them (Discord, streaming accounts, Jellyfin, ffmpeg, database, worker
// hosts).
// `npm run doctor` prints the lines; `start` runs the same before it opens any party.
import type { DiscordConfig, JellyfinConfig } from '../config.ts';
import { createJellyfinClient } from '../jellyfin/index.ts';
import type { WorkerHostEntry } from '../worker-pool/worker-host-survey.ts';
import { checkBot } from './bot-checks.ts';
import type { CheckLine } from './check-line.ts';
import { checkDatabase } from './database-check.ts';
import { DiscordReader } from './discord-reader.ts';
import { checkFfmpeg } from './ffmpeg-check.ts';
import { checkJellyfin } from './jellyfin-check.ts';
import { checkJellyfinUser } from './jellyfin-user-check.ts';
import { checkStreamers } from './streamer-checks.ts';
import { checkWorkerHosts } from './worker-hosts-check.ts';

export interface DoctorSettings {
  databasePath: string;
  discord: DiscordConfig;
  jellyfin: JellyfinConfig;
  streamerTokens: readonly string[];
  /** WORKER_HOSTS; none: workers are the bot's children. */
  workerHosts?: readonly WorkerHostEntry[];
}

export async function runDoctor(
  settings: DoctorSettings,
  env: NodeJS.ProcessEnv = process.env,
): Promise<CheckLine[]> {
  const reader = new DiscordReader({ apiBase: settings.discord.apiBase, botToken: settings.discord.token });
  const discord = async () => {
    const bot = await checkBot(reader, settings.discord);
    return [...bot.lines, ...(await checkStreamers(reader, settings.streamerTokens, bot.guilds))];
  };
  const jellyfin = async () => {
    const client = createJellyfinClient(settings.jellyfin);
    const server = await checkJellyfin(client);
    const { userName } = settings.jellyfin;
    if (server.mark !== 'ok' || userName === null) return [server];
    return [server, await checkJellyfinUser(client, userName)];
  };
  const [discordLines, jellyfinLines, ffmpeg, database, workerHosts] = await Promise.all([
    discord(),
    jellyfin(),
    checkFfmpeg(env),
    checkDatabase(settings.databasePath),
    checkWorkerHosts(settings.workerHosts ?? []),
  ]);
  return [...discordLines, ...jellyfinLines, ffmpeg, database, ...workerHosts];
}
