// Where in the film each frame a viewer saw comes from. The simulator's films are copyable, so the
// worker passes their H.264 through untouched and every picture's slice reaches the viewer with the
// bytes it has in the source file: a digest of the slice finds the frame, and with it its time.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { splitAnnexB } from '../sim/discord/voice/h264-stream-checks.ts';
import { resolveFfmpeg } from '../src/media/ffmpeg-binary.ts';

const run = promisify(execFile);
const CODED_SLICE = 1;
const IDR_SLICE = 5;

/** Digests of the coded pictures in an Annex B stream, in order (one slice per picture). */
function pictureDigests(annexB: Buffer): string[] {
  return splitAnnexB(annexB)
    .filter((nal) => {
      const type = (nal[0] ?? 0) & 0x1f;
      return type === CODED_SLICE || type === IDR_SLICE;
    })
    .map((nal) => createHash('sha1').update(nal).digest('base64'));
}

/** Film time in seconds of each picture of `file` (no B-frames: decode order is display order). */
export async function filmPictureTimes(file: string, fps: number): Promise<Map<string, number>> {
  const { stdout } = await run(
    resolveFfmpeg(),
    [
      '-v',
      'error',
      '-i',
      file,
      '-map',
      '0:v:0',
      '-c',
      'copy',
      '-bsf:v',
      'h264_mp4toannexb',
      '-f',
      'h264',
      '-',
    ],
    { encoding: 'buffer', maxBuffer: 1 << 30 },
  );
  const times = new Map<string, number>();
  pictureDigests(stdout).forEach((digest, index) => {
    times.set(digest, index / fps);
  });
  return times;
}

/**
 * Film time of each picture the viewer wrote, by its place in the viewer's H.264 file (the
 * simulator's `outputPosition`); null where a picture is not one of the film's.
 */
export function viewerPictureTimes(viewerVideoFile: string, film: Map<string, number>): (number | null)[] {
  return pictureDigests(readFileSync(viewerVideoFile)).map((digest) => film.get(digest) ?? null);
}
