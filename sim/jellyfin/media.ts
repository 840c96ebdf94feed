// Media files for the simulator, made by ffmpeg on first use and cached by recipe hash, so a test
// run pays a fraction of a second per distinct file once. Every video shows testsrc2 with the title
// and a burned-in frame counter, and every audio track beeps a sine once a second, so a viewer can
// check picture, sound and their sync by eye and ear. MediaStreams come from ffprobe on the real
// file, so stream indexes match what the worker's ffmpeg sees. A `file` recipe serves an existing
// local file as it is (`npm run try-media`): the operator's own media, with its real tracks.
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { promisify } from 'node:util';
import { resolveFfmpeg, resolveFfprobe } from '../../src/media/ffmpeg-binary.ts';

const run = promisify(execFile);

export type MediaRecipeKind = 'h264' | 'dual-audio' | 'hevc' | 'vfr';

export interface GeneratedRecipe {
  kind: MediaRecipeKind;
  seconds: number;
  /** Burned into the picture; letters, digits and spaces only. */
  label: string;
  /** Beep pitch of the first audio track in Hz (the second track of dual-audio is 1.5×). */
  frequency: number;
}

/** A file that already exists on this machine, served untouched. */
export interface LocalFileRecipe {
  kind: 'file';
  path: string;
}

export type MediaRecipe = GeneratedRecipe | LocalFileRecipe;

/** Used for items without a recipe of their own (the large metadata-only catalog). */
export const fallbackRecipe: GeneratedRecipe = { kind: 'h264', seconds: 5, label: 'Orb sim', frequency: 440 };

/** Bump when the ffmpeg arguments change, so cached files are rebuilt. */
const RECIPE_VERSION = 2;

export interface GeneratedMedia {
  path: string;
  /** The file's extension, as Jellyfin reports a source's container (`mp4`, `mkv`, `ts`, …). */
  container: string;
  size: number;
  probe: ProbeResult;
  /** Subtitle files beside the media (Jellyfin numbers them after the file's own streams). */
  externalSubtitles: ExternalSubtitle[];
}

/** A subtitle file beside the media, as Jellyfin finds `Film.fre.srt` next to `Film.mkv`. */
export interface ExternalSubtitle {
  path: string;
  codec: string;
  language: string | null;
}

/** Subtitle codecs Jellyfin treats as text (delivered as files, burned in with libass). */
export const textSubtitleCodecs = new Set(['subrip', 'srt', 'ass', 'ssa', 'webvtt', 'mov_text']);

/** ffmpeg's muxer for each format Jellyfin delivers subtitles in. */
const subtitleMuxers: Record<string, string> = { srt: 'srt', ass: 'ass', ssa: 'ass', vtt: 'webvtt' };

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

export function containerOf(recipe: MediaRecipe): string {
  if (recipe.kind === 'file') return extname(recipe.path).slice(1).toLowerCase() || 'bin';
  // MP4 for VFR: its sample table lets ffprobe (and Jellyfin) report the true average frame rate.
  return recipe.kind === 'h264' || recipe.kind === 'vfr' ? 'mp4' : 'mkv';
}

/** Height of the black band dual-audio files keep at the bottom, where subtitles are drawn. */
export const SUBTITLE_BAND_HEIGHT = 64;

