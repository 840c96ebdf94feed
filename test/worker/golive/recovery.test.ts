// How a live Go Live gets itself back (protocol.md §8.2 items 5 and 10), against the simulator's voice
// side: the watchdog reconnecting a stream that stopped sending, the full restart after the
// streaming account's main gateway session was replaced, and a kick after a session reset that
// dropped nothing staying fatal. Each test checks what the viewer (or the supervisor) sees.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { VoiceSim } from '../../../sim/discord/voice/index.ts';
import { waitFor } from '../../../sim/wait-for.ts';
import type { GoLiveSink, WatchdogTimings } from '../../../src/worker/golive/index.ts';
import { MainOp } from '../../../src/worker/golive/main-gateway.ts';
import { type LogLine as CapturedLine, capturedLogs } from '../../support/captured-logs.ts';
import { type Clip, type ClipSpec, loadClip, loopClip } from './clip.ts';
import { endGoLive, openGoLive } from './harness.ts';
import type { SimMainGateway } from './sim-gateway.ts';

const USER_ID = '800000000000000011';
const GUILD_ID = '700000000000000011';
const VOICE_CHANNEL_ID = '700000000000000012';
const spec: ClipSpec = { seconds: 6, width: 320, height: 180, fps: 30, videoKbps: 400 };
const video = { width: spec.width, height: spec.height, fps: spec.fps, maxBitrateKbps: 800 };
/** Short enough that a stall is noticed within a test, long enough for a keyframe (1 s) on a busy CI box. */
const fastWatchdog: WatchdogTimings = { intervalMs: 200, stallMs: 2_500, daveStallMs: 2_000 };

let clip: Clip;
let dir: string;

