// Media files for the simulator, made by ffmpeg on first use and cached by recipe hash, so a test
// run pays a fraction of a second per distinct file once. Every video shows testsrc2 with the title
// and a burned-in frame counter, and every audio track beeps a sine once a second, so a viewer can
// check picture, sound and their sync by eye and ear. MediaStreams come from ffprobe on the real
// file, so stream indexes match what the worker's ffmpeg sees.
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { resolveFfmpeg, resolveFfprobe } from '../../src/media/ffmpeg-binary.ts';

const run = promisify(execFile);

export type MediaRecipeKind = 'h264' | 'dual-audio' | 'hevc' | 'vfr';

export interface MediaRecipe {
  kind: MediaRecipeKind;
  seconds: number;
  /** Burned into the picture; letters, digits and spaces only. */
  label: string;
  /** Beep pitch of the first audio track in Hz (the second track of dual-audio is 1.5×). */
  frequency: number;
}

/** Used for items without a recipe of their own (the large metadata-only catalog). */
export const fallbackRecipe: MediaRecipe = { kind: 'h264', seconds: 5, label: 'Orb sim', frequency: 440 };

/** Bump when the ffmpeg arguments change, so cached files are rebuilt. */
const RECIPE_VERSION = 1;

export interface GeneratedMedia {
  path: string;
  container: 'mp4' | 'mkv';
  size: number;
  probe: ProbeResult;
}

export interface ProbeStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  channels?: number;
  channel_layout?: string;
  sample_rate?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  tags?: Record<string, string>;
  disposition?: Record<string, number>;
}

export interface ProbeResult {
  streams: ProbeStream[];
  format: { duration?: string; size?: string; bit_rate?: string; format_name?: string };
}

const SIZE = 'size=320x240:rate=24';

export function containerOf(recipe: MediaRecipe): 'mp4' | 'mkv' {
  // MP4 for VFR: its sample table lets ffprobe (and Jellyfin) report the true average frame rate.
  return recipe.kind === 'h264' || recipe.kind === 'vfr' ? 'mp4' : 'mkv';
}

function videoFilter(recipe: MediaRecipe, drawtext: boolean): string {
  const label = recipe.label.replace(/[^A-Za-z0-9 ]/g, '');
  const filters: string[] = [];
  if (recipe.kind === 'vfr') filters.push(String.raw`select='if(lt(mod(t\,2)\,1)\,1\,not(mod(n\,3)))'`);
  if (drawtext) {
    filters.push(
      `drawtext=text='${label}':x=8:y=8:fontsize=18:fontcolor=white:box=1:boxcolor=black@0.6`,
      String.raw`drawtext=text='frame %{frame_num}  %{pts\:hms}':x=8:y=h-28:fontsize=18:fontcolor=white:box=1:boxcolor=black@0.6`,
    );
  }
  return filters.length > 0 ? filters.join(',') : 'null';
}

/** Quiet, overwriting ffmpeg, reading a lavfi source as its first input. */
function generatorArgs(source: string): string[] {
  return ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', source];
}

