// Files that stop before their stated duration, and connections that drop mid-file: what the viewer
// gets. A file cut short must play everything it holds and end with `truncated`; a dropped
// connection must resume where it stopped and finish.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { waitFor } from '../../sim/wait-for.ts';
import { createLogger } from '../../src/logger.ts';
import { resolveFfprobe } from '../../src/media/ffmpeg-binary.ts';
import type { CapturedFrame } from '../../src/worker/capture-sink.ts';
import { AUDIO_FRAME_MS } from '../../src/worker/media/frame-pacer.ts';
import { SourceProxy } from '../../src/worker/media/source-proxy.ts';
import { streamEncoding } from '../../src/worker/media/stream-encoding.ts';
import type { WorkerEvent } from '../../src/worker-contract/http.ts';
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
const CLIP_SECONDS = 8;
/** Keep this share of the bytes: the file then stops about 3.5 s before its stated end. */
const KEPT_SHARE = 0.55;
const AAC_FRAME_SECONDS = 1024 / 48_000;

interface Contents {
  videoPackets: number;
  audioSeconds: number;
}

/** What a (truncated) file really holds: the packets ffprobe can read from it. */
async function contents(path: string): Promise<Contents> {
  const { stdout } = await run(resolveFfprobe(), [
    ...['-v', 'quiet', '-count_packets', '-show_entries', 'stream=codec_type,nb_read_packets'],
    ...['-of', 'csv=p=0', path],
  ]);
  const counts = new Map(
    stdout
      .trim()
      .split('\n')
      .map((line) => line.split(',') as [string, string]),
  );
  return {
    videoPackets: Number(counts.get('video')),
    audioSeconds: Number(counts.get('audio')) * AAC_FRAME_SECONDS,
  };
}

async function cutShort(path: string): Promise<string> {
  const bytes = await readFile(path);
  const cut = path.replace(/\.(\w+)$/, '-cut.$1');
  await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length * KEPT_SHARE)));
  return cut;
}

/**
 * Serves one file as Jellyfin item `film` (any key accepted) and cuts the player's ffmpeg's answer at `cutAtByte` (the first
 * answer goes to the probe, which reads only the head). ffmpeg's own reconnects, which ask for the
 * rest from that byte, get 503 until it gives up; a new ffmpeg, which opens the file afresh, is
 * served: a media server that drops mid-film and is back by the time the player tries again.
 */
