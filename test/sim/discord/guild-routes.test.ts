// The simulator answers the guild and application reads as Discord does: 401 for a token it does
// not know, 403 Missing Access for a guild the caller is not in, 404 with Discord's code for an
// unknown guild or member, and channels that carry their permission overwrites.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type DiscordSim, permissionBits, startDiscordSim } from '../../../sim/discord/index.ts';

describe('sim/discord guild routes', () => {
  let sim: DiscordSim;
  before(async () => {
    sim = await startDiscordSim();
  });
  after(async () => {
    await sim.stop();
  });

  const get = async (path: string, authorization?: string) => {
    const response = await fetch(`${sim.apiBase}/v10${path}`, {
      headers: authorization ? { authorization } : {},
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const bot = () => `Bot ${sim.botToken}`;

  test('the application and the guilds of a token', async () => {
    assert.equal((await get('/applications/@me', bot())).body.id, sim.applicationId);
    assert.equal((await get('/applications/@me', 'Bot wrong')).status, 401);
    const streamer = sim.addUser({ username: 'streamer', token: 'streamer-token' });
    const guilds = await get('/users/@me/guilds', streamer.token);
    assert.deepEqual(
      (guilds.body as unknown as { id: string }[]).map((guild) => guild.id),
      [sim.guildId],
    );
  });

  test('a guild, its members and its channels with overwrites', async () => {
    const guild = await get(`/guilds/${sim.guildId}`, bot());
    assert.equal(guild.status, 200);
    assert.equal(guild.body.owner_id, sim.world.owner.id);
    assert.equal(guild.body.channels, undefined, 'the REST guild object has no channel list');

    sim.world.setOverwrite(sim.voiceChannel.id, {
      id: sim.guildId,
      type: 'role',
      allow: 0n,
      deny: permissionBits.stream,
    });
    const channels = (await get(`/guilds/${sim.guildId}/channels`, bot())).body as unknown as {
      id: string;
      permission_overwrites: unknown[];
    }[];
    assert.deepEqual(channels.find((channel) => channel.id === sim.voiceChannel.id)?.permission_overwrites, [
      { id: sim.guildId, type: 0, allow: '0', deny: String(permissionBits.stream) },
    ]);

    const stranger = sim.addUser({ username: 'stranger', token: 'stranger-token', member: false });
    assert.equal((await get(`/guilds/${sim.guildId}/members/${stranger.id}`, bot())).body.code, 10007);
    assert.equal((await get(`/guilds/${sim.guildId}`, stranger.token)).body.code, 50001);
    assert.equal((await get('/guilds/1234567890123456789', bot())).body.code, 10004);
    assert.equal((await get(`/guilds/${sim.guildId}`)).status, 401);
  });
});