function sine(frequency: number, seconds: number): string[] {
  return [
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=${frequency}:beep_factor=4:sample_rate=48000:duration=${seconds}`,
  ];
}

function ffmpegArgs(recipe: MediaRecipe, output: string, subtitlePath: string, drawtext: boolean): string[] {
  const s = recipe.seconds;
  const args = generatorArgs(`testsrc2=${SIZE}:duration=${s}`);
  args.push(...sine(recipe.frequency, s));
  const video = ['-vf', videoFilter(recipe, drawtext), '-pix_fmt', 'yuv420p', '-g', '24'];
  const aac = ['-c:a', 'aac', '-b:a', '64k', '-ac', '2'];
  const maps = (...inputs: string[]) => inputs.flatMap((input) => ['-map', input]);
  const encode = (codec: string, crf: number) => ['-c:v', codec, '-preset', 'ultrafast', '-crf', String(crf)];
  switch (recipe.kind) {
    case 'h264':
      args.push(...maps('0:v', '1:a'), ...video, ...encode('libx264', 32), ...aac, '-movflags', '+faststart');
      break;
    case 'dual-audio':
      args.push(...sine(Math.round(recipe.frequency * 1.5), s), '-i', subtitlePath);
      args.push(
        ...maps('0:v', '1:a', '2:a', '3:s'),
        ...video,
        ...encode('libx264', 32),
        ...aac,
        '-c:s',
        'srt',
      );
      args.push('-metadata:s:a:0', 'language=eng', '-metadata:s:a:1', 'language=jpn');
      args.push('-metadata:s:s:0', 'language=eng', '-disposition:a:0', 'default', '-disposition:a:1', '0');
      break;
    case 'hevc':
      args.push(
        ...maps('0:v', '1:a'),
        ...video,
        ...encode('libx265', 34),
        '-x265-params',
        'log-level=error',
        ...aac,
      );
      break;
    case 'vfr':
      args.push(...maps('0:v', '1:a'), ...video, '-fps_mode', 'vfr', ...encode('libx264', 32), ...aac);
      args.push('-movflags', '+faststart');
      break;
  }
  args.push('-t', String(s), output);
  return args;
}

function subtitleText(seconds: number): string {
  const lines: string[] = [];
  const clock = (t: number) => `00:00:${String(t).padStart(2, '0')},000`;
  for (let t = 0; t < seconds; t += 2) {
    lines.push(
      String(t / 2 + 1),
      `${clock(t)} --> ${clock(Math.min(t + 2, seconds))}`,
      `Subtitle at ${t} s`,
      '',
    );
  }
  return lines.join('\n');
}

async function exists(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch {
    return null;
  }
}

/** Generates media into a cache directory, once per recipe, even under concurrent requests. */
export class MediaFactory {
  readonly cacheDir: string;
  readonly #ffmpeg: string;
  readonly #ffprobe: string;
  readonly #pending = new Map<string, Promise<GeneratedMedia>>();
  #drawtext: Promise<boolean> | null = null;

  constructor(cacheDir: string, env: NodeJS.ProcessEnv = process.env) {
    this.cacheDir = cacheDir;
    this.#ffmpeg = resolveFfmpeg(env);
    this.#ffprobe = resolveFfprobe(env);
  }

  media(recipe: MediaRecipe): Promise<GeneratedMedia> {
    const key = createHash('sha256')
      .update(JSON.stringify({ RECIPE_VERSION, ...recipe }))
      .digest('hex')
      .slice(0, 20);
    let pending = this.#pending.get(key);
    if (!pending) {
      pending = this.#build(key, recipe);
      this.#pending.set(key, pending);
      pending.catch(() => this.#pending.delete(key));
    }
    return pending;
  }

  /** A 300×450 JPEG poster, shared by every item. */
  async poster(): Promise<string> {
    const path = join(this.cacheDir, `poster-v${RECIPE_VERSION}.jpg`);
    if ((await exists(path)) !== null) return path;
    await mkdir(this.cacheDir, { recursive: true });
    const temp = `${path}.${randomUUID()}.tmp.jpg`;
    await run(this.#ffmpeg, [
      ...generatorArgs('testsrc2=size=300x450:rate=1:duration=1'),
      '-frames:v',
      '1',
      temp,
    ]);
    await rename(temp, path);
    return path;
  }

  async #build(key: string, recipe: MediaRecipe): Promise<GeneratedMedia> {
    const container = containerOf(recipe);
    const path = join(this.cacheDir, `${recipe.kind}-${key}.${container}`);
    if ((await exists(path)) === null) {
      await mkdir(this.cacheDir, { recursive: true });
      // Write beside the final name, then rename: concurrent test processes never see half a file.
      const temp = `${path}.${randomUUID()}.tmp.${container}`;
      const subtitlePath = `${temp}.srt`;
      try {
        if (recipe.kind === 'dual-audio') await writeFile(subtitlePath, subtitleText(recipe.seconds));
        await run(this.#ffmpeg, ffmpegArgs(recipe, temp, subtitlePath, await this.#hasDrawtext()));
        await rename(temp, path);
      } finally {
        await rm(temp, { force: true });
        await rm(subtitlePath, { force: true });
      }
    }
    const { stdout } = await run(this.#ffprobe, [
      '-v',
      'error',
      '-show_streams',
      '-show_format',
      '-of',
      'json',
      path,
    ]);
    const probe = JSON.parse(stdout) as ProbeResult;
    return { path, container, size: (await exists(path)) ?? 0, probe };
  }

  #hasDrawtext(): Promise<boolean> {
    this.#drawtext ??= run(this.#ffmpeg, ['-hide_banner', '-filters']).then(
      ({ stdout }) => /\sdrawtext\s/.test(stdout),
      () => false,
    );
    return this.#drawtext;
  }
}
