// A restarted worker Goes Live under the same stream key as the worker that was killed, so Discord's
// STREAM_DELETE for the dead worker's stream names our key too. It must not end or refuse ours.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startVoiceSim, type VoiceSim } from '../../../sim/discord/voice/index.ts';
import { waitFor } from '../../../sim/wait-for.ts';
import { GoLiveSession } from '../../../src/worker/golive/go-live.ts';
import { guildStreamKey, MainOp } from '../../../src/worker/golive/main-gateway.ts';
import { capturedLogs } from '../../support/captured-logs.ts';
import { simMainGateway } from './sim-gateway.ts';

const USER_ID = '800000000000000031';
const GUILD_ID = '700000000000000031';
const VOICE_CHANNEL_ID = '700000000000000032';
const video = { width: 320, height: 180, fps: 30, maxBitrateKbps: 800 };
const deadWorkersStreamEnds = {
  stream_key: guildStreamKey(GUILD_ID, VOICE_CHANNEL_ID, USER_ID),
  reason: 'user_left_voice',
  unavailable: false,
};

let voice: VoiceSim;

before(async () => {
  voice = await startVoiceSim({ profile: 'orb-transport' });
});

after(async () => {
  await voice.stop();
});

/** A Go Live whose main gateway delivers the dead worker's STREAM_DELETE just before the reply to `op`. */
async function goLiveWithStaleDeleteBefore(op: number) {
  const gateway = simMainGateway(voice, USER_ID, 'main-session-of-the-new-worker');
  const send = gateway.send.bind(gateway);
  gateway.send = (sentOp, d) => {
    if (sentOp === op) gateway.inject('STREAM_DELETE', deadWorkersStreamEnds);
    send(sentOp, d);
  };
  const { logger, lines } = capturedLogs('info');
  const session = new GoLiveSession({
    gateway,
    guildId: GUILD_ID,
    voiceChannelId: VOICE_CHANNEL_ID,
    insecure: true,
    log: logger,
  });
  const fatal: Error[] = [];
  session.onFatal((error) => fatal.push(error));
  await session.open(video);
  return { session, fatal, lines };
}

describe("a killed worker's STREAM_DELETE seen by its replacement", () => {
  test('arriving after op 18 and before our STREAM_CREATE, it does not read as a refusal', async () => {
    const { session, fatal } = await goLiveWithStaleDeleteBefore(MainOp.streamCreate);
    assert.equal(session.status, 'live');
    assert.equal(session.stats().recoveries, 0);
    await session.close('done');
    assert.deepEqual(fatal, []);
    await waitFor('nothing connected', () => voice.connectedSessions().length === 0, 15_000);
  });

  test('arriving before op 18, it is not taken for the end of our stream in the log', async () => {
    const { session, fatal, lines } = await goLiveWithStaleDeleteBefore(MainOp.voiceStateUpdate);
    assert.equal(session.status, 'live');
    assert.deepEqual(
      lines.filter((line) => line.msg === 'STREAM_DELETE'),
      [],
      'an operator reading the log sees no STREAM_DELETE warning for a stream that was not ours',
    );
    await session.close('done');
    assert.deepEqual(fatal, []);
    await waitFor('nothing connected', () => voice.connectedSessions().length === 0, 15_000);
  });

  test('a STREAM_DELETE that stands after op 18 is still a refusal', async () => {
    const gateway = simMainGateway(voice, USER_ID, 'main-session-refused');
    const send = gateway.send.bind(gateway);
    gateway.send = (op, d) => {
      // Discord answers this op 18 with a STREAM_DELETE alone: no stream is created.
      if (op === MainOp.streamCreate) {
        gateway.inject('STREAM_DELETE', { ...deadWorkersStreamEnds, reason: 'unauthorized' });
        return;
      }
      send(op, d);
    };
    const session = new GoLiveSession({
      gateway,
      guildId: GUILD_ID,
      voiceChannelId: VOICE_CHANNEL_ID,
      insecure: true,
      log: capturedLogs('silent').logger,
    });
    await assert.rejects(session.open(video), /Discord refused the stream \(unauthorized\)/);
    await waitFor('nothing connected', () => voice.connectedSessions().length === 0, 15_000);
  });
});
