// The Jellyfin simulator's own server rules (as a real Jellyfin server answers), named after the rule,
// so a reviewer can check them against Jellyfin when upstream behaviour changes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defaultTitles } from '../../../sim/jellyfin/library.ts';
import { type JellyfinSim, startJellyfinSim } from '../../../sim/jellyfin/server.ts';
import { itemsResultSchema, playbackInfoSchema } from '../../../src/jellyfin/schemas.ts';
import { mediaBrowserAuthorization } from '../../../src/media/jellyfin-auth-header.ts';

describe('Jellyfin simulator', () => {
  let sim: JellyfinSim;
  let headers: Record<string, string>;
  before(async () => {
    sim = await startJellyfinSim();
    headers = { Authorization: mediaBrowserAuthorization(sim.apiKey, 'sim-test') };
  });
  after(() => sim.stop());

  const get = (path: string, extra: Record<string, string> = {}) =>
    fetch(`${sim.url}${path}`, { headers: { ...headers, ...extra } });

  test('public system info needs no key', async () => {
    const response = await fetch(`${sim.url}/System/Info/Public`);
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { Version: string }).Version, '12.0.0');
  });

  test('API key without userId → 404 on /Items/{id}; with userId the item and its sources', async () => {
    const movie = sim.library.byName(defaultTitles.basic);
    assert.equal((await get(`/Items/${movie.id}`)).status, 404);
    const withUser = await get(`/Items/${movie.id}?userId=${'1'.repeat(32)}`);
    const body = (await withUser.json()) as { Name: string; MediaSources: unknown[] };
    assert.equal(body.Name, defaultTitles.basic);
    assert.equal(body.MediaSources.length, 1);
  });

  test('/Items without recursive returns nothing useful; unknown item types are dropped silently', async () => {
    const flat = itemsResultSchema.parse(await (await get('/Items?includeItemTypes=Movie')).json());
    assert.equal(flat.Items.length, 0);
    const typo = itemsResultSchema.parse(
      await (await get('/Items?recursive=true&includeItemTypes=Movei')).json(),
    );
    assert.equal(typo.Items.length, sim.library.size, 'a typo widens the query instead of failing it');
  });

  test('fields gate Overview and ProviderIds; nulls are left out', async () => {
    const bare = (await (await get('/Items?recursive=true&includeItemTypes=Movie&limit=1')).json()) as {
      Items: Record<string, unknown>[];
    };
    assert.ok(!('Overview' in bare.Items[0]!) && !('ProviderIds' in bare.Items[0]!));
    assert.ok(!Object.values(bare.Items[0]!).includes(null));
    const rich = (await (
      await get('/Items?recursive=true&includeItemTypes=Movie&limit=1&fields=Overview,ProviderIds')
    ).json()) as {
      Items: Record<string, unknown>[];
    };
    assert.ok('Overview' in rich.Items[0]! && 'ProviderIds' in rich.Items[0]!);
  });

  test('a 10.11 server still accepts the legacy X-Emby-Token header; 12.0 does not', async () => {
    const legacy = await startJellyfinSim({ version: '10.11' });
    try {
      const response = await fetch(`${legacy.url}/Items?recursive=true&limit=1`, {
        headers: { 'X-Emby-Token': legacy.apiKey },
      });
      assert.equal(response.status, 200);
    } finally {
      await legacy.stop();
    }
    const refused = await fetch(`${sim.url}/Items?recursive=true&limit=1`, {
      headers: { 'X-Emby-Token': sim.apiKey },
    });
    assert.equal(refused.status, 401);
  });

  test('the ApiKey query parameter works on every version', async () => {
    const response = await fetch(`${sim.url}/Items?recursive=true&limit=1&ApiKey=${sim.apiKey}`);
    assert.equal(response.status, 200);
    assert.ok(!JSON.stringify(sim.requests.at(-1)).includes(sim.apiKey), 'the request log drops the key');
  });

  test('generated media: HEVC, variable frame rate, two audio tracks and subtitles', async () => {
    const sources = async (name: string) => {
      const info = playbackInfoSchema.parse(
        await (await get(`/Items/${sim.library.byName(name).id}/PlaybackInfo`)).json(),
      );
      return info.MediaSources[0]!;
    };
    const hevc = await sources(defaultTitles.hevc);
    assert.equal(hevc.MediaStreams?.find((stream) => stream.Type === 'Video')?.Codec, 'hevc');
    const vfr = (await sources(defaultTitles.vfr)).MediaStreams?.find((stream) => stream.Type === 'Video');
    assert.notEqual(vfr?.AverageFrameRate, vfr?.RealFrameRate, 'average and nominal frame rates differ');
    const dual = await sources(defaultTitles.dualAudio);
    assert.equal(dual.Container, 'mkv');
    assert.deepEqual(
      dual.MediaStreams?.map((stream) => [stream.Index, stream.Type, stream.Language, stream.IsExternal]),
      [
        [0, 'Video', undefined, false],
        [1, 'Audio', 'eng', false],
        [2, 'Audio', 'jpn', false],
        [3, 'Subtitle', 'eng', false],
        [4, 'Subtitle', 'jpn', false],
        // The French subtitles sit beside the file: numbered after its streams, delivered by URL.
        [5, 'Subtitle', 'fre', true],
      ],
    );
    const external = dual.MediaStreams?.[5] as Record<string, unknown>;
    const itemId = sim.library.byName(defaultTitles.dualAudio).id;
    assert.equal(external.DeliveryUrl, `/Videos/${itemId}/${itemId}/Subtitles/5/0/Stream.srt`);
    assert.match(await (await get(String(external.DeliveryUrl))).text(), /Sous-titre 1/);
    assert.equal(dual.DefaultAudioStreamIndex, 1);
  });

  test('streams answer HEAD and refuse an unsatisfiable range', async () => {
    const movie = sim.library.byName(defaultTitles.basic);
    const url = `${sim.url}/Videos/${movie.id}/stream?static=true&mediaSourceId=${movie.id}`;
    const head = await fetch(url, { method: 'HEAD', headers });
    assert.equal(head.status, 200);
    const size = Number(head.headers.get('content-length'));
    assert.ok(size > 1000);
    const beyond = await get(`/Videos/${movie.id}/stream?static=true`, { Range: `bytes=${size}-` });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get('content-range'), `bytes */${size}`);
  });

  test('posters are served without a key', async () => {
    const movie = sim.library.byName(defaultTitles.basic);
    const response = await fetch(`${sim.url}/Items/${movie.id}/Images/Primary?tag=${movie.imageTag}`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'image/jpeg');
    await response.arrayBuffer();
  });

  test('the sessions list shows reporting devices', async () => {
    const movie = sim.library.byName(defaultTitles.basic);
    const report = await fetch(`${sim.url}/Sessions/Playing`, {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify({ ItemId: movie.id, PositionTicks: 0 }),
    });
    assert.equal(report.status, 204);
    const sessions = (await (await get('/Sessions?activeWithinSeconds=960&deviceId=sim-test')).json()) as {
      DeviceId: string;
      NowPlayingItem?: { Id: string };
    }[];
    assert.equal(sessions.length, 1);
    assert.equal(sessions[0]?.NowPlayingItem?.Id, movie.id);
  });
});