function videoFilter(recipe: GeneratedRecipe, drawtext: boolean): string {
  const label = recipe.label.replace(/[^A-Za-z0-9 ]/g, '');
  const filters: string[] = [];
  if (recipe.kind === 'vfr') filters.push(String.raw`select='if(lt(mod(t\,2)\,1)\,1\,not(mod(n\,3)))'`);
  // A plain band under burned-in subtitles, so a viewer's frame shows plainly whether one is drawn.
  const band = recipe.kind === 'dual-audio';
  if (band)
    filters.push(
      `drawbox=x=0:y=ih-${SUBTITLE_BAND_HEIGHT}:w=iw:h=${SUBTITLE_BAND_HEIGHT}:color=black:t=fill`,
    );
  if (drawtext) {
    const counterY = band ? '32' : 'h-28';
    filters.push(
      `drawtext=text='${label}':x=8:y=8:fontsize=18:fontcolor=white:box=1:boxcolor=black@0.6`,
      String.raw`drawtext=text='frame %{frame_num}  %{pts\:hms}':x=8:y=` +
        `${counterY}:fontsize=18:fontcolor=white:box=1:boxcolor=black@0.6`,
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

function ffmpegArgs(
  recipe: GeneratedRecipe,
  output: string,
  subtitles: SubtitleSources,
  drawtext: boolean,
): string[] {
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
      args.push(...sine(Math.round(recipe.frequency * 1.5), s), '-i', subtitles.srt, '-i', subtitles.ass);
      args.push(...maps('0:v', '1:a', '2:a', '3:s', '4:s'), ...video, ...encode('libx264', 32), ...aac);
      args.push('-c:s:0', 'srt', '-c:s:1', 'ass');
      args.push('-metadata:s:a:0', 'language=eng', '-metadata:s:a:0', 'title=English');
      args.push('-metadata:s:a:1', 'language=jpn', '-metadata:s:a:1', 'title=Japanese');
      args.push('-metadata:s:s:0', 'language=eng', '-metadata:s:s:1', 'language=jpn');
      args.push('-metadata:s:s:1', 'title=Styled');
      args.push('-disposition:a:0', 'default', '-disposition:a:1', '0');
      args.push('-disposition:s:0', '0', '-disposition:s:1', '0');
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

/** Subtitle cues of dual-audio files: one second on, one second off ([1, 2), [3, 4), … seconds). */
function cueTimes(seconds: number): number[] {
  const starts: number[] = [];
  for (let t = 1; t + 1 <= seconds; t += 2) starts.push(t);
  return starts;
}

function srtText(seconds: number, words: string): string {
  const clock = (t: number) => `00:00:${String(t).padStart(2, '0')},000`;
  return cueTimes(seconds)
    .flatMap((t, n) => [String(n + 1), `${clock(t)} --> ${clock(t + 1)}`, `${words} ${n + 1}`, ''])
    .join('\n');
}

/** ASS with its own styling (large yellow, outlined), which a burn-in must keep. */
function assText(seconds: number): string {
  const clock = (t: number) => `0:00:${String(t).padStart(2, '0')}.00`;
  return [
    '[Script Info]',
    'ScriptType: v4.00+',
    'PlayResX: 320',
    'PlayResY: 240',
    '',
    '[V4+ Styles]',
    'Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding',
    'Style: Default,Sans,28,&H0000FFFF,&H0000FFFF,&H00000000,&H00000000,-1,0,0,0,100,100,0,0,1,2,0,2,10,10,12,1',
    '',
    '[Events]',
    'Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text',
    ...cueTimes(seconds).map(
      (t, n) => `Dialogue: 0,${clock(t)},${clock(t + 1)},Default,,0,0,0,,Jimaku ${n + 1}`,
    ),
    '',
  ].join('\n');
}

interface SubtitleSources {
  srt: string;
  ass: string;
}

/** Jellyfin's codec name for a subtitle file beside the media, by extension. */
const sidecarCodecs: Record<string, string> = { srt: 'subrip', ass: 'ass', ssa: 'ssa', vtt: 'webvtt' };

/** `Film.fre.srt` (or `Film.srt`) beside `Film.mkv`, in name order, as Jellyfin lists them. */
async function findSidecars(mediaPath: string): Promise<ExternalSubtitle[]> {
  const stem = basename(mediaPath, extname(mediaPath));
  const names = (await readdir(dirname(mediaPath))).sort();
  return names.flatMap((name) => {
    const match = /^(?:\.([a-z]{2,3}))?\.([a-z]+)$/i.exec(name.slice(stem.length));
    const codec = sidecarCodecs[match?.[2]?.toLowerCase() ?? ''];
    if (!name.startsWith(stem) || !match || !codec) return [];
    return [{ path: join(dirname(mediaPath), name), codec, language: match[1]?.toLowerCase() ?? null }];
  });
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
    if (recipe.kind === 'file') return this.#describe(recipe.path, containerOf(recipe));
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

  async #build(key: string, recipe: GeneratedRecipe): Promise<GeneratedMedia> {
    const container = containerOf(recipe);
    const path = join(this.cacheDir, `${recipe.kind}-${key}.${container}`);
    if ((await exists(path)) === null) {
      await mkdir(this.cacheDir, { recursive: true });
      // Write beside the final name, then rename: concurrent test processes never see half a file.
      const temp = `${path}.${randomUUID()}.tmp.${container}`;
      const subtitles = { srt: `${temp}.srt`, ass: `${temp}.ass` };
      try {
        if (recipe.kind === 'dual-audio') {
          await writeFile(subtitles.srt, srtText(recipe.seconds, 'Subtitle'));
          await writeFile(subtitles.ass, assText(recipe.seconds));
          // The French subtitles live beside the file, as Jellyfin's external subtitles do.
          const sidecar = path.replace(/\.[a-z0-9]+$/, '.fre.srt');
          await writeFile(`${sidecar}.tmp`, srtText(recipe.seconds, 'Sous-titre'));
          await rename(`${sidecar}.tmp`, sidecar);
        }
        await run(this.#ffmpeg, ffmpegArgs(recipe, temp, subtitles, await this.#hasDrawtext()));
        await rename(temp, path);
      } finally {
        await rm(temp, { force: true });
        await rm(subtitles.srt, { force: true });
        await rm(subtitles.ass, { force: true });
      }
    }
    return this.#describe(path, container);
  }

  async #describe(path: string, container: string): Promise<GeneratedMedia> {
    const probe = await run(this.#ffprobe, [
      '-v',
      'error',
      '-show_streams',
      '-show_format',
      '-of',
      'json',
      path,
    ])
      .then(({ stdout }) => JSON.parse(stdout) as ProbeResult)
      // Jellyfin still lists a file its scan could not read, with no streams: playing it is what fails.
      .catch((): ProbeResult => ({ streams: [], format: {} }));
    const externalSubtitles = await findSidecars(path);
    return { path, container, size: (await exists(path)) ?? 0, probe, externalSubtitles };
  }

  /**
   * Subtitle stream `index` of the media as a file in `format` (srt, ass, ssa, vtt), as Jellyfin
   * delivers it: embedded text streams extracted, external files converted; made once and cached.
   * Null when the index names no text subtitles.
   */
  async subtitleFile(recipe: MediaRecipe, index: number, format: string): Promise<string | null> {
    const muxer = subtitleMuxers[format.toLowerCase()];
    const media = await this.media(recipe);
    const embedded = media.probe.streams.find((stream) => stream.index === index);
    const external = media.externalSubtitles[index - media.probe.streams.length];
    const text = embedded?.codec_type === 'subtitle' && textSubtitleCodecs.has(embedded.codec_name ?? '');
    if (!muxer || (!text && !external)) return null;
    const output = join(this.cacheDir, `${basename(media.path)}.${index}.${format.toLowerCase()}`);
    if ((await exists(output)) !== null) return output;
    await mkdir(this.cacheDir, { recursive: true });
    const temp = `${output}.${randomUUID()}.tmp`;
    const input = text ? ['-i', media.path, '-map', `0:${index}`] : ['-i', external!.path];
    await run(this.#ffmpeg, ['-hide_banner', '-loglevel', 'error', '-y', ...input, '-f', muxer, temp]);
    await rename(temp, output);
    return output;
  }

  #hasDrawtext(): Promise<boolean> {
    this.#drawtext ??= run(this.#ffmpeg, ['-hide_banner', '-filters']).then(
      ({ stdout }) => /\sdrawtext\s/.test(stdout),
      () => false,
    );
    return this.#drawtext;
  }
}
