import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startVoiceSim, type VoiceSim } from '../../../../sim/discord/voice/index.ts';
import { ntpToUnixMs } from '../../../../sim/discord/voice/media-receiver.ts';
import { waitFor } from '../../../../sim/wait-for.ts';
import { resolveFfmpeg } from '../../../../src/media/ffmpeg-binary.ts';
import {
  CHANNEL,
  FakeGatewayClient,
  GUILD,
  goLive,
  joinVoice,
  SESSION,
  USER,
  VoiceTestClient,
} from './voice-test-client.ts';

const OPUS_FRAME = Buffer.from('fc0102030405060708090a0b0c0d0e0f', 'hex');

describe('voice simulator: main gateway events', () => {
  let sim: VoiceSim;
  before(async () => {
    sim = await startVoiceSim({ profile: 'orb-transport' });
  });
  after(() => sim.stop());

  test('op 4, 18, 22 and 19 are answered with the dispatches of protocol.md §1', () => {
    const client = new FakeGatewayClient(USER, SESSION);
    joinVoice(sim, client);
    const state = client.latest('VOICE_STATE_UPDATE');
    assert.equal(state?.user_id, USER);
    assert.equal(state?.session_id, SESSION);
    assert.equal(state?.channel_id, CHANNEL);
    const server = client.latest('VOICE_SERVER_UPDATE');
    assert.equal(server?.guild_id, GUILD);
    assert.match(String(server?.endpoint), /^127\.0\.0\.1:\d+$/);
    assert.equal(typeof server?.token, 'string');

    sim.opHandler(client, 18, {
      type: 'guild',
      guild_id: GUILD,
      channel_id: CHANNEL,
      preferred_region: null,
    });
    const created = client.latest('STREAM_CREATE');
    const streamKey = `guild:${GUILD}:${CHANNEL}:${USER}`;
    assert.equal(created?.stream_key, streamKey);
    assert.equal(BigInt(String(created?.rtc_channel_id)), BigInt(String(created?.rtc_server_id)) - 1n);
    const streamServer = client.latest('STREAM_SERVER_UPDATE');
    assert.equal(streamServer?.stream_key, streamKey);
    assert.notEqual(streamServer?.endpoint, server?.endpoint);
    assert.notEqual(streamServer?.token, server?.token);
    assert.equal(client.latest('VOICE_STATE_UPDATE')?.self_stream, true);

    sim.opHandler(client, 22, { stream_key: streamKey, paused: true });
    assert.equal(client.latest('STREAM_UPDATE')?.paused, true);
    assert.equal(sim.isPaused(USER), true);

    sim.opHandler(client, 19, { stream_key: streamKey });
    assert.equal(client.latest('STREAM_DELETE')?.stream_key, streamKey);
    assert.equal(sim.streamKeyOf(USER), null);
    assert.equal(client.latest('VOICE_STATE_UPDATE')?.self_stream, false);
  });

  test('a wrong stream key and a malformed op 4 are recorded as divergences', () => {
    const client = new FakeGatewayClient('444444444444444444', 'other-session');
    joinVoice(sim, client);
    sim.opHandler(client, 22, { stream_key: 'guild:1:2:3', paused: false });
    sim.opHandler(client, 4, { guild_id: GUILD, channel_id: 42 });
    assert.ok(sim.divergences.some((line) => line.startsWith('gateway:op22')));
    assert.ok(sim.divergences.some((line) => line.includes('channel_id')));
  });
});