before(() => {
  clip = loadClip(spec);
  dir = mkdtempSync(join(tmpdir(), 'golive-recovery-'));
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface LogLine extends CapturedLine {
  reason?: string;
  kind?: string;
  code?: number;
}

interface Harness {
  voice: VoiceSim;
  gateway: SimMainGateway;
  sink: GoLiveSink;
  fatal: Error[];
  logs: LogLine[];
  /** Video frames the simulator's viewer has received so far. */
  received(): number;
  /** Stops playing, closes the sink, waits until nothing is connected and stops the simulator. */
  end(reason: string): Promise<void>;
}

/** Goes live and plays the clip in a loop (the timeline carries on) until `end`. */
async function goLiveAndPlay(name: string, watchdog?: WatchdogTimings): Promise<Harness> {
  const { logger, lines: logs } = capturedLogs<LogLine>();
  const { voice, gateway, sink, fatal } = await openGoLive({
    sim: { outputDir: join(dir, name) },
    ids: { userId: USER_ID, guildId: GUILD_ID, voiceChannelId: VOICE_CHANNEL_ID },
    logger,
    video,
    watchdog,
  });
  const playing = new AbortController();
  const playback = loopClip(sink, clip, playing.signal);
  return {
    voice,
    gateway,
    sink,
    fatal,
    logs,
    received: () => voice.viewer.videoFramesReceived,
    end: (reason) => {
      const stopPlaying = async (): Promise<void> => {
        playing.abort();
        await playback;
      };
      return endGoLive({ voice, sink, stopPlaying }, reason);
    },
  };
}

/** Waits until the viewer has `frames` more video frames than it has now (1 s of video is 30). */
async function moreFrames(run: Harness, what: string, frames: number): Promise<void> {
  const from = run.received();
  await waitFor(what, () => run.received() >= from + frames);
}

function recoveryReasons(run: Harness): string[] {
  return run.logs.filter((line) => line.msg === 'Go Live recovering').map((line) => line.reason ?? '');
}

function opsSince(gateway: SimMainGateway, index: number): number[] {
  return gateway.sent.slice(index).map((message) => message.op);
}

/**
 * Goes live, runs `scenario` while the clip plays and ends the Go Live; then the viewer must have
 * seen nothing fatal, nothing it could not decrypt and nothing the protocol forbids.
 */
async function live(
  name: string,
  watchdog: WatchdogTimings | undefined,
  scenario: (run: Harness) => Promise<void>,
): Promise<void> {
  const run = await goLiveAndPlay(name, watchdog);
  try {
    await moreFrames(run, 'first frames', 30);
    await scenario(run);
  } finally {
    await run.end('stopped');
  }
  assert.deepEqual(run.fatal, []);
  assert.equal(run.voice.viewer.counters().daveDecryptFailed, 0);
  assert.deepEqual(run.voice.divergences, []);
}

/** Media flows for a while (longer than the stall window) and the watchdog never stepped in. */
async function assertNoRecovery(run: Harness, what: string): Promise<void> {
  await moreFrames(run, what, 30);
  await moreFrames(run, 'frames to keep flowing', 90);
  assert.deepEqual(recoveryReasons(run), []);
  assert.equal(run.sink.stats().recoveries, 0);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('Go Live recovery', () => {
  test('the watchdog reconnects a stream whose DAVE group never takes it back, and frames flow again', () =>
    live('dave-stall', fastWatchdog, async (run) => {
      const { voice, gateway, sink } = run;
      const stalled = voice.sessions('stream').find((session) => session.connected)!;
      const opsBefore = gateway.sent.length;
      // The commit is broken, so the client re-initialises (op 31) and offers a new key package,
      // which the SFU loses: the client is in a DAVE session it will never be added to, with a viewer.
      voice.faults.daveLoseNextKeyPackage('stream');
      voice.faults.daveBrokenCommit('stream');
      await waitFor('the watchdog to recover', () => sink.stats().recoveries === 1);
      await waitFor('a fresh stream connection', () =>
        voice.sessions('stream').some((session) => session !== stalled && session.connected),
      );
      await moreFrames(run, 'frames on the fresh stream connection', 30);
      // Longer than the stall window: a new connection's first keyframe is no stall.
      await moreFrames(run, 'frames to keep flowing', 120);
      assert.deepEqual(recoveryReasons(run), [
        'watchdog: viewers present but the DAVE group never became ready',
      ]);
      assert.equal(sink.stats().recoveries, 1);
      assert.ok(stalled.destroyed, 'the stalled stream connection was left');
      assert.deepEqual(opsSince(gateway, opsBefore), [MainOp.streamPing], 'a fresh connect via op 21');
    }));

  test('the watchdog reconnects a stream whose server refuses its datagrams, and frames flow again', () =>
    live('udp-refused', fastWatchdog, async (run) => {
      const { voice, gateway, sink } = run;
      const stalled = voice.sessions('stream').find((session) => session.connected)!;
      const opsBefore = gateway.sent.length;
      const interruptions: boolean[] = [];
      sink.onInterruption((interrupted) => interruptions.push(interrupted));
      // The stream server's UDP port goes away (ICMP port unreachable) while its websocket stays
      // up: no close code tells the client, only its own sends being refused. The port comes back
      // later, as a restarted media server's would.
      voice.faults.refuseUdp(fastWatchdog.stallMs + 1_500, 'stream');
      await waitFor('the watchdog to recover', () => sink.stats().recoveries === 1);
      await waitFor('a fresh stream connection', () =>
        voice.sessions('stream').some((session) => session !== stalled && session.connected),
      );
      await moreFrames(run, 'frames on the fresh stream connection', 30);
      assert.deepEqual(
        recoveryReasons(run).map((reason) => reason.replace(/\d+ s$/, 'N s')),
        ['watchdog: frames offered but none left for N s'],
      );
      assert.equal(sink.stats().recoveries, 1);
      assert.ok(stalled.destroyed, 'the stream connection that lost its UDP was left');
      assert.deepEqual(opsSince(gateway, opsBefore), [MainOp.streamPing], 'a fresh connect via op 21');
      assert.deepEqual(interruptions, [true, false], 'the player heard of the outage and of its end');
    }));

  test('a viewer arriving after the streamer was alone longer than the DAVE stall window is no stall', () =>
    live('alone', fastWatchdog, async (run) => {
      const { voice, sink } = run;
      // Alone in its DAVE session the client may send nothing (sole-member reset), and need not.
      voice.faults.viewerLeavesStreams();
      await waitFor('the client alone and waiting', () => {
        const stats = sink.stats();
        return stats.viewers === 0 && !stats.daveReady;
      });
      await sleep(fastWatchdog.daveStallMs + 1_000);
      // A watcher is listed (STREAM_UPDATE) before its client reaches the stream server and the
      // DAVE group adds it; that moment is no stall, however long the streamer was alone before.
      voice.faults.viewerJoinsStreams(600);
      await waitFor('the viewer counted', () => sink.stats().viewers === 1);
      await assertNoRecovery(run, 'frames for the returning viewer');
    }));

  test('a pause longer than the stall window is not a stall', () =>
    live('long-pause', fastWatchdog, async (run) => {
      const { voice, sink } = run;
      sink.setPaused(true);
      await waitFor('the simulator to see the pause', () => voice.isPaused(USER_ID));
      // The player keeps offering frames while paused; none may leave, and that is no stall.
      await sleep(fastWatchdog.stallMs + 1_000);
      sink.setPaused(false);
      await assertNoRecovery(run, 'frames after the pause');
    }));

  test('a kick after a READY that brought no 4014s ends the Go Live with its reason and no rejoin', async () => {
    const run = await goLiveAndPlay('reset-then-kick');
    const { voice, gateway, sink, fatal } = run;
    try {
      await moreFrames(run, 'first frames', 30);
      gateway.inject('READY', { v: 9, session_id: 'main-session-2', user: { id: USER_ID }, guilds: [] });
      // The voice servers keep both connections this time: the READY explains no later 4014.
      await waitFor('the READY to pass without a 4014', () =>
        run.logs.some((line) => line.msg.startsWith('no 4014 within')),
      );
      await moreFrames(run, 'frames on the same connections', 30);
      const opsBefore = gateway.sent.length;
      // The voice server drops us with 4014 and the main gateway says why a moment later: a kick.
      assert.equal(voice.faults.closeConnection('voice', 4014), 1);
      await waitFor('the client to see the 4014', () =>
        run.logs.some((line) => line.msg === 'voice websocket closed' && line.code === 4014),
      );
      gateway.inject('VOICE_STATE_UPDATE', {
        user_id: USER_ID,
        guild_id: GUILD_ID,
        channel_id: null,
        session_id: 'main-session-2',
      });
      await waitFor('the fatal report', () => fatal.length > 0);
      await waitFor('nothing connected', () => voice.connectedSessions().length === 0);
      assert.equal(
        fatal[0]?.message,
        'the streaming account was disconnected from the voice channel (kicked or the channel went away)',
      );
      assert.deepEqual(
        opsSince(gateway, opsBefore),
        [MainOp.streamDelete],
        'only op 19 for the stream we still had: no rejoin (op 4), no new stream (op 18)',
      );
      assert.deepEqual(recoveryReasons(run), []);
      assert.equal(sink.stats().status, 'closed');
    } finally {
      await run.end('kicked');
    }
    assert.deepEqual(voice.divergences, []);
  });

  for (const order of ['READY before the 4014s', '4014s before READY'] as const) {
    const name = `session-reset-${order.startsWith('READY') ? 'ready-first' : 'closes-first'}`;
    // Production watchdog timings: the restart must not look like a stall to them either.
    test(`a new main gateway session (${order}) rejoins and goes live again`, () =>
      live(name, undefined, async (run) => {
        const { voice, gateway, sink } = run;
        const before = voice.sessions().filter((session) => session.connected);
        assert.equal(before.length, 2);
        const opsBefore = gateway.sent.length;
        const ready = { v: 9, session_id: 'main-session-2', user: { id: USER_ID }, guilds: [] };
        if (order === 'READY before the 4014s') {
          gateway.inject('READY', ready);
          await waitFor('the session to read READY', () =>
            run.logs.some((line) => line.msg.startsWith('main gateway started a new session')),
          );
          assert.equal(voice.faults.invalidateMainSession(USER_ID), 2);
        } else {
          assert.equal(voice.faults.invalidateMainSession(USER_ID), 2);
          await waitFor(
            'the client to see both 4014s',
            () => run.logs.filter((line) => line.msg === 'voice websocket closed').length >= 2,
          );
          gateway.inject('READY', ready);
        }
        await waitFor('both connections back', () => {
          const now = voice.sessions().filter((session) => session.connected);
          return now.length === 2 && now.every((session) => !before.includes(session));
        });
        await moreFrames(run, 'frames after the restart', 30);
        await moreFrames(run, 'frames to keep flowing', 90);
        assert.deepEqual(
          opsSince(gateway, opsBefore),
          [MainOp.voiceStateUpdate, MainOp.streamCreate, MainOp.streamSetPaused],
          'one join (op 4) and one go-live (op 18, op 22): no op 19 for the dropped stream, no loop',
        );
        assert.deepEqual(recoveryReasons(run), ['main gateway session was reset']);
        assert.equal(sink.stats().recoveries, 1);
        assert.equal(sink.stats().status, 'live');
      }));
  }
});
