// The Go Live's life as its owner sees it, against the simulator: every step is a state change
// (starting, live, recovering with its cause, closing, closed with how it ended), a recovery goes
// back to live, and a failure ends in `closed` with the error that onFatal reports, once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startVoiceSim, type VoiceSim } from '../../../sim/discord/voice/index.ts';
import { waitFor } from '../../../sim/wait-for.ts';
import { createLogger } from '../../../src/logger.ts';
import { GoLiveSession, type GoLiveState } from '../../../src/worker/golive/go-live.ts';
import { MainOp } from '../../../src/worker/golive/main-gateway.ts';
import { type SimMainGateway, simMainGateway } from './sim-gateway.ts';

const USER_ID = '800000000000000021';
const GUILD_ID = '700000000000000021';
const VOICE_CHANNEL_ID = '700000000000000022';
const video = { width: 320, height: 180, fps: 30, maxBitrateKbps: 800 };
const log = createLogger({ level: process.env.GOLIVE_TEST_LOG ?? 'silent', pretty: false });

/** A state as a line the assertions can compare: the status, and its cause or its end. */
function describeState(state: GoLiveState): string {
  switch (state.status) {
    case 'recovering':
      return `recovering (${state.cause.kind}: ${state.cause.reason})`;
    case 'closing':
    case 'closed':
      return `${state.status} (${state.end.kind === 'closed' ? state.end.reason : state.end.error.message})`;
    default:
      return state.status;
  }
}

let voice: VoiceSim;

before(async () => {
  voice = await startVoiceSim({ profile: 'orb-transport' });
});

after(async () => {
  await voice.stop();
});

async function goLive(
  gateway: SimMainGateway = simMainGateway(voice, USER_ID),
): Promise<{ session: GoLiveSession; seen: string[]; fatal: Error[] }> {
  const session = new GoLiveSession({
    gateway,
    guildId: GUILD_ID,
    voiceChannelId: VOICE_CHANNEL_ID,
    insecure: true,
    log,
  });
  const seen: string[] = [];
  const fatal: Error[] = [];
  session.on('stateChange', (from, to) => {
    // A queued recovery taking over is a step too, though the status stays `recovering`.
    const nextCause = from.status === 'recovering' && to.status === 'recovering' && from.cause !== to.cause;
    if (from.status !== to.status || nextCause) seen.push(describeState(to));
  });
  session.onFatal((error) => fatal.push(error));
  await session.open(video);
  return { session, seen, fatal };
}

