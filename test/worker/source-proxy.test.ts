// The loopback proxy ffmpeg reads through: it reads only the Jellyfin routes the worker plays from,
// on the configured Jellyfin server, with the credentials; anything else is refused before any
// connection is tried, and failures say what happened without naming an address.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ProxiedSource, SourceProxy } from '../../src/worker/media/source-proxy.ts';
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
  jellyfin.serve('item1', file);
  elsewhere.serve('item1', file);
  proxy = await SourceProxy.start({ jellyfinUrl: jellyfin.url, authorization: AUTHORIZATION });
});

after(async () => {
  await proxy.close();
  await jellyfin.close();
  await elsewhere.close();
  await temp.remove();
});

/** Fetches through the proxy and reads the body out, so the connection is done with. */
async function read(source: ProxiedSource): Promise<number> {
  const response = await fetch(source.url);
  await response.arrayBuffer();
  return response.status;
}

async function withProxy<T>(jellyfinUrl: string, use: (proxy: SourceProxy) => Promise<T>): Promise<T> {
  const other = await SourceProxy.start({ jellyfinUrl, authorization: AUTHORIZATION });
  try {
    return await use(other);
  } finally {
    await other.close();
  }
}

describe('the source proxy', () => {
  test('adds the Jellyfin credentials and forwards Range', async () => {
    const source = proxy.register(jellyfin.streamUrl('item1'));
    const response = await fetch(source.url, { headers: { range: 'bytes=10-19' } });
    assert.equal(response.status, 206);
    assert.deepEqual(
      [...new Uint8Array(await response.arrayBuffer())],
      [10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
    );
    assert.equal(jellyfin.authorizations.at(-1), AUTHORIZATION);
    assert.equal(source.lastFailure(), null);
  });

  test('reads the download and poster routes as what they are, and nothing as something else', async () => {
    assert.equal(await read(proxy.register(`${jellyfin.url}/Items/item1/Download`)), 200);
    assert.equal(
      await read(proxy.register(`${jellyfin.url}/Items/item1/Images/Primary?tag=a`, 'image')),
      200,
    );
    const seen = jellyfin.paths.length;
    assert.equal(await read(proxy.register(`${jellyfin.url}/Items/item1/Images/Primary`)), 403);
    assert.equal(await read(proxy.register(jellyfin.streamUrl('item1'), 'image')), 403);
    assert.equal(jellyfin.paths.length, seen, 'Jellyfin was not asked');
  });

  test('refuses other schemes, hosts, ports and Jellyfin routes without connecting anywhere', async () => {
    const { port } = new URL(jellyfin.url);
    const refused = [
      `gopher://127.0.0.1:${port}/Videos/item1/stream`,
      `ftp://127.0.0.1:${port}/Videos/item1/stream`,
      elsewhere.streamUrl('item1'),
      `http://localhost:${port}/Videos/item1/stream`,
      `${jellyfin.url}/System/Info`,
      `${jellyfin.url}/Users`,
      `${jellyfin.url}/Videos/item1/../../System/Info`,
      `${jellyfin.url}/Videos/item1/%2e%2e/%2e%2e/Users/stream`,
      `${jellyfin.url}/Videos/item1%2F..%2F..%2FUsers/stream`,
    ];
    const jellyfinSeen = jellyfin.paths.length;
    const elsewhereSeen = elsewhere.paths.length;
    for (const url of refused) {
      const source = proxy.register(url);
      assert.equal(await read(source), 403, url);
      assert.match(source.lastFailure() ?? '', /not one of the worker's Jellyfin media routes/, url);
    }
    assert.equal(jellyfin.paths.length, jellyfinSeen, 'Jellyfin never got a request');
    assert.equal(elsewhere.paths.length, elsewhereSeen, 'the other host never got a request');
  });

  test('says the same about an open and a closed port elsewhere: no port-state oracle', async () => {
    const open = proxy.register(elsewhere.streamUrl('item1'));
    const closed = proxy.register('http://127.0.0.1:9/Videos/item1/stream');
    const unroutable = proxy.register('http://192.0.2.1/Videos/item1/stream');
    const statuses = [await read(open), await read(closed), await read(unroutable)];
    assert.deepEqual(statuses, [403, 403, 403]);
    const failures = [open.lastFailure(), closed.lastFailure(), unroutable.lastFailure()];
    assert.equal(new Set(failures).size, 1, failures.join(' | '));
  });

  test('refuses unknown and released paths', async () => {
    const source = proxy.register(jellyfin.streamUrl('item1'));
    source.release();
    assert.equal((await fetch(source.url)).status, 404);
    const { port } = new URL(source.url);
    assert.equal((await fetch(`http://127.0.0.1:${port}/guess`)).status, 404);
  });

  test('names the cause when Jellyfin cannot be reached or refuses, and no address', async () => {
    await withProxy('http://127.0.0.1:9', async (down) => {
      const source = down.register('http://127.0.0.1:9/Videos/item1/stream');
      assert.equal(await read(source), 502);
      assert.equal(source.lastFailure(), 'Jellyfin refused the connection (is it running?)');
    });
    const missing = proxy.register(jellyfin.streamUrl('missing'));
    assert.equal(await read(missing), 404);
    assert.equal(missing.lastFailure(), 'Jellyfin answered HTTP 404 Not Found');
  });

  test('does not follow a redirect away from Jellyfin', async () => {
    const redirecting = http.createServer((_req, res) => {
      res.writeHead(302, { location: elsewhere.streamUrl('item1') }).end();
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}`;
    const elsewhereSeen = elsewhere.paths.length;
    try {
      await withProxy(base, async (redirected) => {
        const source = redirected.register(`${base}/Videos/item1/stream`);
        const response = await fetch(source.url);
        await response.arrayBuffer();
        assert.equal(response.status, 502);
        assert.match(source.lastFailure() ?? '', /redirect \(HTTP 302\), which is not followed/);
      });
    } finally {
      redirecting.closeAllConnections();
      await new Promise<void>((resolve) => redirecting.close(() => resolve()));
    }
    assert.equal(elsewhere.paths.length, elsewhereSeen);
  });

  test('serves a Jellyfin under a base path, and only below it', async () => {
    await withProxy(`${jellyfin.url}/jellyfin/`, async (prefixed) => {
      const inside = prefixed.register(`${jellyfin.url}/jellyfin/Videos/item1/stream`);
      const outside = prefixed.register(jellyfin.streamUrl('item1'));
      assert.equal(await read(inside), 404, 'forwarded (the fixture serves no base path)');
      assert.equal(jellyfin.paths.at(-1), '/jellyfin/Videos/item1/stream');
      assert.equal(await read(outside), 403);
    });
  });
});
