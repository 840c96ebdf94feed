// The worker names why an item failed as a kind (the contract's `failure`), where it first knows it:
// the proxy sees Jellyfin refuse the key, lose the file or not answer; ffprobe finds no media; the
// stream to Discord gives up. The bot turns the kind into plain words without reading the text.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { waitFor } from '../../sim/wait-for.ts';
import { createLogger } from '../../src/logger.ts';
import { SourceProxy } from '../../src/worker/media/source-proxy.ts';
import { streamEncoding } from '../../src/worker/media/stream-encoding.ts';
import { WorkerFailureError, workerFailureOf } from '../../src/worker/worker-failure.ts';
import type { WorkerEvent } from '../../src/worker-contract/http.ts';
import {
  type MediaServer,
  type makeTempDir,
  openCaptureSession,
  playRequest,
  serveClip,
  startMediaServer,
  startSourceProxy,
} from './support/media-fixtures.ts';

const logger = createLogger({ level: 'silent', pretty: false });

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let server: MediaServer;
let downServerUrl: string;

before(async () => {
  ({ temp, server } = await serveClip(2));
  server.serve('not-media', new URL(import.meta.url).pathname);
  const down = await startMediaServer();
  downServerUrl = down.url;
  await down.close();
});

after(async () => {
  await server.close();
  await temp.remove();
});

/** Plays one item through a proxy to `jellyfinUrl` with `apiKey`; resolves with its `ended` report. */
async function playUntilEnded(
  jellyfinUrl: string,
  apiKey: string,
  streamUrl: string,
): Promise<Extract<WorkerEvent, { type: 'ended' }>> {
  const proxy = await startSourceProxy({ url: jellyfinUrl, apiKey });
  const { session } = await openCaptureSession(
    { proxy, encoding: streamEncoding('720p30'), playbackRate: 3 },
    logger,
  );
  const events: WorkerEvent[] = [];
  session.subscribe((event) => events.push(event));
  try {
    session.play(playRequest(streamUrl));
    return await waitFor('the item to end', () =>
      events.find((event): event is Extract<WorkerEvent, { type: 'ended' }> => event.type === 'ended'),
    );
  } finally {
    await session.close('test over');
    await proxy.close();
  }
}

describe('the kind of an item failure', () => {
  test('Jellyfin refusing the key is media_refused', async () => {
    const ended = await playUntilEnded(server.url, 'a-revoked-key', server.streamUrl('clip'));
    assert.deepEqual([ended.reason, ended.failure], ['error', 'media_refused']);
  });

  test('an item Jellyfin no longer has is media_missing', async () => {
    const ended = await playUntilEnded(server.url, server.apiKey, server.streamUrl('gone'));
    assert.deepEqual([ended.reason, ended.failure], ['error', 'media_missing']);
  });

  test('Jellyfin not answering is media_unreachable', async () => {
    const ended = await playUntilEnded(
      downServerUrl,
      server.apiKey,
      `${downServerUrl}/Videos/clip/stream?static=true`,
    );
    assert.deepEqual([ended.reason, ended.failure], ['error', 'media_unreachable']);
  });

  test('a file that cannot be decoded is media_unreadable', async () => {
    const ended = await playUntilEnded(server.url, server.apiKey, server.streamUrl('not-media'));
    assert.deepEqual([ended.reason, ended.failure], ['error', 'media_unreadable']);
  });

  test('a clip that plays to its end has no failure', async () => {
    const ended = await playUntilEnded(server.url, server.apiKey, server.streamUrl('clip'));
    assert.deepEqual([ended.reason, ended.failure, ended.error], ['finished', null, null]);
  });
});

describe('the kind of a session that cannot open', () => {
  test('a streaming account that cannot log in stays stream_login_failed through the session', async () => {
    const proxy = await SourceProxy.start({ jellyfinUrl: server.url, authorization: null });
    try {
      const login = new WorkerFailureError(
        'stream_login_failed',
        'streaming account could not log in: An invalid token was provided.',
      );
      const opening = openCaptureSession({ proxy, encoding: streamEncoding('720p30') }, logger, {
        failOpen: login,
      });
      const refused = await opening.then(
        () => assert.fail('the session should not open'),
        (error: unknown) => error,
      );
      assert.equal(workerFailureOf(refused), 'stream_login_failed');
      assert.match(
        String((refused as Error).message),
        /could not open the stream: streaming account could not log in/,
      );
    } finally {
      await proxy.close();
    }
  });
});
