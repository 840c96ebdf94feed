// The Go Live tile's preview (brief §1.4 step 8): the item's poster, scaled down to a JPEG and
// uploaded as a data: URL. Best effort: a failure is logged by the caller, never fatal.
import { execa } from 'execa';
import { resolveFfmpeg } from '../../media/ffmpeg-binary.ts';

const FETCH_TIMEOUT_MS = 10_000;
const MAX_POSTER_BYTES = 20 * 1024 * 1024;
/** Wide enough for the tile, small enough for the upload. */
const PREVIEW_WIDTH = 512;

export async function posterPreviewDataUrl(posterUrl: string): Promise<string> {
  const response = await fetch(posterUrl, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`poster download failed with HTTP ${response.status}`);
  const poster = Buffer.from(await response.arrayBuffer());
  if (poster.length === 0 || poster.length > MAX_POSTER_BYTES) {
    throw new Error(`poster has an unusable size (${poster.length} bytes)`);
  }
  const { stdout } = await execa(
    resolveFfmpeg(),
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-i',
      'pipe:0',
      '-frames:v',
      '1',
      '-vf',
      `scale=${PREVIEW_WIDTH}:-2`,
      '-f',
      'image2',
      '-c:v',
      'mjpeg',
      '-q:v',
      '4',
      'pipe:1',
    ],
    { input: poster, encoding: 'buffer', timeout: FETCH_TIMEOUT_MS },
  );
  return `data:image/jpeg;base64,${Buffer.from(stdout).toString('base64')}`;
}
