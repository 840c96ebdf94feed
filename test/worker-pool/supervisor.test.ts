// The bot-side pool with real worker processes (capture sink): streaming-account leases, crash and
// hang recovery at the last position, giving up after repeated failures, and no orphans when the
// bot itself is killed with SIGKILL.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../../sim/wait-for.ts';
import { createLogger } from '../../src/logger.ts';
import { NoStreamerAvailableError, type WorkerPoolEvent } from '../../src/watchparty/worker-pool.ts';
import { WorkerSupervisor } from '../../src/worker-pool/supervisor.ts';
import {
  childProcesses,
  isRunning,
  type MediaServer,
  type makeTempDir,
  playRequest,
  serveClip,
  sessionRequest,
} from '../worker/support/media-fixtures.ts';
import { captureSupervisor } from './support/capture-supervisor.ts';

const CLIP_SECONDS = 30;

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let server: MediaServer;

before(async () => {
  ({ temp, server } = await serveClip(CLIP_SECONDS));
});

after(async () => {
  await server.close();
  await temp.remove();
});

function createSupervisor(
  streamerTokens = ['streamer-token-aaaaaaaa', 'streamer-token-bbbbbbbb'],
  logLines?: string[],
) {
  const supervisor = captureSupervisor(server, {
    streamerTokens,
    ...(logLines
      ? { logger: createLogger({ level: 'info', pretty: false, destination: collect(logLines) }) }
      : {}),
  });
  const events: { sessionId: string; event: WorkerPoolEvent }[] = [];
  supervisor.subscribe((sessionId, event) => events.push({ sessionId, event }));
  return { supervisor, events };
}

/** A log destination that keeps every line written to it. */
function collect(lines: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
}

const clipRequest = () => playRequest(server.streamUrl('clip'), { durationSeconds: CLIP_SECONDS });

