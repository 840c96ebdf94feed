// What a worker reads comes from its Jellyfin only. ffprobe and ffmpeg take no input but the source
// proxy's HTTP (a local file is refused), and the poster the Go Live tile shows is read through the
// proxy: from Jellyfin, never from another host.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { waitFor } from '../../sim/wait-for.ts';
import { createLogger } from '../../src/logger.ts';
import { resolveFfmpeg, resolveFfprobe } from '../../src/media/ffmpeg-binary.ts';
import { PreviewUploader } from '../../src/worker/golive/preview.ts';
import { segmentArgs } from '../../src/worker/media/ffmpeg-args.ts';
import { probeSource } from '../../src/worker/media/probe.ts';
import type { SourceProxy } from '../../src/worker/media/source-proxy.ts';
import { streamEncoding } from '../../src/worker/media/stream-encoding.ts';
import {
  type MediaServer,
  makeClip,
  makeTempDir,
  openCaptureSession,
  playRequest,
  startMediaServer,
  startSourceProxy,
} from './support/media-fixtures.ts';

const run = promisify(execFile);
const logger = createLogger({ level: 'silent', pretty: false });
const encoding = streamEncoding('720p30');

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let clip: string;
let jellyfin: MediaServer;
let elsewhere: MediaServer;
let proxy: SourceProxy;

before(async () => {
  temp = await makeTempDir();
  clip = await makeClip(temp.dir, 'clip.mp4', { seconds: 2, kind: 'copyable' });
  const poster = join(temp.dir, 'poster.png');
  await run(resolveFfmpeg(), [
    ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=200x300'],
    ...['-frames:v', '1', poster],
  ]);
  jellyfin = await startMediaServer();
  elsewhere = await startMediaServer(jellyfin.apiKey);
  jellyfin.serve('film', clip);
  jellyfin.serve('poster', poster);
  elsewhere.serve('poster', poster);
  proxy = await startSourceProxy(jellyfin);
});

after(async () => {
  await proxy.close();
  await jellyfin.close();
  await elsewhere.close();
  await temp.remove();
});

/** Plays the film with this poster and hands back the poster address the sink was given. */
async function posterShownFor(posterUrl: string): Promise<{ shown: string; stop(): Promise<void> }> {
  const { session, sink } = await openCaptureSession({ proxy, encoding, playbackRate: 3 }, logger);
  const request = playRequest(jellyfin.streamUrl('film'), { durationSeconds: 2 });
  session.play({ ...request, playback: { ...request.playback, posterUrl } });
  const item = await waitFor('the item to begin', () => sink.items[0]?.item);
  return { shown: item.posterUrl ?? '', stop: () => session.close('test over') };
}

/** What the Go Live tile uploads for this poster address: a data URL, or null when it could not. */
async function previewOf(posterUrl: string): Promise<string | null> {
  const uploads: string[] = [];
  const logLines: string[] = [];
  const log = createLogger({
    level: 'warn',
    pretty: false,
    destination: new Writable({
      write(chunk, _encoding, done) {
        logLines.push(String(chunk));
        done();
      },
    }),
  });
  const preview = new PreviewUploader(
    {
      subject: () => ({ title: 'Test clip', posterUrl }),
      upload: async (dataUrl) => {
        uploads.push(dataUrl);
      },
    },
    log,
  );
  preview.refresh();
  try {
    await waitFor('the preview to be tried', () => uploads.length > 0 || logLines.length > 0);
    return uploads[0] ?? null;
  } finally {
    preview.stop();
  }
}

describe('a worker reads only from its Jellyfin', () => {
  test('ffprobe and ffmpeg refuse any input that is not the proxy’s HTTP', async () => {
    await assert.rejects(probeSource(resolveFfprobe(), clip, encoding), /cannot read the media/);
    const proxied = proxy.register(jellyfin.streamUrl('film'));
    const source = await probeSource(resolveFfprobe(), proxied.url, encoding);
    proxied.release();
    const args = segmentArgs({ url: clip, source, encoding, mode: 'transcode', startSeconds: 0 });
    await assert.rejects(
      run(resolveFfmpeg(), [...args.slice(0, -1), '-'], { maxBuffer: 64 * 1024 * 1024 }),
      /not on whitelist/,
    );
  });

  test('the Go Live tile shows the Jellyfin poster, read through the proxy', async () => {
    const { shown, stop } = await posterShownFor(`${jellyfin.url}/Items/poster/Images/Primary?tag=1`);
    try {
      assert.ok(shown.startsWith('http://127.0.0.1:') && !shown.startsWith(jellyfin.url), shown);
      assert.match((await previewOf(shown)) ?? '', /^data:image\/jpeg;base64,/);
    } finally {
      await stop();
    }
  });

  test('a poster on another host is never fetched', async () => {
    const seen = elsewhere.paths.length;
    const { shown, stop } = await posterShownFor(`${elsewhere.url}/Items/poster/Images/Primary`);
    try {
      assert.equal(await previewOf(shown), null);
      assert.equal(elsewhere.paths.length, seen, 'the other host got no request');
    } finally {
      await stop();
    }
  });
});
