// The Discord simulator speaks enough Discord for the real clients: discord.js logs in and sees the
// guild, voice states and interactions; the real selfbot logs in with a user token and its op 4
// reaches an op handler the voice side registers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, GatewayIntentBits } from 'discord.js';
import { Client as SelfbotClient } from 'discord.js-selfbot-v13';
import { type DiscordSim, startDiscordSim } from '../../../sim/discord/index.ts';

describe('sim/discord', () => {
  let sim: DiscordSim;
  let bot: Client;

  before(async () => {
    sim = await startDiscordSim();
    bot = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates],
      rest: { api: sim.apiBase, retries: 0 },
    });
    await bot.login(sim.botToken);
    if (!bot.isReady()) await new Promise((resolve) => bot.once('clientReady', resolve));
  });

  after(async () => {
    await bot.destroy();
    await sim.stop();
  });

  test('the bot sees the guild, its channels and who joins voice', async () => {
    const guild = bot.guilds.cache.get(sim.guildId);
    assert.ok(guild, 'guild cached');
    assert.equal(guild.channels.cache.get(sim.voiceChannel.id)?.name, 'Cinema');
    const alice = sim.addUser({ username: 'alice' });
    const joined = new Promise((resolve) => bot.once('voiceStateUpdate', resolve));
    sim.joinVoice(alice.id, sim.voiceChannel.id);
    await joined;
    assert.equal(guild.voiceStates.cache.get(alice.id)?.channelId, sim.voiceChannel.id);
  });

  test('a channel message is stored as users see it, and unknown routes are recorded as 404', async () => {
    const channel = bot.channels.cache.get(sim.textChannel.id);
    assert.ok(channel?.isSendable());
    const sent = await channel.send({ content: 'hello', embeds: [{ title: 'Now playing' }] });
    const edited = await sent.edit({ content: 'hello again' });
    assert.equal(edited.content, 'hello again');
    const stored = sim.messages.inChannel(sim.textChannel.id);
    assert.deepEqual(
      stored.map((message) => [message.content, message.embeds[0]?.title]),
      [['hello again', 'Now playing']],
    );
    await assert.rejects(bot.rest.get('/no-such-route'));
    assert.equal(sim.rest.unmatched().at(-1)?.path, '/no-such-route');
  });

  test('a payload over Discord limits is refused like Discord does', async () => {
    const channel = bot.channels.cache.get(sim.textChannel.id);
    assert.ok(channel?.isSendable());
    await assert.rejects(channel.send({ content: 'x'.repeat(2001) }), /2000 or fewer/);
  });

  test('interaction replies: withResponse, a file in multipart, @original edits and follow-ups', async () => {
    await bot.application?.commands.set(
      [{ name: 'ping', description: 'Answers', options: [{ type: 3, name: 'word', description: 'A word' }] }],
      sim.guildId,
    );
    bot.once('interactionCreate', async (interaction) => {
      if (!interaction.isChatInputCommand()) return;
      const response = await interaction.reply({
        content: `pong ${interaction.options.getString('word')}`,
        files: [{ attachment: Buffer.from('poster'), name: 'poster.txt' }],
        withResponse: true,
      });
      await interaction.editReply({ content: `edited after ${response.resource?.message?.content}` });
      await interaction.followUp({ content: 'and a follow-up', flags: 64 });
    });
    const alice = sim.addUser({ username: 'alice-ping' });
    const ping = sim.interactions.command({ user: alice }, 'ping', null, { word: 'hi' });
    const callback = await ping.response();
    assert.equal(callback.query.with_response, 'true');
    assert.deepEqual(
      callback.files.map((file) => file.name),
      ['poster.txt'],
    );
    await sim.messages.waitFor((message) => message.content === 'edited after pong hi');
    await sim.rest.waitFor((call) => call.route === 'POST /webhooks/:app/:token' && call.status === 200);
    assert.deepEqual(
      ping.followUps().map((message) => [message.content, message.flags]),
      [['and a follow-up', 64]],
    );
    assert.throws(
      () => sim.interactions.command({ user: alice }, 'ping', null, { nope: 'x' }),
      /no option "nope"/,
    );
  });

  test('the selfbot logs in with a user token and its op 4 reaches a registered op handler', async () => {
    const streamer = sim.addUser({ username: 'streamer', token: 'streamer-user-token-1' });
    const seen: { op: number; userId: string; channelId: unknown }[] = [];
    const removeHandler = sim.gateway.addOpHandler((client, op, data) => {
      if (op !== 4) return false;
      seen.push({ op, userId: client.userId, channelId: (data as { channel_id?: unknown }).channel_id });
      return true;
    });
    const selfbot = new SelfbotClient({
      http: { api: sim.apiBase, agent: { uri: sim.baseUrl, proxyTunnel: false } },
      restRequestTimeout: 3_000,
    });
    try {
      await selfbot.login(streamer.token);
      assert.equal(selfbot.user?.id, streamer.id);
      const botSawStreamer = new Promise((resolve) =>
        bot.on('voiceStateUpdate', (_old, state) => state.id === streamer.id && resolve(state.channelId)),
      );
      // joinChannel waits for VOICE_SERVER_UPDATE, which only the voice side sends; op 4 is what counts.
      selfbot.ws.broadcast({
        op: 4,
        d: {
          guild_id: sim.guildId,
          channel_id: sim.voiceChannel.id,
          self_mute: false,
          self_deaf: true,
          self_video: false,
        },
      });
      await sim.gateway.waitForOp(4, (frame) => frame.userId === streamer.id);
      assert.deepEqual(seen, [{ op: 4, userId: streamer.id, channelId: sim.voiceChannel.id }]);
      assert.equal(await botSawStreamer, sim.voiceChannel.id);
      assert.deepEqual(
        sim.rest.unmatched().filter((call) => call.authUserId === streamer.id),
        [],
      );
    } finally {
      removeHandler();
      selfbot.destroy();
    }
  });
});

describe('sim/discord fault injection', () => {
  test('after op 7 RECONNECT the bot resumes its session and still receives dispatches', async () => {
    const sim = await startDiscordSim();
    const bot = new Client({
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates],
      rest: { api: sim.apiBase, retries: 0 },
    });
    try {
      await bot.login(sim.botToken);
      if (!bot.isReady()) await new Promise((resolve) => bot.once('clientReady', resolve));
      sim.gateway.requestReconnect({ kind: 'bot' });
      const resume = await sim.gateway.waitForOp(6, () => true, 10_000);
      assert.equal((resume.data as { token?: string }).token, sim.botToken);
      const alice = sim.addUser({ username: 'alice' });
      const joined = new Promise((resolve) =>
        bot.once('voiceStateUpdate', (_old, state) => resolve(state.channelId)),
      );
      sim.joinVoice(alice.id, sim.voiceChannel.id);
      assert.equal(await joined, sim.voiceChannel.id);
    } finally {
      await bot.destroy();
      await sim.stop();
    }
  });
});
