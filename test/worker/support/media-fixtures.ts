// Small real media for worker tests: clips made by ffmpeg in a temp dir, served by a loopback HTTP
// server that behaves like Jellyfin's static stream (MediaBrowser auth required, Range answered 206)
// at the routes the worker reads.
import { execFile } from 'node:child_process';
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../../../src/logger.ts';
import { resolveFfmpeg, resolveFfprobe } from '../../../src/media/ffmpeg-binary.ts';
import { mediaBrowserAuthorization } from '../../../src/media/jellyfin-auth-header.ts';
import { CaptureSink, type CaptureSinkOptions } from '../../../src/worker/capture-sink.ts';
import { SourceProxy } from '../../../src/worker/media/source-proxy.ts';
import { type SessionPlayerDeps, WorkerSession } from '../../../src/worker/worker-session.ts';
import type { CreateSessionRequest, PlayRequest } from '../../../src/worker-contract/http.ts';

const run = promisify(execFile);

export interface ClipOptions {
  seconds: number;
  /** `copyable`: 320x240 baseline, keyframe every 0.5 s. `bframes`: High with B-frames (must transcode). */
  kind: 'copyable' | 'bframes';
}

export async function makeTempDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'orb-worker-test-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export async function makeClip(dir: string, name: string, options: ClipOptions): Promise<string> {
  const path = join(dir, name);
  const video =
    options.kind === 'copyable'
      ? [
          '-c:v',
          'libx264',
          '-profile:v',
          'baseline',
          '-preset',
          'ultrafast',
          '-g',
          '15',
          '-pix_fmt',
          'yuv420p',
        ]
      : ['-c:v', 'libx264', '-profile:v', 'high', '-preset', 'veryfast', '-bf', '2', '-pix_fmt', 'yuv420p'];
  await run(resolveFfmpeg(), [
    ...['-hide_banner', '-loglevel', 'error', '-y'],
    ...['-f', 'lavfi', '-i', `testsrc2=size=320x240:rate=30:duration=${options.seconds}`],
    ...['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${options.seconds}`],
    ...video,
    ...['-c:a', 'aac', '-b:a', '64k', '-ac', '2', '-movflags', '+faststart', path],
  ]);
  return path;
}

/** Keyframe times (seconds) of a file's video, from ffprobe. */
export async function keyframeTimes(path: string): Promise<number[]> {
  const { stdout } = await run(resolveFfprobe(), [
    ...['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0'],
    path,
  ]);
  return stdout
    .split('\n')
    .map((line) => line.split(','))
    .filter(([, flags]) => flags?.startsWith('K'))
    .map(([time]) => Number(time));
}

export interface MediaServer {
  /** Base URL, e.g. http://127.0.0.1:1234 */
  url: string;
  apiKey: string;
  /** Authorization headers seen, in order. */
  authorizations: (string | undefined)[];
  /** Request paths seen, in order. */
  paths: string[];
  /**
   * Serves a file as Jellyfin item `itemId`, at the item's stream, download and primary image routes;
   * other paths answer 404.
   */
  serve(itemId: string, file: string): void;
  /** The item's stream URL, shaped as the bot builds it (src/jellyfin/client.ts). */
  streamUrl(itemId: string): string;
  close(): Promise<void>;
}

const ITEM_ROUTE = /^\/(?:Videos\/([^/]+)\/stream|Items\/([^/]+)\/(?:Download|Images\/Primary))$/;