describe('voice simulator: voice gateway', () => {
  let sim: VoiceSim;
  let outputDir: string;
  const clients: VoiceTestClient[] = [];
  before(async () => {
    outputDir = mkdtempSync(join(tmpdir(), 'voice-sim-'));
    sim = await startVoiceSim({ profile: 'orb-transport', heartbeatIntervalMs: 1000, outputDir });
  });
  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await sim.stop();
    rmSync(outputDir, { recursive: true, force: true });
  });

  async function connect(endpoint: string, daveChannel: string): Promise<VoiceTestClient> {
    const client = new VoiceTestClient(endpoint, USER, daveChannel);
    clients.push(client);
    await client.open();
    return client;
  }

  test('IDENTIFY with a wrong token or session_id is refused and recorded', async () => {
    const gateway = new FakeGatewayClient(USER, SESSION);
    joinVoice(sim, gateway);
    const server = gateway.latest('VOICE_SERVER_UPDATE')!;
    const wrongToken = await connect(String(server.endpoint), CHANNEL);
    wrongToken.identify({ server_id: GUILD, user_id: USER, session_id: SESSION, token: 'not-the-token' });
    assert.equal(await waitFor('close', () => wrongToken.closeCode), 4004);
    const wrongSession = await connect(String(server.endpoint), CHANNEL);
    wrongSession.identify({
      server_id: GUILD,
      user_id: USER,
      session_id: 'stale',
      token: String(server.token),
    });
    assert.equal(await waitFor('close', () => wrongSession.closeCode), 4006);
    assert.ok(sim.divergences.some((line) => line.includes('token is not the token')));
    assert.ok(sim.divergences.some((line) => line.includes('session_id is not the main gateway session id')));
  });

  test('a client that offers no DAVE is refused with 4017', async () => {
    const gateway = new FakeGatewayClient(USER, SESSION);
    joinVoice(sim, gateway);
    const server = gateway.latest('VOICE_SERVER_UPDATE')!;
    const client = await connect(String(server.endpoint), CHANNEL);
    client.identify({
      server_id: GUILD,
      user_id: USER,
      session_id: SESSION,
      token: String(server.token),
      max_dave_protocol_version: 0,
    });
    assert.equal(await waitFor('close', () => client.closeCode), 4017);
  });

  test('IP discovery answers, the DAVE group forms, and the viewer decrypts what the client sent', async () => {
    const before = sim.divergences.length;
    const { main, stream } = await goLive(sim, (client) => clients.push(client));
    assert.deepEqual(main.discovered, { address: '127.0.0.1', port: main.discovered?.port });
    assert.deepEqual(
      stream.binaryOps.slice(0, 3),
      [25, 27, 29],
      'op 25, Add(viewer), then its own commit announced',
    );

    const accessUnit = execFileSync(resolveFfmpeg(), [
      ...['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=160x96:rate=1'],
      ...['-frames:v', '1', '-c:v', 'libx264', '-bf', '0', '-pix_fmt', 'yuv420p', '-f', 'h264', '-'],
    ]);
    stream.startStreaming(160, 96);
    stream.sendOpus(OPUS_FRAME, 960);
    stream.sendH264(accessUnit, 3000);
    stream.sendSenderReport('audio', 960, 1, OPUS_FRAME.length);
    await waitFor(
      'viewer frames',
      () => sim.viewer.videoFramesReceived === 1 && sim.viewer.audioFramesReceived === 1,
    );

    const report = await waitFor('sender report', () => sim.senderReports()[0]);
    assert.equal(report.ssrc, stream.ready?.ssrc);
    assert.equal(report.rtpTimestamp, 960);
    assert.equal(report.octetCount, OPUS_FRAME.length);
    const senderTime = sim.senderTimeMs(report.ssrc, 960 + 48_000);
    assert.equal(senderTime, ntpToUnixMs(report) + 1000, 'a second of RTP later is a second later');
    assert.equal(sim.viewer.videoFrames[0]?.outputPosition, 0);
    assert.equal(sim.viewer.daveDecryptOk, 2);
    assert.equal(sim.viewer.daveDecryptFailed, 0);
    assert.equal(sim.viewer.framesReadableWithTransportKeyAlone, 0);
    assert.deepEqual(sim.viewer.lastVideoSize, { width: 160, height: 96 });
    assert.deepEqual(sim.divergences.slice(before), []);

    await sim.stop();
    const written = readFileSync(join(outputDir, 'video.h264'));
    assert.ok(
      written.includes(accessUnit.subarray(accessUnit.length - 64)),
      'the decrypted access unit is in video.h264',
    );
    const transportOnly = readFileSync(join(outputDir, 'video-transport-only.h264'));
    assert.ok(
      !transportOnly.includes(accessUnit.subarray(accessUnit.length - 64)),
      'the transport key alone does not reveal the frame',
    );
  });
});
