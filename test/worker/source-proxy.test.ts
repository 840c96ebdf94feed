// The loopback proxy ffmpeg reads through: credentials only to the Jellyfin origin, Range passed
// on, unknown paths refused, and upstream failures remembered with their cause.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SourceProxy } from '../../src/worker/media/source-proxy.ts';
import { type MediaServer, makeTempDir, startMediaServer } from './support/media-fixtures.ts';

const AUTHORIZATION = 'MediaBrowser Token="proxy-test-key", Client="Orb"';

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let jellyfin: MediaServer;
let elsewhere: MediaServer;
let proxy: SourceProxy;

before(async () => {
  temp = await makeTempDir();
  const file = join(temp.dir, 'bytes.bin');
  await writeFile(file, Buffer.from([...Array(1000).keys()].map((i) => i % 256)));
  jellyfin = await startMediaServer('proxy-test-key');
  elsewhere = await startMediaServer('proxy-test-key');
  jellyfin.serve('/file', file);
  elsewhere.serve('/file', file);
  proxy = await SourceProxy.start({ jellyfinOrigin: jellyfin.url, authorization: AUTHORIZATION });
});

after(async () => {
  await proxy.close();
  await jellyfin.close();
  await elsewhere.close();
  await temp.remove();
});

describe('the source proxy', () => {
  test('adds the Jellyfin credentials and forwards Range', async () => {
    const source = proxy.register(`${jellyfin.url}/file?static=true`);
    const response = await fetch(source.url, { headers: { range: 'bytes=10-19' } });
    assert.equal(response.status, 206);
    assert.deepEqual(
      [...new Uint8Array(await response.arrayBuffer())],
      [10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
    );
    assert.equal(jellyfin.authorizations.at(-1), AUTHORIZATION);
    assert.equal(source.lastFailure(), null);
  });

  test('never sends the credentials to another origin', async () => {
    const source = proxy.register(`${elsewhere.url}/file`);
    const response = await fetch(source.url);
    assert.equal(response.status, 401);
    await response.arrayBuffer();
    assert.equal(elsewhere.authorizations.at(-1), undefined);
    assert.match(source.lastFailure() ?? '', /answered HTTP 401/);
  });

  test('refuses unknown and released paths', async () => {
    const source = proxy.register(`${jellyfin.url}/file`);
    source.release();
    assert.equal((await fetch(source.url)).status, 404);
    const { port } = new URL(source.url);
    assert.equal((await fetch(`http://127.0.0.1:${port}/guess`)).status, 404);
  });

  test('names the cause when the upstream cannot be reached', async () => {
    const source = proxy.register('http://127.0.0.1:9/file');
    assert.equal((await fetch(source.url)).status, 502);
    assert.match(source.lastFailure() ?? '', /127\.0\.0\.1:9 refused the connection/);
  });
});
