// The viewer's picture against the source, with ffmpeg's ssim filter: the H.264 the voice
// simulator's viewer wrote (watch mode) is lined up with the film frame by frame, the film scaled
// to the viewer's size, and the mean SSIM (Y, U and V, "All") of a sample is the figure. The viewer
// may have missed the stream's first frames, so the film frame the sample starts at is found first,
// on small grey thumbnails.
import { execa } from 'execa';
import { resolveFfmpeg } from '../src/media/ffmpeg-binary.ts';

const THUMB = { width: 32, height: 18 };
const THUMB_BYTES = THUMB.width * THUMB.height;
/** Viewer frames lined up, and how far into the film their first one is looked for. */
const ALIGN_FRAMES = 24;
const SEARCH_FRAMES = 72;

async function thumbnails(input: string[], frames: number): Promise<Buffer[]> {
  const { stdout } = await execa(
    resolveFfmpeg(),
    [
      ...['-hide_banner', '-loglevel', 'error', ...input],
      ...['-vf', `scale=${THUMB.width}:${THUMB.height},format=gray`, '-frames:v', String(frames)],
      ...['-f', 'rawvideo', 'pipe:1'],
    ],
    { encoding: 'buffer', maxBuffer: 1 << 26 },
  );
  const all = Buffer.from(stdout);
  return Array.from({ length: Math.floor(all.length / THUMB_BYTES) }, (_, index) =>
    all.subarray(index * THUMB_BYTES, (index + 1) * THUMB_BYTES),
  );
}

function distance(a: readonly Buffer[], b: readonly Buffer[]): number {
  let sum = 0;
  for (let frame = 0; frame < a.length; frame++) {
    for (let byte = 0; byte < THUMB_BYTES; byte++) sum += (a[frame]![byte]! - b[frame]![byte]!) ** 2;
  }
  return sum;
}

/** The film frame the viewer's first frame shows. */
async function firstFilmFrame(viewer: string[], film: string): Promise<number> {
  const seen = await thumbnails(viewer, ALIGN_FRAMES);
  const source = await thumbnails(['-i', film], SEARCH_FRAMES + seen.length);
  if (seen.length < ALIGN_FRAMES) throw new Error('the viewer wrote too few frames to line up with the film');
  let best = { offset: 0, distance: Number.POSITIVE_INFINITY };
  for (let offset = 0; offset + seen.length <= source.length; offset++) {
    const d = distance(seen, source.slice(offset, offset + seen.length));
    if (d < best.distance) best = { offset, distance: d };
  }
  return best.offset;
}

/**
 * Mean SSIM of `frames` frames of the viewer's raw H.264 (`viewerH264`, `fps`) against `film`
 * scaled to `size`.
 */
export async function viewerSsim(options: {
  viewerH264: string;
  film: string;
  fps: number;
  size: { width: number; height: number };
  frames: number;
}): Promise<number> {
  const viewer = ['-f', 'h264', '-framerate', String(options.fps), '-i', options.viewerH264];
  const offset = await firstFilmFrame(viewer, options.film);
  const { width, height } = options.size;
  const { stderr } = await execa(resolveFfmpeg(), [
    ...['-hide_banner', '-nostats', ...viewer, '-i', options.film],
    '-lavfi',
    `[1:v]trim=start_frame=${offset},setpts=PTS-STARTPTS,scale=${width}:${height}:flags=bicubic,format=yuv420p[film];` +
      '[0:v]setpts=PTS-STARTPTS,format=yuv420p[seen];[seen][film]ssim',
    ...['-frames:v', String(options.frames), '-f', 'null', '-'],
  ]);
  const match = /SSIM .* All:([\d.]+)/.exec(stderr);
  if (!match) throw new Error('ffmpeg printed no SSIM for the viewer’s picture');
  return Number(match[1]);
}