describe('Go Live states', () => {
  test('starting, live, recovering from a server move with its cause, live again, closing, closed', async () => {
    const { session, seen, fatal } = await goLive();
    assert.equal(session.status, 'live');
    const firstStream = session.state.status === 'live' ? session.state.stream : null;
    assert.ok(firstStream, 'the live state holds the stream connection');

    await voice.faults.moveServer('stream');
    await waitFor('a recovery and back to live', () => seen.length > 2 && session.status === 'live', 15_000);
    assert.equal(firstStream.status, 'closed', 'the replaced stream connection was left');

    await session.close('the party is over');
    assert.deepEqual(seen, [
      'starting',
      'live',
      'recovering (stream: stream server moved (new STREAM_SERVER_UPDATE))',
      'live',
      'closing (the party is over)',
      'closed (the party is over)',
    ]);
    assert.deepEqual(fatal, [], 'a close is no failure');
    assert.equal(session.stats().status, 'closed');
    await waitFor('nothing connected', () => voice.connectedSessions().length === 0, 15_000);
  });

  test('both connections lost at once recover one after the other, each once, then live again', async () => {
    const { session, seen, fatal } = await goLive();
    // 4006: the session is spent, so each connection asks for a fresh one (protocol.md §2.5).
    assert.equal(voice.faults.closeConnection('voice', 4006), 1);
    assert.equal(voice.faults.closeConnection('stream', 4006), 1);
    await waitFor('both recovered', () => seen.at(-1) === 'live' && seen.length > 3, 15_000);
    const steps = seen.map((line) => line.replace(/^(recovering \([\w-]+): .*\)$/, '$1)'));
    // Whichever close the client reads first recovers first; the other waits its turn.
    assert.deepEqual(
      [...steps.slice(0, 2), ...steps.slice(2, 4).sort(), ...steps.slice(4)],
      ['starting', 'live', 'recovering (stream)', 'recovering (voice)', 'live'],
    );
    assert.equal(session.stats().recoveries, 2);
    await session.close('done');
    assert.deepEqual(fatal, []);
    await waitFor('nothing connected', () => voice.connectedSessions().length === 0, 15_000);
  });

  test('a seventh recovery within ten minutes gives up instead, with the last cause in the error', async () => {
    const { session, fatal } = await goLive();
    for (let recovery = 1; recovery <= 6; recovery += 1) {
      assert.equal(voice.faults.closeConnection('stream', 4006), 1);
      await waitFor(`recovery ${recovery}`, () => session.stats().recoveries === recovery, 15_000);
      await waitFor(`live after recovery ${recovery}`, () => session.status === 'live', 15_000);
    }
    assert.equal(voice.faults.closeConnection('stream', 4006), 1);
    await waitFor('the Go Live to close', () => session.status === 'closed', 15_000);
    assert.equal(fatal.length, 1);
    assert.match(fatal[0]!.message, /^gave up after 6 reconnects within 10 minutes \(last: .+\)$/);
    await waitFor('nothing connected', () => voice.connectedSessions().length === 0, 15_000);
  });

  test('a kick ends in closed with its error, reported to onFatal once, and nothing is held', async () => {
    const { session, seen, fatal } = await goLive();
    voice.faults.kick(USER_ID);
    await waitFor('the Go Live to close', () => session.status === 'closed', 15_000);
    const reason =
      'the streaming account was disconnected from the voice channel (kicked or the channel went away)';
    assert.deepEqual(seen, ['starting', 'live', `closing (${reason})`, `closed (${reason})`]);
    assert.deepEqual(
      fatal.map((error) => error.message),
      [reason],
    );
    assert.equal(session.state.status === 'closed' && session.state.end.kind, 'failed');
    await session.close('closed again');
    assert.equal(fatal.length, 1, 'closing a closed Go Live changes nothing');
    await waitFor('nothing connected', () => voice.connectedSessions().length === 0, 15_000);
  });

  test('a voice state of an earlier main gateway session (a killed worker) is not connected with', async () => {
    const gateway = simMainGateway(voice, USER_ID, 'main-session-new');
    const send = gateway.send.bind(gateway);
    // Discord tells the new worker how the dead one's session leaves voice, right after the join's answers.
    gateway.send = (op, d) => {
      send(op, d);
      if (op !== MainOp.voiceStateUpdate) return;
      gateway.inject('VOICE_STATE_UPDATE', {
        user_id: USER_ID,
        guild_id: GUILD_ID,
        channel_id: VOICE_CHANNEL_ID,
        session_id: 'main-session-of-the-killed-worker',
      });
    };
    const { session, seen, fatal } = await goLive(gateway);
    // Connected with the dead session's id, the voice server would close with 4006 and force a recovery.
    const voiceConnection = session.state.status === 'live' ? session.state.voice : null;
    assert.equal(voiceConnection?.options.sessionId, 'main-session-new');
    assert.deepEqual(seen, ['starting', 'live']);
    assert.equal(session.stats().recoveries, 0);
    await session.close('done');
    assert.deepEqual(fatal, []);
    await waitFor('nothing connected', () => voice.connectedSessions().length === 0, 15_000);
  });

  test('a Go Live opens once', async () => {
    const { session } = await goLive();
    await assert.rejects(session.open(video), /cannot open a Go Live that is live/);
    await session.close('done');
    await assert.rejects(session.open(video), /cannot open a Go Live that is closed/);
    await waitFor('nothing connected', () => voice.connectedSessions().length === 0, 15_000);
  });
});
