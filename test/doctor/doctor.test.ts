// `npm run doctor` as an operator runs it: the real CLI (`node src/main.ts doctor`) against the
// Discord and Jellyfin simulators. Each broken setting shows up as a ✗ line that names the setting
// and says what to do, the exit code is 1, and no secret's value is ever printed. `start` runs the
// same checks and keeps watch parties closed on a fatal one; `register-commands` names the setting.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type DiscordSim, permissionBits, startDiscordSim } from '../../sim/discord/index.ts';
import { type JellyfinSim, startJellyfinSim } from '../../sim/jellyfin/server.ts';

const mainEntry = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const secret = () => randomBytes(24).toString('base64url');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], env: Record<string, string>, cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [mainEntry, ...args],
      { env, cwd, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The table's line for one check: its mark, what was found and the fix below it. */
function lineOf(output: string, check: string): string {
  const rows = output.split('\n');
  const at = rows.findIndex((row) => row.slice(2).startsWith(check));
  assert.ok(at >= 0, `no "${check}" line in:\n${output}`);
  const fix = rows[at + 1]?.trimStart().startsWith('→') ? `\n${rows[at + 1]}` : '';
  return `${rows[at]}${fix}`;
}

describe('npm run doctor', { timeout: 120_000 }, () => {
  let discord: DiscordSim;
  let jellyfin: JellyfinSim;
  let workDir: string;
  let env: Record<string, string>;
  const streamerTokens = [secret(), secret()];
  const streamers: string[] = [];

  before(async () => {
    [discord, jellyfin] = await Promise.all([startDiscordSim(), startJellyfinSim({ library: 'empty' })]);
    workDir = mkdtempSync(join(tmpdir(), 'orb-doctor-'));
    for (const [index, token] of streamerTokens.entries()) {
      streamers.push(discord.addUser({ username: `streamer-${index + 1}`, token }).id);
    }
    env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? workDir,
      ...(process.env.FFMPEG_PATH ? { FFMPEG_PATH: process.env.FFMPEG_PATH } : {}),
      DATABASE_PATH: join(workDir, 'orb.sqlite'),
      DISCORD_TOKEN: discord.botToken,
      DISCORD_APPLICATION_ID: discord.applicationId,
      DISCORD_GUILD_ID: discord.guildId,
      DISCORD_API_BASE: discord.baseUrl,
      STREAMER_TOKENS: streamerTokens.join(','),
      JELLYFIN_URL: jellyfin.url,
      JELLYFIN_API_KEY: jellyfin.apiKey,
      API_TOKENS: secret(),
      HTTP_PORT: '0',
    };
  });
  after(async () => {
    await Promise.all([discord?.stop(), jellyfin?.stop()]);
    rmSync(workDir, { recursive: true, force: true });
  });

  /** Runs the CLI with some settings changed; asserts no secret of either environment is printed. */
  async function run(args: string[], changes: Record<string, string> = {}): Promise<Run> {
    const changed = { ...env, ...changes };
    const result = await runCli(args, changed, workDir);
    const output = `${result.stdout}\n${result.stderr}`;
    const secrets = [changed, env].flatMap((values) =>
      ['DISCORD_TOKEN', 'JELLYFIN_API_KEY', 'API_TOKENS', 'STREAMER_TOKENS'].flatMap((name) =>
        (values[name] ?? '').split(','),
      ),
    );
    for (const value of secrets) assert.ok(!output.includes(value), 'a secret value was printed');
    assert.ok(!output.includes(discord.baseUrl) && !output.includes(jellyfin.url), 'an address was printed');
    return result;
  }

  test('all good: every line ✓ and exit 0, as a table and as one JSON object', async () => {
    const table = await run(['doctor']);
    assert.equal(table.code, 0, table.stdout + table.stderr);
    const rows = table.stdout.trim().split('\n');
    for (const row of rows) assert.match(row, /^✓ /);
    for (const check of [
      'Discord bot',
      'Application id',
      'Server',
      'Bot in Movie Night',
      'Streaming account 1',
      'Streaming account 2',
      'Jellyfin',
      'ffmpeg',
      'Database',
    ]) {
      lineOf(table.stdout, check);
    }
    assert.match(
      lineOf(table.stdout, 'Streaming account 1'),
      /streamer-1: may Go Live in 2 of 2 voice channels/,
    );
    assert.match(lineOf(table.stdout, 'Jellyfin'), /Orb Jellyfin Simulator, version 12\.0\.0/);

    const json = await run(['doctor', '--json']);
    assert.equal(json.code, 0);
    const parsed = JSON.parse(json.stdout) as { ok: boolean; checks: { check: string; mark: string }[] };
    assert.equal(parsed.ok, true);
    assert.deepEqual(
      parsed.checks.map((check) => check.mark),
      parsed.checks.map(() => 'ok'),
    );
  });

  test('a wrong Jellyfin key', async () => {
    const result = await run(['doctor'], { JELLYFIN_API_KEY: secret() });
    assert.equal(result.code, 1);
    assert.match(lineOf(result.stdout, 'Jellyfin'), /^✗ .*refused JELLYFIN_API_KEY.*\n\s+→ .*API Keys/);
    assert.match(result.stderr, /1 check failed/);
  });

  test('JELLYFIN_USER: a known name is checked, an unknown one fails and says which users exist', async () => {
    const known = await run(['doctor'], { JELLYFIN_USER: 'MovieNight' });
    assert.equal(known.code, 0, known.stdout + known.stderr);
    assert.match(lineOf(known.stdout, 'Jellyfin user'), /^✓ Jellyfin user +MovieNight: parties share/);
    const unknown = await run(['doctor'], { JELLYFIN_USER: 'nobody' });
    assert.equal(unknown.code, 1);
    assert.match(
      lineOf(unknown.stdout, 'Jellyfin user'),
      /^✗ Jellyfin user +.*no user by that name \(it has: movienight, alice\).*\n\s+→ Set JELLYFIN_USER/,
    );
  });

  test('a bad bot token', async () => {
    const result = await run(['doctor'], { DISCORD_TOKEN: secret() });
    assert.equal(result.code, 1);
    assert.match(
      lineOf(result.stdout, 'Discord bot'),
      /^✗ .*Discord refused DISCORD_TOKEN.*\n\s+→ .*Reset Token/,
    );
    assert.doesNotMatch(result.stdout + result.stderr, /^\s+at /m, 'no stack trace');
  });

  test('a bad streaming token is named by its place in STREAMER_TOKENS', async () => {
    const result = await run(['doctor'], { STREAMER_TOKENS: `${streamerTokens[0]},${secret()}` });
    assert.equal(result.code, 1);
    assert.match(lineOf(result.stdout, 'Streaming account 1'), /^✓ /);
    assert.match(
      lineOf(result.stdout, 'Streaming account 2'),
      /^✗ .*Discord refused entry 2 of STREAMER_TOKENS.*\n\s+→ .*copy its token again/,
    );
  });

  test('a streaming account that is not in the server', async () => {
    const stranger = secret();
    discord.addUser({ username: 'stranger', token: stranger, member: false });
    const result = await run(['doctor'], { STREAMER_TOKENS: stranger });
    assert.equal(result.code, 1);
    assert.match(
      lineOf(result.stdout, 'Streaming account 1'),
      /^✗ .*stranger: not a member of Movie Night.*\n\s+→ Invite stranger to Movie Night/,
    );
  });

  test('missing permissions: Video in the voice channels, Send Messages for the bot', async () => {
    const voices = discord.world.guild.channels.filter((channel) => channel.kind === 'voice');
    const everyone = discord.guildId;
    const deny = (channelId: string, bits: bigint) =>
      discord.world.setOverwrite(channelId, { id: everyone, type: 'role', allow: 0n, deny: bits });
    for (const voice of voices) deny(voice.id, permissionBits.stream);
    deny(discord.textChannel.id, permissionBits.sendMessages);
    try {
      const result = await run(['doctor']);
      assert.equal(result.code, 1);
      assert.match(
        lineOf(result.stdout, 'Streaming account 1'),
        /^✗ .*may not Go Live in any voice channel of Movie Night \(missing Video\).*\n\s+→ Allow/,
      );
      assert.match(
        lineOf(result.stdout, 'Bot in Movie Night'),
        /^✗ .*may not post panels in any text channel \(missing Send Messages\)/,
      );

      // One voice channel allowed again: the account works there, so the line warns and names the other.
      deny(voices[0]?.id ?? '', 0n);
      const partly = await run(['doctor']);
      assert.match(
        lineOf(partly.stdout, 'Streaming account 1'),
        /^⚠ .*may Go Live in 1 of 2 voice channels of Movie Night; not in Lounge \(missing Video\)/,
      );
    } finally {
      for (const channel of [...voices, discord.textChannel]) deny(channel.id, 0n);
    }
  });

  test('an ffmpeg without libx264', async () => {
    const stub = join(workDir, 'ffmpeg-without-x264');
    writeFileSync(
      stub,
      '#!/bin/sh\necho "Encoders:"\necho " V....D mpeg4                MPEG-4 part 2"\necho " A..... libopus              libopus Opus"\n',
    );
    chmodSync(stub, 0o755);
    const result = await run(['doctor'], { FFMPEG_PATH: stub });
    assert.equal(result.code, 1);
    assert.match(lineOf(result.stdout, 'ffmpeg'), /^✗ .*no libx264 encoder.*\n\s+→ .*FFMPEG_PATH/);
  });

  test('start with a bad Jellyfin key keeps watch parties closed and says why', async () => {
    const result = await run(['start'], { JELLYFIN_API_KEY: secret() });
    assert.equal(result.code, 1);
    assert.match(lineOf(result.stderr, 'Jellyfin'), /^✗ .*refused JELLYFIN_API_KEY/);
    assert.match(result.stderr, /Watch parties stay closed/);
    assert.doesNotMatch(result.stdout + result.stderr, /watch parties are open|JSON API listening/);
  });

  test('register-commands with a bad bot token names DISCORD_TOKEN, without a stack', async () => {
    const result = await run(['register-commands'], { DISCORD_TOKEN: secret() });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /DISCORD_TOKEN was refused by Discord \(401 Unauthorized\).*Reset Token/);
    assert.doesNotMatch(result.stderr, /^\s+at /m);
  });
});
