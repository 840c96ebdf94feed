// The whole chain with the real selfbot: discord.js-selfbot-v13 logs the streaming account into the
// simulated Discord (http.api + http.agent), our ops go over its
// main gateway to the simulator's voice side, and the stream preview goes over its REST client.
// One simulated Discord per file: the selfbot pins its first REST origin per process (pitfall 2).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { startDiscordSim } from '../../../sim/discord/index.ts';
import { startVoiceSim } from '../../../sim/discord/voice/index.ts';
import { waitFor } from '../../../sim/wait-for.ts';
import { createLogger } from '../../../src/logger.ts';
import { createGoLiveSink } from '../../../src/worker/golive/index.ts';
import { posterPng } from './clip.ts';

test('the selfbot joins, goes live, uploads the preview and leaves cleanly', async () => {
  const discord = await startDiscordSim();
  const voice = await startVoiceSim({ profile: 'orb-transport' });
  const removeHandler = discord.gateway.addOpHandler(voice.opHandler);
  const streamer = discord.addUser({ username: 'streamer', token: 'streamer-token-0123456789' });
  const previews: Array<{ path: string; thumbnail: unknown }> = [];
  discord.rest.route('POST', '/streams/:key/preview', (request) => {
    previews.push({
      path: request.path,
      thumbnail: (request.body as { thumbnail?: unknown } | null)?.thumbnail,
    });
    return { status: 204 };
  });
  const poster = posterPng(200, 300);
  const posterServer = createServer((_request, response) => response.end(poster)).listen(0, '127.0.0.1');
  await once(posterServer, 'listening');
  const posterUrl = `http://127.0.0.1:${(posterServer.address() as { port: number }).port}/poster.png`;

  const sink = createGoLiveSink({
    token: streamer.token,
    guildId: discord.guildId,
    voiceChannelId: discord.voiceChannel.id,
    logger: createLogger({ level: 'silent' }),
    apiBase: discord.baseUrl,
  });
  const video = { width: 640, height: 360, fps: 30, maxBitrateKbps: 2000 };
  try {
    await sink.open(video);
    assert.equal(
      voice.streamKeyOf(streamer.id),
      `guild:${discord.guildId}:${discord.voiceChannel.id}:${streamer.id}`,
    );
    assert.equal(voice.connectedSessions().length, 2, 'voice and stream connections are up');
    await sink.beginItem({ title: 'Poster test', posterUrl }, video);
    await waitFor('the preview upload', () => previews.length > 0);
    assert.equal(previews.length, 1);
    assert.equal(previews[0]!.path, `/streams/${voice.streamKeyOf(streamer.id)}/preview`);
    assert.match(String(previews[0]!.thumbnail), /^data:image\/jpeg;base64,/);
    await sink.close('test over');
    await waitFor('every connection to close', () => voice.connectedSessions().length === 0);
    assert.deepEqual(voice.divergences, []);
  } finally {
    await sink.close('test over');
    removeHandler();
    posterServer.closeAllConnections();
    posterServer.close();
    await voice.stop();
    await discord.stop();
  }
});
