// The capacity benchmark's films, generated once into .cache/bench-capacity: a 1080p24 film as
// films are mastered (B-frames, so the worker or Jellyfin must transcode it) and the same picture
// as a Discord-ready 720p24 file (no B-frames, a 2 s GOP) that copy mode passes through. Each is a
// 30 s piece with film-grain-like noise, so the encoder has real detail to keep, repeated without
// re-encoding to the length a whole ramp of parties needs.
import { mkdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { resolveFfmpeg } from '../src/media/ffmpeg-binary.ts';

const CACHE_DIR = '.cache/bench-capacity';
const PIECE_SECONDS = 30;
export const FILM_FPS = 24;

export interface CapacityFilms {
  /** 1080p24 H.264 High with B-frames + AAC stereo: a source that needs transcoding. */
  master: string;
  /** 720p24 H.264 High without B-frames, 2 s GOP + AAC stereo: a source copy mode passes through. */
  discordReady: string;
}

const picture =
  `testsrc2=size=1920x1080:rate=${FILM_FPS}:duration=${PIECE_SECONDS},` +
  'noise=alls=10:allf=t+u,format=yuv420p';
const sound = `sine=frequency=440:beep_factor=4:sample_rate=48000:duration=${PIECE_SECONDS}`;
const aac = ['-c:a', 'aac', '-b:a', '160k', '-ac', '2'];

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isFile() ?? false;
}

async function ffmpeg(args: string[]): Promise<void> {
  await execa(resolveFfmpeg(), ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
}

/** `piece` repeated to `seconds` without re-encoding, written beside `path` and renamed. */
async function repeated(piece: string, path: string, seconds: number): Promise<void> {
  const partial = `${path}.partial.mp4`;
  const loops = Math.ceil(seconds / PIECE_SECONDS) - 1;
  await ffmpeg(['-stream_loop', String(loops), '-i', piece, '-t', String(seconds), '-c', 'copy', partial]);
  await rename(partial, path);
}

async function film(name: string, seconds: number, encode: string[]): Promise<string> {
  const path = join(CACHE_DIR, `${name}-${seconds}s.mp4`);
  if (await exists(path)) return path;
  process.stderr.write(`generating ${path} (once)…\n`);
  const piece = join(CACHE_DIR, `${name}-piece.mp4`);
  if (!(await exists(piece))) {
    const partial = `${piece}.partial.mp4`;
    await ffmpeg(['-f', 'lavfi', '-i', picture, '-f', 'lavfi', '-i', sound, ...encode, ...aac, partial]);
    await rename(partial, piece);
  }
  await repeated(piece, path, seconds);
  return path;
}

/** The two films, at least `seconds` long, generated now when missing. */
export async function capacityFilms(seconds: number): Promise<CapacityFilms> {
  await mkdir(CACHE_DIR, { recursive: true });
  const gop = String(2 * FILM_FPS);
  const master = await film('master-1080p24', seconds, [
    ...['-c:v', 'libx264', '-preset', 'fast', '-profile:v', 'high', '-bf', '3'],
    ...['-b:v', '8000k', '-maxrate', '10000k', '-bufsize', '16000k', '-g', gop],
  ]);
  const discordReady = await film('ready-720p24', seconds, [
    ...['-vf', 'scale=1280:720', '-c:v', 'libx264', '-preset', 'fast', '-profile:v', 'high', '-bf', '0'],
    ...['-b:v', '2400k', '-maxrate', '2400k', '-bufsize', '4800k', '-g', gop, '-keyint_min', gop],
    ...['-sc_threshold', '0'],
  ]);
  return { master, discordReady };
}
