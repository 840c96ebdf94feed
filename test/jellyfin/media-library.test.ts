// The MediaLibrary seam through the simulator: descriptions, series → first episode, the worker's
// playback object (whose URLs really stream with the MediaBrowser header, Range included), the
// track lists, and the seam's two errors.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { freePort } from '../../sim/free-port.ts';
import { defaultTitles } from '../../sim/jellyfin/library.ts';
import { type JellyfinSim, startJellyfinSim } from '../../sim/jellyfin/server.ts';
import { JellyfinClient } from '../../src/jellyfin/client.ts';
import { JellyfinMediaLibrary } from '../../src/jellyfin/media-library.ts';
import { resolveFfmpeg, resolveFfprobe } from '../../src/media/ffmpeg-binary.ts';
import { mediaBrowserAuthorization } from '../../src/media/jellyfin-auth-header.ts';
import { MediaServerUnavailableError, UnknownMediaError } from '../../src/watchparty/media-library.ts';
import { trackLabel } from '../../src/watchparty/track-labels.ts';
import { playbackTargetSchema } from '../../src/worker-contract/http.ts';

const run = promisify(execFile);

describe('Jellyfin media library', () => {
  let sim: JellyfinSim;
  let library: JellyfinMediaLibrary;

  before(async () => {
    sim = await startJellyfinSim();
    library = new JellyfinMediaLibrary(new JellyfinClient({ baseUrl: sim.url, apiKey: sim.apiKey }));
  });
  after(() => sim.stop());

  test('describes a movie', async () => {
    const movie = sim.library.byName(defaultTitles.basic);
    const description = await library.describe(movie.id);
    assert.equal(description.itemId, movie.id);
    assert.equal(description.mediaType, 'movie');
    assert.equal(description.title, 'Night Harbor');
    assert.equal(description.year, 2019);
    assert.equal(description.runtimeSeconds, 10);
    assert.match(description.summary ?? '', /harbor pilot/);
    assert.equal(description.posterUrl, null, 'no public address for posters (JELLYFIN_PUBLIC_URL)');
  });

  test('posters members see are on JELLYFIN_PUBLIC_URL; the worker and the bot read Jellyfin itself', async () => {
    const movie = sim.library.byName(defaultTitles.basic);
    const client = new JellyfinClient({ baseUrl: sim.url, apiKey: sim.apiKey });
    const shown = new JellyfinMediaLibrary(client, { publicUrl: 'https://media.example.org/jf/' });
    const description = await shown.describe(movie.id);
    assert.ok(
      description.posterUrl?.startsWith(`https://media.example.org/jf/Items/${movie.id}/Images/Primary?tag=`),
      `${description.posterUrl}`,
    );
    const target = (await shown.playbackDetails(movie.id)).target;
    assert.ok(target.posterUrl?.startsWith(`${sim.url}/Items/${movie.id}/Images/Primary?tag=`));
    const image = await library.posterImage(movie.id);
    assert.ok(image && image.length > 100, 'the poster image itself');
  });

  test('a series resolves to its first regular episode, skipping specials', async () => {
    const series = sim.library.byName(defaultTitles.series);
    const description = await library.describe(series.id);
    assert.equal(description.itemId, sim.library.byName('Pilot').id);
    assert.equal(description.mediaType, 'episode');
    assert.equal(description.title, 'Nightshift Diaries · S01E01 · Pilot');
  });

  test('the playback object points at a static stream and a download, without the key', async () => {
    const episode = sim.library.byName('Graveyard Shift');
    const target = (await library.playbackDetails(episode.id)).target;
    assert.deepEqual(playbackTargetSchema.parse(target), target);
    assert.equal(target.itemId, episode.id);
    assert.equal(target.sourceId, episode.id);
    assert.equal(
      target.streamUrl,
      `${sim.url}/Videos/${episode.id}/stream?static=true&mediaSourceId=${episode.id}`,
    );
    assert.equal(target.downloadUrl, `${sim.url}/Items/${episode.id}/Download`);
    assert.ok(!target.streamUrl.includes(sim.apiKey) && !target.downloadUrl.includes(sim.apiKey));
    assert.equal(target.mediaType, 'episode');
    assert.ok(target.durationSeconds !== null && Math.abs(target.durationSeconds - 5) < 0.5);
    assert.deepEqual(target.episode, {
      seriesName: 'Nightshift Diaries',
      seasonNumber: 1,
      episodeNumber: 2,
      title: 'Graveyard Shift',
    });
    assert.ok(target.posterUrl?.includes(`/Items/${episode.seriesId}/Images/Primary`), 'the series poster');
  });

  test('movies carry provider ids and no episode', async () => {
    const movie = sim.library.byName(defaultTitles.basic);
    const target = (await library.playbackDetails(movie.id)).target;
    assert.equal(target.tmdbId, '550000');
    assert.equal(target.imdbId, 'tt9990000');
    assert.equal(target.year, 2019);
    assert.equal(target.episode, null);
  });

  test('the stream URL streams with the MediaBrowser header, Range included', async () => {
    const movie = sim.library.byName(defaultTitles.basic);
    const target = (await library.playbackDetails(movie.id)).target;
    const authorization = mediaBrowserAuthorization(sim.apiKey, 'worker-test');

    const refused = await fetch(target.streamUrl);
    assert.equal(refused.status, 401);
    await refused.body?.cancel();

    const whole = await fetch(target.streamUrl, { headers: { Authorization: authorization } });
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('accept-ranges'), 'bytes');
    assert.equal(whole.headers.get('content-type'), 'video/mp4');
    const bytes = Buffer.from(await whole.arrayBuffer());
    assert.equal(bytes.subarray(4, 8).toString('latin1'), 'ftyp', 'an MP4 file');

    const part = await fetch(target.streamUrl, {
      headers: { Authorization: authorization, Range: 'bytes=1000-1999' },
    });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 1000-1999/${bytes.length}`);
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), bytes.subarray(1000, 2000));

    const download = await fetch(target.downloadUrl, {
      headers: { Authorization: authorization, Range: 'bytes=-100' },
    });
    assert.equal(download.status, 206);
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), bytes.subarray(bytes.length - 100));
  });

  test('ffmpeg reads the stream URL with the header and seeks into it', async () => {
    const movie = sim.library.byName(defaultTitles.dualAudio);
    const target = (await library.playbackDetails(movie.id)).target;
    const header = `Authorization: ${mediaBrowserAuthorization(sim.apiKey, 'worker-test')}\r\n`;
    // The header travels as an argument here only because the key is the simulator's throwaway one.
    const { stdout } = await run(resolveFfprobe(), [
      ...['-v', 'error', '-headers', header],
      ...['-show_entries', 'format=duration:stream=codec_type', '-of', 'json', target.streamUrl],
    ]);
    const probe = JSON.parse(stdout) as { format: { duration: string }; streams: { codec_type: string }[] };
    await run(resolveFfmpeg(), [
      ...['-v', 'error', '-headers', header, '-ss', '6', '-i', target.streamUrl],
      ...['-frames:v', '1', '-f', 'null', '-'],
    ]);
    assert.ok(Math.abs(Number(probe.format.duration) - (target.durationSeconds ?? 0)) < 0.5);
    assert.deepEqual(
      probe.streams.map((stream) => stream.codec_type),
      ['video', 'audio', 'audio', 'subtitle', 'subtitle'],
    );
    const reads = sim.requests.filter((request) => request.path === `/Videos/${movie.id}/stream`);
    assert.ok(reads.every((request) => request.auth === 'MediaBrowser'));
    // Whether ffmpeg seeks with a new Range request or reads on depends on its buffering; the
    // simulator's Range answers are checked byte for byte in the test above.
    assert.ok(reads.length >= 2, 'ffprobe and ffmpeg both read the stream');
  });

  test('lists the audio and subtitle tracks of a dual-audio file', async () => {
    const movie = sim.library.byName(defaultTitles.dualAudio);
    const details = await library.playbackDetails(movie.id);
    assert.deepEqual(
      details.audioTracks.map((track) => [track.index, track.language, track.isDefault]),
      [
        [1, 'eng', true],
        [2, 'jpn', false],
      ],
    );
    assert.deepEqual(
      details.audioTracks.map((track) => trackLabel(track, 'audio')),
      ['English · English · AAC stereo · default', 'Japanese · Japanese · AAC stereo'],
    );
    assert.deepEqual(
      details.subtitleTracks.map((track) => [track.index, track.codec, track.language, track.isExternal]),
      [
        [3, 'subrip', 'eng', false],
        [4, 'ass', 'jpn', false],
        [5, 'subrip', 'fre', true],
      ],
    );
    // Every text track, embedded or beside the file, is delivered as a file of its own, keyless.
    const delivered = await Promise.all(
      details.subtitleTracks.map(async (track) => {
        const url = track.deliveryUrl ?? '';
        assert.ok(url.startsWith(`${sim.url}/Videos/${movie.id}/`), url);
        assert.doesNotMatch(url, new RegExp(sim.apiKey));
        const response = await fetch(url, {
          headers: { Authorization: mediaBrowserAuthorization(sim.apiKey, 'test-device') },
        });
        assert.equal(response.status, 200);
        return response.text();
      }),
    );
    assert.match(delivered[0]!, /00:00:01,0\d\d --> 00:00:02,0\d\d\r?\nSubtitle 1/);
    assert.match(delivered[1]!, /Style: Default,Sans,28,&H0000FFFF/, 'the ASS styling is kept');
    assert.match(delivered[2]!, /Sous-titre 1/);
  });

  test('an unknown id, a non-id and a non-playable kind are unknown media', async () => {
    await assert.rejects(library.describe('0123456789abcdef0123456789abcdef'), UnknownMediaError);
    await assert.rejects(library.playbackDetails('the matrix'), UnknownMediaError);
    const seriesId = sim.library.byName(defaultTitles.series).id;
    const season = sim.library
      .sorted()
      .find((item) => item.type === 'Season' && item.seriesId === seriesId && item.indexNumber === 2);
    const fromSeason = await library.describe(season!.id);
    assert.equal(
      fromSeason.title,
      'Nightshift Diaries · S02E01 · Back on the Ward',
      'a season starts at its first episode',
    );
  });

  test('Jellyfin failing or unreachable is MediaServerUnavailable with a message for users', async () => {
    const movie = sim.library.byName(defaultTitles.basic);
    sim.faults.set({ path: '/Items', status: 503, times: 1 });
    const error = await library.describe(movie.id).catch((caught: unknown) => caught);
    assert.ok(error instanceof MediaServerUnavailableError);
    assert.match(error.message, /Try again/);

    const port = await freePort();
    const offline = new JellyfinMediaLibrary(
      new JellyfinClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: sim.apiKey }),
    );
    await assert.rejects(offline.playbackDetails(movie.id), MediaServerUnavailableError);

    const wrongKey = new JellyfinMediaLibrary(
      new JellyfinClient({ baseUrl: sim.url, apiKey: 'wrong-key-123456' }),
    );
    await assert.rejects(wrongKey.describe(movie.id), (refused: unknown) => {
      assert.ok(refused instanceof MediaServerUnavailableError);
      assert.equal(refused.message, 'Jellyfin refused the bot’s key; ask the server admin.');
      assert.match(refused.detail ?? '', /JELLYFIN_API_KEY/, 'the setting is named for operators only');
      return true;
    });
  });

  test('a stream cut mid-way ends the body with an error', async () => {
    const movie = sim.library.byName(defaultTitles.basic);
    const target = (await library.playbackDetails(movie.id)).target;
    sim.faults.set({ path: `/Videos/${movie.id}/stream`, dropAfterBytes: 4096, times: 1 });
    const response = await fetch(target.streamUrl, {
      headers: { Authorization: mediaBrowserAuthorization(sim.apiKey, 'worker-test') },
    });
    assert.equal(response.status, 200);
    await assert.rejects(response.arrayBuffer());
  });
});