describe('the worker supervisor', () => {
  test('leases one streaming account per session and says so when all are busy', async () => {
    const { supervisor } = createSupervisor(['streamer-token-only-one']);
    try {
      await supervisor.open(sessionRequest('1'));
      await assert.rejects(supervisor.open(sessionRequest('2')), (error: unknown) => {
        assert.ok(error instanceof NoStreamerAvailableError);
        assert.match(error.message, /^Every streaming account is busy with another watch party/);
        assert.match(error.detail ?? '', /all 1 streaming account is leased; add a token to STREAMER_TOKENS/);
        return true;
      });
      await supervisor.close('1');
      await supervisor.open(sessionRequest('2'));
      assert.equal((await supervisor.status('2'))?.workerStatus, 'ready');
      assert.equal(await supervisor.status('1'), null);
    } finally {
      await supervisor.shutdown();
    }
  });

  test('restarts a killed worker at its position, restores pause, and gives up after repeated failures', async () => {
    const logLines: string[] = [];
    const { supervisor, events } = createSupervisor(undefined, logLines);
    try {
      await supervisor.open(sessionRequest('1'));
      await supervisor.play('1', clipRequest());
      await waitFor(
        '3 s of playback',
        async () => ((await supervisor.status('1'))?.positionSeconds ?? 0) >= 3,
      );

      // 1. A crash while playing: back within seconds, within 2 s of where it was.
      const firstPid = supervisor.processId('1')!;
      const orphanCandidate = childProcesses(firstPid).find((child) =>
        child.argv.some((arg) => arg.includes('ffmpeg')),
      );
      const positionAtKill = (await supervisor.status('1'))!.positionSeconds;
      process.kill(firstPid, 'SIGKILL');
      const notice = await waitFor('a restart notice', () =>
        events.map(({ event }) => event).find((event) => event.type === 'worker-restarting'),
      );
      // The party shows the position the new worker resumes from while it comes back.
      assert.ok(
        notice.type === 'worker-restarting' &&
          notice.positionSeconds !== null &&
          Math.abs(notice.positionSeconds - positionAtKill) <= 2,
        `the restart notice said ${JSON.stringify(notice)}, killed at ${positionAtKill} s`,
      );
      const resumed = await waitFor('the restarted worker playing', async () => {
        if (supervisor.processId('1') === firstPid) return undefined;
        const status = await supervisor.status('1').catch(() => null);
        return status?.workerStatus === 'ready' && status.playbackState === 'playing' ? status : undefined;
      });
      assert.ok(
        Math.abs(resumed.positionSeconds - positionAtKill) <= 2,
        `resumed at ${resumed.positionSeconds} s, killed at ${positionAtKill} s`,
      );
      assert.equal(resumed.queueEntryId, 1);
      // The new worker's first report (idle, no item, 0 s) must not become the position a second
      // crash would resume from.
      const restoredLog = logLines
        .map((line) => JSON.parse(line))
        .find((entry) => entry.msg === 'playback restored');
      assert.ok(
        Math.abs(restoredLog?.positionSeconds - positionAtKill) <= 2,
        `remembered ${restoredLog?.positionSeconds} s after the restart, killed at ${positionAtKill} s`,
      );
      assert.ok(orphanCandidate, 'the worker was running ffmpeg');
      await waitFor('the killed worker’s ffmpeg gone', () => !isRunning(orphanCandidate.pid), 10_000);

      // 2. Paused, then the worker hangs (no heartbeats): restarted paused at the held position.
      const paused = await supervisor.control('1', { action: 'pause' });
      const secondPid = supervisor.processId('1')!;
      process.kill(secondPid, 'SIGSTOP');
      const restored = await waitFor(
        'the hung worker replaced',
        async () => {
          if (supervisor.processId('1') === secondPid) return undefined;
          const status = await supervisor.status('1').catch(() => null);
          return status?.workerStatus === 'ready' && status.playbackState === 'paused' ? status : undefined;
        },
        20_000,
      );
      assert.ok(Math.abs(restored.positionSeconds - paused.positionSeconds) < 0.1);
      assert.ok(!isRunning(secondPid), 'the hung worker was killed');

      // 3. A third failure within the window: the pool gives up and says why.
      process.kill(supervisor.processId('1')!, 'SIGKILL');
      const failed = await waitFor('worker-failed', () =>
        events.find(({ event }) => event.type === 'worker-failed'),
      );
      assert.equal(failed.sessionId, '1');
      assert.match(failed.event.type === 'worker-failed' ? failed.event.reason : '', /killed by SIGKILL/);
      assert.equal(await supervisor.status('1'), null);
      assert.deepEqual(
        events
          .filter(({ event }) => event.type === 'worker-restarting')
          .map(({ event }) => event.type === 'worker-restarting' && event.attempt),
        [1, 2],
      );
    } finally {
      await supervisor.shutdown();
    }
  });

  test('passes ORB_MEDIA_SEND=js on to its workers, whose transport then takes the JS send path', async () => {
    const lines: string[] = [];
    const destination = collect(lines);
    const sendPathOf = async (mediaSend: 'js' | undefined) => {
      lines.length = 0;
      const supervisor = new WorkerSupervisor({
        logger: createLogger({ level: 'info', pretty: false, destination }),
        streamerTokens: ['streamer-token-media-send'],
        jellyfin: { url: server.url, apiKey: server.apiKey },
        stream: { profile: '720p30', bitrateKbps: 2_500 },
        sink: 'capture',
        mediaSend,
        logLevel: 'warn',
        workerEntry: fileURLToPath(new URL('./support/media-send-worker.ts', import.meta.url)),
      });
      try {
        await supervisor.open(sessionRequest('1'));
      } finally {
        await supervisor.shutdown();
      }
      const reported = lines.map((line) => JSON.parse(line)).find((entry) => entry.msg === 'media send path');
      return String(reported?.worker?.path);
    };
    assert.equal(await sendPathOf('js'), 'Node crypto and dgram: ORB_MEDIA_SEND=js');
    assert.doesNotMatch(await sendPathOf(undefined), /ORB_MEDIA_SEND/);
  });

  test('leaves no worker and no ffmpeg running when the bot is killed with SIGKILL', async () => {
    const bot = spawn(
      process.execPath,
      [fileURLToPath(new URL('./support/bot-process.ts', import.meta.url))],
      {
        env: { ...process.env, TEST_MEDIA_URL: server.streamUrl('clip'), TEST_MEDIA_API_KEY: server.apiKey },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      const [line] = (await once(bot.stdout!, 'data')) as [Buffer];
      const { workerPid } = JSON.parse(line.toString()) as { workerPid: number };
      const ffmpeg = await waitFor('ffmpeg running', () =>
        childProcesses(workerPid).find((child) => child.argv.some((arg) => arg.includes('ffmpeg'))),
      );
      bot.kill('SIGKILL');
      await waitFor('the worker gone', () => !isRunning(workerPid), 10_000);
      await waitFor('ffmpeg gone', () => !isRunning(ffmpeg.pid), 10_000);
    } finally {
      bot.kill('SIGKILL');
    }
  });
});
