// Parties on worker hosts: two real `node src/main.ts worker-host` processes on 127.0.0.1 with real
// workers (capture sink). A party plays through a host, a new party goes to the emptier host, and a
// party whose host is killed comes back on the other host where it was; one whose worker alone died
// comes back at once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../../sim/free-port.ts';
import { waitFor } from '../../sim/wait-for.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { checkWorkerHosts } from '../../src/doctor/worker-hosts-check.ts';
import type { WorkerPoolEvent } from '../../src/watchparty/worker-pool.ts';
import { type HostStatus, hostStatusSchema } from '../../src/worker-contract/host.ts';
import { errorResponseSchema, sessionStatusSchema } from '../../src/worker-contract/http.ts';
import { RemotePlacement } from '../../src/worker-pool/remote-placement.ts';
import { sampleValue } from '../support/prometheus-text.ts';
import {
  type RunningHost,
  scrapeWorkerHost,
  startWorkerHost,
  stopWorkerHosts,
} from '../support/worker-host-process.ts';
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
const HOST_METRICS_TOKEN = 'host-metrics-token-0123456789';

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let media: MediaServer;
let hosts: RunningHost[] = [];

async function hostStatus(host: RunningHost): Promise<HostStatus> {
  const response = await fetch(`${host.url}/host`, { headers: { authorization: `Bearer ${host.token}` } });
  return hostStatusSchema.parse(await response.json());
}

before(async () => {
  ({ temp, server: media } = await serveClip(CLIP_SECONDS));
  hosts = await Promise.all(
    ['host-a-token-0123456789', 'host-b-token-0123456789'].map((token) =>
      startWorkerHost({ dir: temp.dir, token, capacity: 2, env: { METRICS_TOKEN: HOST_METRICS_TOKEN } }),
    ),
  );
});

after(async () => {
  await stopWorkerHosts(hosts);
  await media.close();
  await temp.remove();
});

/** A bot's supervisor placing parties on the two hosts, and the events of party `watched`. */
function supervisorOnHosts(streamerTokens: string[], watched: string) {
  const supervisor = captureSupervisor(media, {
    streamerTokens,
    placement: new RemotePlacement(hosts.map(({ url, token }) => ({ url, token }))),
  });
  const events: WorkerPoolEvent[] = [];
  supervisor.subscribe((sessionId, event) => {
    if (sessionId === watched) events.push(event);
  });
  return { supervisor, events };
}

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

  test('restarts a party at once when its worker dies on a host that lives on', async () => {
    const { supervisor, events } = supervisorOnHosts(['streamer-token-cccccccc'], '5');
    try {
      await supervisor.open(sessionRequest('5'));
      await supervisor.play('5', playRequest(media.streamUrl('clip'), { durationSeconds: CLIP_SECONDS }));
      await waitFor('2 s of playback through the host', async () => {
        const status = await supervisor.status('5');
        return status?.playbackState === 'playing' && status.positionSeconds >= 2;
      });
      const host = hosts.find((candidate) => childProcesses(candidate.process.pid!).length === 1)!;
      const [worker] = childProcesses(host.process.pid!);
      process.kill(worker!.pid, 'SIGKILL');

      const notice = await waitFor('a restart notice', () =>
        events.find((event) => event.type === 'worker-restarting'),
      );
      // The host answered that the session ended with its worker, so the bot did not first wait
      // out the silence of a worker that might only be slow ("closed its event stream").
      assert.equal(
        notice.type === 'worker-restarting' ? notice.reason : null,
        'the stream worker exited on its worker host',
      );
      await waitFor('the party playing again', async () => {
        const status = await supervisor.status('5').catch(() => null);
        return status?.workerStatus === 'ready' && status.playbackState === 'playing';
      });
      assert.equal(isRunning(worker!.pid), false);
    } finally {
      await supervisor.shutdown();
    }
  });

  test('places parties on the emptier host, plays through it, and restarts a party whose host died on the other one at its position', async (t) => {
    const { supervisor, events } = supervisorOnHosts(
      ['streamer-token-aaaaaaaa', 'streamer-token-bbbbbbbb'],
      '1',
    );
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
      const killedAt = performance.now();

      const notice = await waitFor('a restart notice', () =>
        events.find((event) => event.type === 'worker-restarting'),
      );
      const noticeMs = performance.now() - killedAt;
      assert.ok(
        notice.type === 'worker-restarting' &&
          notice.positionSeconds !== null &&
          Math.abs(notice.positionSeconds - positionAtKill) <= 2,
        `the restart notice said ${JSON.stringify(notice)}, killed at ${positionAtKill} s`,
      );
      // Asked at once when the event stream broke, not after waiting for an exit no host will send.
      assert.equal(
        notice.type === 'worker-restarting' ? notice.reason : null,
        'the stream worker lost its worker host',
      );
      const resumed = await waitFor('the party playing again', async () => {
        const status = await supervisor.status('1').catch(() => null);
        return status?.workerStatus === 'ready' && status.playbackState === 'playing' ? status : undefined;
      });
      // The outage as a figure for the log, not an assertion: timing belongs in bench/.
      t.diagnostic(
        `host killed → restart notice ${Math.round(noticeMs)} ms, playing again ${Math.round(performance.now() - killedAt)} ms`,
      );
      assert.ok(
        Math.abs(resumed.positionSeconds - positionAtKill) <= 2,
        `resumed at ${resumed.positionSeconds} s, killed at ${positionAtKill} s`,
      );
      assert.equal(resumed.queueEntryId, 1);
      const survivor = hosts[1 - firstHost]!;
      assert.equal((await hostStatus(survivor)).sessions, 2, 'both parties now run on the surviving host');
      const { samples } = await scrapeWorkerHost(survivor, HOST_METRICS_TOKEN);
      assert.equal(sampleValue(samples, 'orb_worker_restarts_total'), 1, 'the surviving host took a restart');
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