export async function startMediaServer(apiKey = 'test-jellyfin-api-key-123'): Promise<MediaServer> {
  const files = new Map<string, string>();
  const authorizations: (string | undefined)[] = [];
  const paths: string[] = [];
  const server = http.createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    authorizations.push(req.headers.authorization);
    paths.push(path);
    if (!req.headers.authorization?.includes(`Token="${apiKey}"`)) {
      res.writeHead(401).end();
      return;
    }
    const route = ITEM_ROUTE.exec(path);
    const file = route ? files.get(route[1] ?? route[2] ?? '') : undefined;
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    const { size } = await stat(file);
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const end = range?.[2] ? Number(range[2]) : size - 1;
    const headers = {
      'content-type': 'video/mp4',
      'accept-ranges': 'bytes',
      'content-length': end - start + 1,
    };
    if (range) {
      res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${size}` });
    } else {
      res.writeHead(200, headers);
    }
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(file, { start, end }).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    apiKey,
    authorizations,
    paths,
    serve: (itemId, file) => files.set(itemId, file),
    streamUrl: (itemId) => `${url}/Videos/${itemId}/stream?static=true`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function playRequest(
  streamUrl: string,
  overrides: {
    downloadUrl?: string;
    startPositionSeconds?: number;
    queueEntryId?: number;
    durationSeconds?: number;
  } = {},
): PlayRequest {
  return {
    queueEntryId: overrides.queueEntryId ?? 1,
    jellyfinSourceId: 'source-1',
    title: 'Test clip',
    mediaType: 'movie',
    playback: {
      itemId: 'item-1',
      sourceId: 'source-1',
      title: 'Test clip',
      mediaType: 'movie',
      streamUrl,
      downloadUrl: overrides.downloadUrl ?? streamUrl,
      durationSeconds: overrides.durationSeconds ?? null,
      posterUrl: null,
      year: 2024,
      tmdbId: null,
      imdbId: null,
      episode: null,
    },
    ...(overrides.startPositionSeconds !== undefined
      ? { startPositionSeconds: overrides.startPositionSeconds }
      : {}),
  };
}

/** What the bot sends to play a Jellyfin playback target as queue entry 1, from `startSeconds` when above 0. */
export function targetPlayRequest(
  target: PlayRequest['playback'],
  startSeconds = 0,
  tracks?: PlayRequest['tracks'],
): PlayRequest {
  return {
    queueEntryId: 1,
    jellyfinSourceId: target.itemId,
    title: target.title,
    mediaType: target.mediaType,
    playback: target,
    ...(tracks ? { tracks } : {}),
    ...(startSeconds > 0 ? { startPositionSeconds: startSeconds } : {}),
  };
}

/** Direct children of `pid` with their argv, from /proc (Linux). */
export function childProcesses(pid: number): { pid: number; argv: string[] }[] {
  const children: { pid: number; argv: string[] }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command name: state, ppid, ...
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== pid) continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      children.push({ pid: Number(entry), argv });
    } catch {
      // The process ended while we looked.
    }
  }
  return children;
}

export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** An opened worker session streaming into a capture sink, with the real ffmpeg and ffprobe. */
export async function openCaptureSession(
  deps: Omit<SessionPlayerDeps, 'ffmpegPath' | 'ffprobePath'>,
  logger: Logger,
  sinkOptions: CaptureSinkOptions = {},
): Promise<{ session: WorkerSession; sink: CaptureSink }> {
  const sink = new CaptureSink(sinkOptions);
  const session = new WorkerSession(
    sessionRequest('7'),
    sink,
    { ffmpegPath: resolveFfmpeg(), ffprobePath: resolveFfprobe(), ...deps },
    logger,
  );
  await session.open();
  return { session, sink };
}

/** The worker's source proxy in front of a (fake) Jellyfin, signed in with its API key. */
export function startSourceProxy(jellyfin: { url: string; apiKey: string }): Promise<SourceProxy> {
  return SourceProxy.start({
    jellyfinUrl: jellyfin.url,
    authorization: mediaBrowserAuthorization(jellyfin.apiKey, 'test-device'),
  });
}

/** A temp folder and a media server serving one copyable clip of `seconds` as the item `clip`. */
export async function serveClip(
  seconds: number,
): Promise<{ temp: Awaited<ReturnType<typeof makeTempDir>>; server: MediaServer }> {
  const temp = await makeTempDir();
  const server = await startMediaServer();
  server.serve('clip', await makeClip(temp.dir, 'clip.mp4', { seconds, kind: 'copyable' }));
  return { temp, server };
}

/** What the bot asks a worker to open for party `sessionId`, in the fixtures' guild and channels. */
export function sessionRequest(sessionId: string): CreateSessionRequest {
  return { sessionId, guildId: '10', voiceChannelId: '20', textChannelId: '30' };
}
