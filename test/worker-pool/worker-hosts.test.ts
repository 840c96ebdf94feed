// Parties on worker hosts: two real `node src/main.ts worker-host` processes on 127.0.0.1 with real
// workers (capture sink). A party plays through a host, a new party goes to the emptier host, and a
// party whose host is killed comes back on the other host where it was.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../sim/free-port.ts';
import { waitFor } from '../../sim/wait-for.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { checkWorkerHosts } from '../../src/doctor/worker-hosts-check.ts';
import { createLogger } from '../../src/logger.ts';
import type { WorkerPoolEvent } from '../../src/watchparty/worker-pool.ts';
import { type HostStatus, hostStatusSchema } from '../../src/worker-contract/host.ts';
import { errorResponseSchema, sessionStatusSchema } from '../../src/worker-contract/http.ts';
import { RemotePlacement } from '../../src/worker-pool/remote-placement.ts';
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

const CLIP_SECONDS = 30;
const mainEntry = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const logger = createLogger({ level: 'silent', pretty: false });

interface RunningHost {
  url: string;
  token: string;
  process: ChildProcess;
}

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let media: MediaServer;
let hosts: RunningHost[] = [];

async function startHost(token: string, capacity: number): Promise<RunningHost> {
  const port = await freePort();
  const child = spawn(process.execPath, [mainEntry, 'worker-host'], {
    // A temp working directory: the project's own .env must not reach the host.
    cwd: temp.dir,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      WORKER_HOST_TOKEN: token,
      WORKER_HOST_PORT: String(port),
      WORKER_HOST_CAPACITY: String(capacity),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor('the worker host to answer', () =>
    fetch(`${url}/health`).then(
      (response) => response.ok,
      () => false,
    ),
  );
  return { url, token, process: child };
}

/** A process killed by a signal has no exit code, only its signal. */
const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

async function hostStatus(host: RunningHost): Promise<HostStatus> {
  const response = await fetch(`${host.url}/host`, { headers: { authorization: `Bearer ${host.token}` } });
  return hostStatusSchema.parse(await response.json());
}

before(async () => {
  ({ temp, server: media } = await serveClip(CLIP_SECONDS));
  hosts = await Promise.all([
    startHost('host-a-token-0123456789', 2),
    startHost('host-b-token-0123456789', 2),
  ]);
});

after(async () => {
  for (const host of hosts) host.process.kill('SIGTERM');
  await Promise.all(hosts.map((host) => (exited(host.process) ? null : once(host.process, 'exit'))));
  await media.close();
  await temp.remove();
});

describe('worker hosts', () => {
  test('answers bad input at the door with a clear error and starts nothing', async () => {
    const [host] = hosts;
    const unauthorized = await fetch(`${host!.url}/host`);
    assert.equal(unauthorized.status, 401);
    const refused = await fetch(`${host!.url}/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${host!.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...sessionRequest('9'), workerEnvironment: { STREAM_PROFILE: '4k' } }),
    });
    assert.equal(refused.status, 400);
    const { error } = errorResponseSchema.parse(await refused.json());
    assert.equal(error.field, 'workerEnvironment');
    assert.match(error.message, /STREAM_PROFILE/);
    assert.equal((await hostStatus(host!)).sessions, 0);

    // A WORKER_HOSTS entry without its token is named by position, never echoed.
    assert.throws(
      () => loadConfig({ ...configEnv, WORKER_HOSTS: 'http://10.1.2.3:8790#short-secret' }),
      (thrown: unknown) =>
        thrown instanceof ConfigError &&
        /WORKER_HOSTS entry 1 must look like/.test(thrown.message) &&
        !thrown.message.includes('short-secret') &&
        !thrown.message.includes('10.1.2.3'),
    );
    assert.deepEqual(loadConfig({ ...configEnv, WORKER_HOSTS: `${host!.url}#${host!.token}` }).workerHosts, [
      { url: host!.url, token: host!.token },
    ]);
  });

  test("starts a session's worker with only the worker's own variables, stops it on DELETE, and when the bot stops following it", async () => {
    const [host] = hosts;
    const headers = { authorization: `Bearer ${host!.token}`, 'content-type': 'application/json' };
    const open = (sessionId: string) =>
      fetch(`${host!.url}/sessions`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          ...sessionRequest(sessionId),
          // Passed on, NODE_OPTIONS would make the worker fail to start.
          workerEnvironment: {
            ORB_WORKER_SINK: 'capture',
            LOG_LEVEL: 'warn',
            NODE_OPTIONS: '--require /nowhere/at-all.js',
          },
        }),
      });
    const opened = await open('8');
    assert.equal(opened.status, 201);
    assert.equal(sessionStatusSchema.parse(await opened.json()).workerStatus, 'ready');
    assert.equal((await hostStatus(host!)).sessions, 1);
    const closed = await fetch(`${host!.url}/sessions/8`, { method: 'DELETE', headers });
    assert.equal(closed.status, 204);
    assert.equal((await hostStatus(host!)).sessions, 0);
    assert.equal((await fetch(`${host!.url}/sessions/8`, { headers })).status, 404);

    // A bot that dies closes its event streams; the host then stops the worker (its lifeline).
    assert.equal((await open('7')).status, 201);
    const following = new AbortController();
    const events = await fetch(`${host!.url}/sessions/7/events`, { headers, signal: following.signal });
    assert.equal(events.status, 200);
    const reader = events.body!.getReader();
    assert.match(new TextDecoder().decode((await reader.read()).value), /event: state/);
    following.abort();
    await reader.read().catch(() => null);
    await waitFor('the unfollowed worker to stop', async () => (await hostStatus(host!)).sessions === 0);
  });

  test('the doctor says whether the listed hosts answer, and how much room they have', async () => {
    const [a, b] = hosts.map(({ url, token }) => ({ url, token }));
    assert.deepEqual(await checkWorkerHosts([]), []);
    const [fine] = await checkWorkerHosts([a!, b!, a!]);
    assert.equal(fine?.mark, 'ok');
    assert.equal(fine?.detail, '2 hosts answer, 4 of 4 places free');
    const [refused] = await checkWorkerHosts([a!, { url: b!.url, token: 'not-the-host-token-at-all' }]);
    assert.equal(refused?.mark, 'fail');
    assert.equal(refused?.detail, 'WORKER_HOSTS entry 2 refused its token');
    const [partly] = await checkWorkerHosts([
      a!,
      { url: `http://127.0.0.1:${await freePort()}`, token: a!.token },
    ]);
    assert.equal(partly?.mark, 'warn');
    assert.match(
      partly?.detail ?? '',
      /^1 host answer, 2 of 2 places free; WORKER_HOSTS entry 2 did not answer$/,
    );
    for (const line of [fine, refused, partly])
      assert.doesNotMatch(JSON.stringify(line), /127\.0\.0\.1|token-0123/);
  });

  test('places parties on the emptier host, plays through it, and restarts a party whose host died on the other one at its position', async () => {
    const supervisor = new WorkerSupervisor({
      logger,
      streamerTokens: ['streamer-token-aaaaaaaa', 'streamer-token-bbbbbbbb'],
      jellyfin: { url: media.url, apiKey: media.apiKey },
      stream: { profile: '720p30', bitrateKbps: 2_500 },
      sink: 'capture',
      logLevel: 'warn',
      restart: { maxFailures: 3, windowMs: 60_000, backoffMs: [100, 100, 100] },
      placement: new RemotePlacement(hosts.map(({ url, token }) => ({ url, token }))),
    });
    const events: WorkerPoolEvent[] = [];
    supervisor.subscribe((sessionId, event) => {
      if (sessionId === '1') events.push(event);
    });
    try {
      await supervisor.open(sessionRequest('1'));
      // Not a child of the bot: the party runs on one of the hosts.
      assert.equal(supervisor.processId('1'), null);
      const afterFirst = await Promise.all(hosts.map(hostStatus));
      const firstHost = afterFirst.findIndex((status) => status.sessions === 1);
      assert.notEqual(firstHost, -1, `sessions per host: ${afterFirst.map((s) => s.sessions)}`);

      await supervisor.open(sessionRequest('2'));
      assert.deepEqual(
        (await Promise.all(hosts.map(hostStatus))).map((status) => status.sessions),
        [1, 1],
        'the second party goes to the host that had room for more',
      );

      await supervisor.play('1', playRequest(media.streamUrl('clip'), { durationSeconds: CLIP_SECONDS }));
      await waitFor('3 s of playback through the host', async () => {
        const status = await supervisor.status('1');
        return status?.playbackState === 'playing' && status.positionSeconds >= 3;
      });
      const [figures] = (await supervisor.streamStats(5_000)).filter((party) => party.sessionId === '1');
      assert.ok((figures?.stats?.stream?.videoFramesSent ?? 0) > 0, 'frames reach the sink through the host');

      const dying = hosts[firstHost]!;
      const orphans = childProcesses(dying.process.pid!).map((child) => child.pid);
      assert.equal(orphans.length, 1, 'one worker process for the party');
      const positionAtKill = (await supervisor.status('1'))!.positionSeconds;
      dying.process.kill('SIGKILL');

      const notice = await waitFor('a restart notice', () =>
        events.find((event) => event.type === 'worker-restarting'),
      );
      assert.ok(
        notice.type === 'worker-restarting' &&
          notice.positionSeconds !== null &&
          Math.abs(notice.positionSeconds - positionAtKill) <= 2,
        `the restart notice said ${JSON.stringify(notice)}, killed at ${positionAtKill} s`,
      );
      const resumed = await waitFor('the party playing again', async () => {
        const status = await supervisor.status('1').catch(() => null);
        return status?.workerStatus === 'ready' && status.playbackState === 'playing' ? status : undefined;
      });
      assert.ok(
        Math.abs(resumed.positionSeconds - positionAtKill) <= 2,
        `resumed at ${resumed.positionSeconds} s, killed at ${positionAtKill} s`,
      );
      assert.equal(resumed.queueEntryId, 1);
      const survivor = hosts[1 - firstHost]!;
      assert.equal((await hostStatus(survivor)).sessions, 2, 'both parties now run on the surviving host');
      await waitFor('the party to move on from where it resumed', async () => {
        const status = await supervisor.status('1');
        return (status?.positionSeconds ?? 0) >= resumed.positionSeconds + 1;
      });
      // The dead host's worker followed it (its lifeline closed): nothing streams twice.
      await waitFor('the dead host worker to exit', () => orphans.every((pid) => !isRunning(pid)));

      await supervisor.close('1');
      assert.equal((await hostStatus(survivor)).sessions, 1, 'closing a party stops its worker on the host');
    } finally {
      await supervisor.shutdown();
    }
  });
});

/** The smallest environment the bot's configuration accepts. */
const configEnv = {
  DISCORD_TOKEN: 'discord-bot-token-for-tests',
  DISCORD_APPLICATION_ID: '123456789012345678',
  JELLYFIN_URL: 'http://127.0.0.1:8096',
  JELLYFIN_API_KEY: 'jellyfin-api-key-for-tests',
  STREAMER_TOKENS: 'streamer-token-aaaaaaaa',
};
