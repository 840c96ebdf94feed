// The worker process as the bot sees it: the real src/worker/main.ts spawned with a capture sink,
// spoken to over HTTP. Refusals (401/400/404/409), the event stream, secrets kept off argv, and a
// SIGTERM that ends everything.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { waitFor } from '../../sim/wait-for.ts';
import { createLogger } from '../../src/logger.ts';
import { workerEnvironment } from '../../src/worker-contract/environment.ts';
import type { WorkerEvent } from '../../src/worker-contract/http.ts';
import { WorkerClient, WorkerRefusedError } from '../../src/worker-pool/client.ts';
import { WorkerProcess } from '../../src/worker-pool/worker-process.ts';
import {
  childProcesses,
  isRunning,
  type MediaServer,
  type makeTempDir,
  playRequest,
  serveClip,
} from './support/media-fixtures.ts';

const TOKEN = 'worker-token-for-contract-tests-0123456789';
const session = { sessionId: '42', guildId: '100', voiceChannelId: '200', textChannelId: '300' };
const logger = createLogger({ level: 'silent', pretty: false });

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let server: MediaServer;
let worker: WorkerProcess;
let base: string;
let client: WorkerClient;

async function call(method: string, path: string, options: { body?: string; token?: string | null } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const token = options.token === undefined ? TOKEN : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(options.body !== undefined ? { body: options.body } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}

before(async () => {
  ({ temp, server } = await serveClip(20));
  worker = await WorkerProcess.spawn({
    logger,
    env: workerEnvironment({
      workerToken: TOKEN,
      sink: 'capture',
      jellyfinUrl: server.url,
      jellyfinApiKey: server.apiKey,
      host: '127.0.0.1',
      port: 0,
      streamProfile: '720p30',
      logLevel: 'warn',
    }),
  });
  base = `http://127.0.0.1:${worker.port}`;
  client = new WorkerClient({ baseUrl: base, token: TOKEN });
});

after(async () => {
  await worker.stop();
  await server.close();
  await temp.remove();
});

describe('the worker contract server', () => {
  test('serves health and its OpenAPI document without a token', async () => {
    const health = await call('GET', '/health', { token: null });
    assert.equal(health.status, 200);
    assert.equal(health.body.ok, true);
    const openApi = await call('GET', '/openapi.json', { token: null });
    assert.equal(openApi.status, 200);
    assert.equal(openApi.body.openapi, '3.1.0');
    assert.ok(openApi.body.paths['/sessions/{sessionId}/control'].post.requestBody);
    assert.ok(openApi.body.paths['/sessions/{sessionId}/events'].get);
  });

  test('refuses calls without the right bearer token (401), whatever its length', async () => {
    for (const token of [null, 'wrong', `${TOKEN}x`, TOKEN.replace(/.$/, 'X')]) {
      const response = await call('POST', '/sessions', { token, body: JSON.stringify(session) });
      assert.equal(response.status, 401, `token ${token}`);
      assert.equal(response.body.error.code, 'unauthorized');
      assert.equal(response.headers.get('www-authenticate'), 'Bearer');
    }
  });

  test('answers 400 naming the bad field, also for malformed JSON and oversized bodies', async () => {
    const malformed = await call('POST', '/sessions', { body: '{"sessionId":' });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error.field, 'body');
    const missing = await call('POST', '/sessions', {
      body: JSON.stringify({ ...session, guildId: undefined }),
    });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error.field, 'guildId');
    assert.equal(missing.body.error.message, 'guildId: is required');
    assert.doesNotMatch(JSON.stringify(missing.body), /at .*\.ts:\d+/, 'no stack trace');
    const huge = await call('POST', '/sessions', {
      body: JSON.stringify({ ...session, pad: 'x'.repeat(100_000) }),
    });
    assert.equal(huge.status, 413);
  });

  test('answers 404 for unknown sessions and routes', async () => {
    assert.equal((await call('GET', '/sessions/nope')).status, 404);
    assert.equal((await call('GET', '/sessions/nope/stats')).status, 404);
    assert.equal((await call('GET', '/sessions/nope/stats', { token: null })).status, 401);
    assert.equal((await call('POST', '/sessions/nope/control', { body: '{"action":"pause"}' })).status, 404);
    assert.equal((await call('GET', '/nothing-here')).status, 404);
    assert.equal(await client.status('nope'), null);
  });

  test('creates the session once, plays, and refuses what the playback state forbids (409)', async () => {
    const created = await call('POST', '/sessions', { body: JSON.stringify(session) });
    assert.equal(created.status, 201);
    assert.equal(created.body.workerStatus, 'ready');
    assert.equal((await call('POST', '/sessions', { body: JSON.stringify(session) })).status, 200);
    const other = await call('POST', '/sessions', { body: JSON.stringify({ ...session, sessionId: '43' }) });
    assert.equal(other.status, 409);

    const idle = await call('POST', '/sessions/42/control', { body: '{"action":"pause"}' });
    assert.equal(idle.status, 409);
    assert.match(idle.body.error.message, /nothing is playing/);

    const badPlay = await call('POST', '/sessions/42/play', {
      body: JSON.stringify({
        ...playRequest(server.streamUrl('clip')),
        playback: { ...playRequest('http://x').playback, streamUrl: 'not a url' },
      }),
    });
    assert.equal(badPlay.status, 400);
    assert.equal(badPlay.body.error.field, 'playback.streamUrl');

    const events: WorkerEvent[] = [];
    const stopEvents = new AbortController();
    const following = client.events('42', (event) => events.push(event), stopEvents.signal);

    const accepted = await call('POST', '/sessions/42/play', {
      body: JSON.stringify(playRequest(server.streamUrl('clip'))),
    });
    assert.equal(accepted.status, 202);
    await waitFor('playing', async () => (await client.status('42'))?.playbackState === 'playing');
    // "playing" comes with the first frame handed to the sink; the counter may trail it by a turn.
    await waitFor(
      'frames counted',
      async () => ((await client.stats('42', 1_000)).stream?.videoFramesSent ?? 0) > 0,
    );
    const figures = await client.stats('42', 1_000);
    assert.equal(figures.encoder, 'copy', 'the copyable clip passes through');
    assert.equal(figures.stream?.sendPath, 'capture');
    assert.ok((figures.stream?.videoFramesSent ?? 0) > 0, 'frames are counted');

    const paused = await client.control('42', { action: 'pause' });
    assert.equal(paused.playbackState, 'paused');
    await assert.rejects(client.control('42', { action: 'pause' }), (error: unknown) => {
      assert.ok(error instanceof WorkerRefusedError);
      assert.equal(error.status, 409);
      return true;
    });
    assert.equal((await client.control('42', { action: 'resume' })).playbackState, 'playing');
    assert.equal((await call('POST', '/sessions/42/control', { body: '{"action":"resume"}' })).status, 409);

    const noTarget = await call('POST', '/sessions/42/control', { body: '{"action":"seek"}' });
    assert.equal(noTarget.status, 400);
    assert.equal(noTarget.body.error.field, 'positionSeconds');
    const pastEnd = await call('POST', '/sessions/42/control', {
      body: '{"action":"seek","positionSeconds":3600}',
    });
    assert.equal(pastEnd.status, 400);
    assert.equal(pastEnd.body.error.field, 'positionSeconds');
    const badAction = await call('POST', '/sessions/42/control', { body: '{"action":"rewind"}' });
    assert.equal(badAction.status, 400);
    assert.equal(badAction.body.error.field, 'action');

    // Secrets reach ffmpeg through the environment and the loopback proxy, never through argv.
    const ffmpeg = await waitFor('ffmpeg running', () =>
      childProcesses(worker.pid).find((child) => child.argv.some((arg) => arg.includes('ffmpeg'))),
    );
    const argv = [...ffmpeg.argv, ...childProcesses(process.pid).flatMap((child) => child.argv)].join(' ');
    assert.ok(!argv.includes(server.apiKey), 'the Jellyfin key is not on any argv');
    assert.ok(!argv.includes(TOKEN), 'the worker token is not on any argv');
    assert.ok(
      ffmpeg.argv.some((arg) => arg.startsWith('http://127.0.0.1:')),
      'ffmpeg reads the loopback proxy',
    );

    await waitFor('a heartbeat', () => events.some((event) => event.type === 'heartbeat'), 10_000);
    assert.equal(events[0]?.type, 'state', 'the stream opens with the current state');
    assert.ok(events.some((event) => event.type === 'state' && event.status.playbackState === 'paused'));

    const stopped = await client.control('42', { action: 'stop' });
    assert.equal(stopped.playbackState, 'ended');
    const ended = await waitFor('the ended event', () => events.find((event) => event.type === 'ended'));
    assert.equal(ended.type === 'ended' && ended.reason, 'stopped');
    stopEvents.abort();
    await following;
  });

  test('refuses (400) to play anything but media routes of its Jellyfin, never repeating the address', async () => {
    const { port } = new URL(server.url);
    const clip = playRequest(server.streamUrl('clip'));
    const refused: [field: 'streamUrl' | 'downloadUrl' | 'posterUrl', url: string][] = [
      ['streamUrl', `gopher://127.0.0.1:${port}/Videos/clip/stream`],
      ['streamUrl', `ftp://127.0.0.1:${port}/Videos/clip/stream`],
      ['streamUrl', 'http://127.0.0.1:9/Videos/clip/stream'],
      ['downloadUrl', `http://localhost:${port}/Items/clip/Download`],
      ['downloadUrl', `${server.url}/System/Info`],
      ['streamUrl', `${server.url}/Users`],
      ['posterUrl', 'http://192.0.2.1/Items/clip/Images/Primary'],
      ['posterUrl', server.streamUrl('clip')],
    ];
    const seen = server.paths.length;
    for (const [field, url] of refused) {
      const response = await call('POST', '/sessions/42/play', {
        body: JSON.stringify({ ...clip, playback: { ...clip.playback, [field]: url } }),
      });
      assert.equal(response.status, 400, url);
      assert.equal(response.body.error.field, `playback.${field}`, url);
      assert.match(response.body.error.message, /Jellyfin/);
      assert.doesNotMatch(
        JSON.stringify(response.body),
        /127\.0\.0\.1|localhost|192\.0\.2|gopher|ftp|System|Users/,
      );
    }
    assert.equal(server.paths.length, seen, 'nothing was fetched');
  });

  test('SIGTERM stops ffmpeg and the worker within 5 s', async () => {
    await client.play('42', playRequest(server.streamUrl('clip')));
    const ffmpeg = await waitFor('ffmpeg running', () =>
      childProcesses(worker.pid).find((child) => child.argv.some((arg) => arg.includes('ffmpeg'))),
    );
    const exit = await worker.stop();
    assert.equal(exit.exitCode, 0);
    await waitFor('ffmpeg gone', () => !isRunning(ffmpeg.pid), 5_000);
  });
});
