import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { startVoiceSim, type VoiceSim } from '../../../../sim/discord/voice/index.ts';
import { waitFor } from '../../../../sim/wait-for.ts';
import { goLive, SESSION, USER, type VoiceTestClient } from './voice-test-client.ts';

const OPUS = Buffer.from('fc0102030405060708090a0b0c0d0e0f', 'hex');

describe('voice simulator: faults and strictness', () => {
  let sim: VoiceSim;
  let clients: VoiceTestClient[];
  beforeEach(async () => {
    clients = [];
    sim = await startVoiceSim({ profile: 'orb-transport', heartbeatIntervalMs: 1000, moveGraceMs: 300 });
  });
  afterEach(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await sim.stop();
  });

  test('after a 4015 close, RESUME gets RESUMED and media keeps decrypting without a new handshake', async () => {
    const live = await goLive(sim, (client) => clients.push(client));
    live.stream.startStreaming(160, 96);
    assert.equal(sim.faults.closeConnection('stream', 4015), 1);
    await waitFor('4015 seen by the client', () => live.stream.closeCode === 4015);
    await live.stream.resume(live.streamEndpoint, {
      server_id: live.rtcServerId,
      session_id: SESSION,
      token: live.streamToken,
    });
    await waitFor('RESUMED', () => live.stream.messages.some((m) => m.op === 9));
    live.stream.sendOpus(OPUS, 960);
    await waitFor('frame after resume', () => sim.viewer.daveDecryptOk === 1);
    assert.equal(sim.sessions('stream')[0]?.resumes, 1);
    assert.deepEqual(sim.divergences, []);
  });

  test('a 4006 close ends the session: a RESUME is refused with 4006 and recorded', async () => {
    const live = await goLive(sim, (client) => clients.push(client));
    sim.faults.closeConnection('stream', 4006);
    await waitFor('4006 seen by the client', () => live.stream.closeCode === 4006);
    await live.stream.resume(live.streamEndpoint, {
      server_id: live.rtcServerId,
      session_id: SESSION,
      token: live.streamToken,
    });
    assert.equal(await waitFor('refusal', () => live.stream.closeCode), 4006);
    assert.ok(sim.divergences.some((line) => line.includes('RESUME for server_id')));
  });

  test('a repeated nonce and a clear frame while DAVE is active are recorded', async () => {
    const live = await goLive(sim, (client) => clients.push(client));
    live.stream.startStreaming(160, 96);
    live.stream.sendOpus(OPUS, 960);
    live.stream.sendOpusWithStaleNonce(OPUS, 1920);
    await new Promise((resolve) => setTimeout(resolve, 600)); // past the transition grace
    live.stream.sendClearOpus(OPUS, 2880);
    await waitFor('three audio frames', () => sim.viewer.audioFramesReceived === 3);
    assert.ok(sim.divergences.some((line) => line.startsWith('stream:nonce')));
    assert.ok(sim.divergences.some((line) => line.startsWith('stream:dave-plaintext')));
    assert.equal(sim.viewer.framesReadableWithTransportKeyAlone, 1);
  });

  test('media while paused is recorded; media after unpausing is not', async () => {
    const live = await goLive(sim, (client) => clients.push(client));
    live.stream.startStreaming(160, 96);
    sim.opHandler(live.gateway, 22, { stream_key: live.streamKey, paused: true });
    await new Promise((resolve) => setTimeout(resolve, 400));
    live.stream.sendOpus(OPUS, 960);
    await waitFor('frame while paused', () => sim.viewer.audioFramesReceived === 1);
    await new Promise((resolve) => setTimeout(resolve, 400));
    sim.opHandler(live.gateway, 22, { stream_key: live.streamKey, paused: false });
    live.stream.sendOpus(OPUS, 1920);
    await waitFor('frame after unpausing', () => sim.viewer.audioFramesReceived === 2);
    assert.deepEqual(sim.divergences, [
      'stream:media-while-paused: RTP media sent while the stream is paused (op 22 paused:true)',
    ]);
  });

  test('the viewer leaving resets the stream group; its return forms a new one the client commits', async () => {
    const live = await goLive(sim, (client) => clients.push(client));
    live.stream.startStreaming(160, 96);
    sim.faults.viewerLeavesStreams();
    await waitFor('sole-member reset', () => live.stream.messages.some((m) => m.op === 24));
    await waitFor('client no longer ready', () => live.stream.dave?.ready === false);
    const executes = live.stream.messages.filter((m) => m.op === 22).length;
    sim.faults.viewerJoinsStreams();
    await waitFor('new transition', () => live.stream.messages.filter((m) => m.op === 22).length > executes);
    await waitFor('client ready again', () => live.stream.dave?.ready);
    live.stream.sendOpus(OPUS, 960);
    await waitFor('decrypted after rejoin', () => sim.viewer.daveDecryptOk === 1);
    assert.deepEqual(sim.divergences, []);
  });

  test('an invalid commit gets op 31 and a re-initialised client rejoins through a welcome', async () => {
    const live = await goLive(sim, (client) => clients.push(client));
    live.stream.startStreaming(160, 96);
    sim.faults.daveBrokenCommit('stream');
    await waitFor(
      'rejoined through op 30',
      () => live.stream.binaryOps.includes(30) && live.stream.dave?.ready,
    );
    live.stream.sendOpus(OPUS, 960);
    await waitFor('decrypted after rejoin', () => sim.viewer.daveDecryptOk === 1);
    assert.deepEqual(sim.divergences, []);
  });

  test('after a downgrade clear media is expected; after the upgrade it is DAVE again', async () => {
    const live = await goLive(sim, (client) => clients.push(client));
    live.stream.startStreaming(160, 96);
    sim.faults.daveDowngrade('stream');
    await waitFor('downgrade executed', () => live.stream.downgraded);
    await new Promise((resolve) => setTimeout(resolve, 600));
    live.stream.sendOpus(OPUS, 960);
    await waitFor('clear frame', () => sim.viewer.framesReadableWithTransportKeyAlone === 1);
    sim.faults.daveUpgrade('stream');
    await waitFor('upgraded', () => !live.stream.downgraded && live.stream.dave?.ready);
    await waitFor('transition executed', () => live.stream.messages.filter((m) => m.op === 22).length >= 3);
    live.stream.sendOpus(OPUS, 1920);
    await waitFor('decrypted after upgrade', () => sim.viewer.daveDecryptOk === 1);
    assert.deepEqual(sim.divergences, []);
  });

  test('undecodable DAVE messages are recorded, and the simulator keeps serving', async () => {
    const live = await goLive(sim, (client) => clients.push(client));
    live.stream.ws.send(Buffer.from([26, 0, 1, 0, 2, 0xff, 0xff]));
    live.stream.ws.send(Buffer.from([28, 0, 1, 0, 1, 9, 9, 9]));
    await waitFor('both recorded', () => sim.divergences.length === 2);
    assert.ok(sim.divergences.some((line) => line.startsWith('stream:dave-key-package')));
    assert.ok(sim.divergences.some((line) => line.startsWith('stream:dave-commit')));
    live.stream.startStreaming(160, 96);
    live.stream.sendOpus(OPUS, 960);
    await waitFor('still decrypting', () => sim.viewer.daveDecryptOk === 1);
  });

  test('the protocol.md §1.4 stop sequence leaves nothing connected; media after op 19 is recorded', async () => {
    const live = await goLive(sim, (client) => clients.push(client));
    live.stream.startStreaming(160, 96);
    live.stream.sendOpus(OPUS, 960);
    await waitFor('frame', () => sim.viewer.audioFramesReceived === 1);
    live.stream.stopStreaming();
    await waitFor(
      'op 12 off seen',
      () => sim.sessions('stream')[0]?.videoActive === false && sim.sessions('stream')[0]?.speaking === 0,
    );
    sim.opHandler(live.gateway, 19, { stream_key: live.streamKey });
    assert.equal(live.gateway.latest('STREAM_DELETE')?.stream_key, live.streamKey);
    assert.deepEqual(sim.divergences, []);
    await new Promise((resolve) => setTimeout(resolve, 400));
    live.stream.sendOpus(OPUS, 1920);
    await waitFor('late frame recorded', () =>
      sim.divergences.some((line) => line.startsWith('stream:media-after-delete')),
    );
    await live.stream.close();
    sim.opHandler(live.gateway, 4, {
      guild_id: null,
      channel_id: null,
      self_mute: false,
      self_deaf: true,
      self_video: false,
    });
    await live.main.close();
    await waitFor('nothing connected', () => sim.connectedSessions().length === 0);
    assert.equal(live.gateway.latest('VOICE_STATE_UPDATE')?.channel_id, null);
  });

  test('when the viewer wins the group creation, the client joins through op 30 and its frames decrypt', async () => {
    await sim.stop();
    sim = await startVoiceSim({ profile: 'orb-transport', heartbeatIntervalMs: 1000, committer: 'viewer' });
    const live = await goLive(sim, (client) => clients.push(client));
    assert.ok(live.stream.binaryOps.includes(30), 'the client got a welcome');
    assert.ok(!live.stream.binaryOps.includes(29), 'and no commit announcement for its own join');
    live.stream.startStreaming(160, 96);
    live.stream.sendOpus(OPUS, 960);
    await waitFor('decrypted', () => sim.viewer.daveDecryptOk === 1);
    assert.deepEqual(sim.divergences, []);
  });

  test('a server move sends a new STREAM_SERVER_UPDATE; staying on the old server is recorded', async () => {
    const live = await goLive(sim, (client) => clients.push(client));
    const server = await sim.faults.moveServer('stream');
    const update = live.gateway.latest('STREAM_SERVER_UPDATE');
    assert.equal(update?.endpoint, server.endpoint);
    assert.notEqual(update?.token, live.streamToken);
    assert.equal(await waitFor('old socket closed', () => live.stream.closeCode), 4014);
    assert.ok(sim.divergences.some((line) => line.startsWith('stream:server-move')));
    assert.equal(sim.streamKeyOf(USER), live.streamKey);
  });
});