async function startDroppingServer(file: string, cutAtByte: number) {
  const { size } = await stat(file);
  let answers = 0;
  let cut = false;
  const server = http.createServer((req, res) => {
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    if (cut && start === cutAtByte) {
      res.writeHead(503).end();
      return;
    }
    const end = range?.[2] ? Number(range[2]) : size - 1;
    const headers = {
      'content-type': 'video/mp4',
      'accept-ranges': 'bytes',
      'content-length': end - start + 1,
    };
    if (range) res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${size}` });
    else res.writeHead(200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    if (++answers === 2 && start < cutAtByte && end >= cutAtByte) {
      cut = true;
      createReadStream(file, { start, end: cutAtByte - 1 })
        .on('end', () => res.socket?.destroy())
        .pipe(res, { end: false });
      return;
    }
    createReadStream(file, { start, end }).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const proxy = await SourceProxy.start({ jellyfinUrl: origin, authorization: 'MediaBrowser Token="any"' });
  return {
    url: `${origin}/Videos/film/stream?static=true`,
    proxy,
    wasCut: () => cut,
    close: async () => {
      await proxy.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const logLines: { msg?: string }[] = [];
const logger = createLogger({
  level: 'info',
  pretty: false,
  destination: { write: (line: string) => void logLines.push(JSON.parse(line)) },
});

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let server: MediaServer;
let proxy: SourceProxy;
/**
 * Copy mode from MP4 (its index, up front, still lists the samples that are gone) and transcoding
 * from Matroska (most libraries; ffmpeg says "File ended prematurely" and exits 0).
 */
const CLIPS = [
  { name: 'copyable.mp4', itemId: 'copyable-mp4', kind: 'copyable' },
  { name: 'bframes.mkv', itemId: 'bframes-mkv', kind: 'bframes' },
] as const;
const clips = new Map<string, { path: string; contents: Contents }>();

before(async () => {
  temp = await makeTempDir();
  server = await startMediaServer();
  proxy = await startSourceProxy(server);
  for (const { name, itemId, kind } of CLIPS) {
    const whole = await makeClip(temp.dir, name, { seconds: CLIP_SECONDS, kind });
    const cut = await cutShort(whole);
    server.serve(itemId, cut);
    clips.set(name, { path: whole, contents: await contents(cut) });
  }
});

after(async () => {
  await proxy.close();
  await server.close();
  await temp.remove();
});

/**
 * `playbackRate`: media seconds per wall second. Cut-short files play in real time, as viewers see
 * them: faster, the queue would drain during the player's restarts and hide media thrown away.
 */
async function playToTheEnd(url: string, through: SourceProxy, playbackRate: number) {
  const { session, sink } = await openCaptureSession(
    { proxy: through, encoding: streamEncoding('720p30'), playbackRate },
    logger,
  );
  const events: WorkerEvent[] = [];
  session.subscribe((event) => events.push(event));
  session.play(playRequest(url));
  const ended = await waitFor('the item to end', () =>
    events.find((e): e is Extract<WorkerEvent, { type: 'ended' }> => e.type === 'ended'),
  );
  const status = session.status();
  await session.close('test over');
  const ofKind = (kind: CapturedFrame['kind']) => sink.frames.filter((frame) => frame.kind === kind);
  return {
    ended,
    status,
    videoFrames: ofKind('video').length,
    videoPts: ofKind('video').map((frame) => frame.ptsMs),
    audioSeconds: (ofKind('audio').length * AUDIO_FRAME_MS) / 1000,
  };
}

describe('a file cut short', () => {
  for (const { name, itemId } of CLIPS) {
    test(`plays all it holds and ends as truncated where it stops (${name})`, async () => {
      const held = clips.get(name)!.contents;
      logLines.length = 0;
      const played = await playToTheEnd(server.streamUrl(itemId), proxy, 1);

      assert.ok(
        played.videoFrames >= 0.95 * held.videoPackets,
        `${played.videoFrames} video frames shown of the ${held.videoPackets} the file holds`,
      );
      assert.ok(
        played.audioSeconds >= 0.95 * held.audioSeconds,
        `${played.audioSeconds} s of audio heard of the ${held.audioSeconds.toFixed(2)} s the file holds`,
      );
      assert.equal(played.ended.reason, 'truncated');
      assert.ok(
        Math.abs(played.ended.positionSeconds - held.audioSeconds) < 0.5,
        `ended at ${played.ended.positionSeconds} s; the file holds ${held.audioSeconds.toFixed(2)} s`,
      );
      assert.match(played.ended.error ?? '', /^the file ended early: no media past \d+\.\d s of its 8\.0 s$/);
      assert.equal(played.status.playbackState, 'ended', 'an item cut short is not a playback error');
      const restarts = logLines.filter((line) => line.msg?.startsWith('media input ended early')).length;
      assert.ok(restarts <= 1, `${restarts} ffmpeg restarts at the point where the file stops`);
    });
  }
});

describe('a connection dropped mid-file', () => {
  test('resumes where it stopped and plays the whole film', async () => {
    // MP4: on a Matroska input ffmpeg runs its own reconnects three times over (12 s) before it gives up.
    const whole = clips.get('copyable.mp4')!.path;
    const { size } = await stat(whole);
    const dropping = await startDroppingServer(whole, Math.floor(size / 2));
    try {
      logLines.length = 0;
      const played = await playToTheEnd(dropping.url, dropping.proxy, 3);
      assert.ok(dropping.wasCut(), 'the connection was cut');
      const restarts = logLines.filter((line) => line.msg?.startsWith('media input ended early')).length;
      assert.equal(restarts, 1, 'ffmpeg gave up on its own reconnects and the player started a new one');
      assert.equal(played.ended.reason, 'finished');
      assert.ok(
        Math.abs(played.videoFrames - CLIP_SECONDS * 30) <= CLIP_SECONDS * 30 * 0.02,
        `${played.videoFrames} video frames of ${CLIP_SECONDS * 30}`,
      );
      assert.ok(
        played.videoPts.every((pts, i) => i === 0 || pts > played.videoPts[i - 1]!),
        'no frame shown twice across the resume',
      );
      assert.ok(Math.abs(played.ended.positionSeconds - CLIP_SECONDS) < 0.3);
    } finally {
      await dropping.close();
    }
  });
});
