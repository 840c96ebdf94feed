// The Go Live tile's preview (protocol.md §1.4 step 8): the item's poster, scaled down to a JPEG and
// uploaded as a data: URL when an item begins or the stream resumes, and again every few minutes so
// the tile stays fresh. Best effort: a failure is logged, never fatal. The poster's address is the
// worker's source proxy (src/worker/media/item-player.ts registers it), which reads only images of
// the configured Jellyfin server; a redirect is an error here too, so nothing else is ever fetched.
import { execa } from 'execa';
import type { Logger } from '../../logger.ts';
import { resolveFfmpeg } from '../../media/ffmpeg-binary.ts';

/** How often the preview is uploaded again while the same item plays. */
const PREVIEW_INTERVAL_MS = 300_000;
const FETCH_TIMEOUT_MS = 10_000;
const MAX_POSTER_BYTES = 20 * 1024 * 1024;
/** Wide enough for the tile, small enough for the upload. */
const PREVIEW_WIDTH = 512;

async function posterPreviewDataUrl(posterUrl: string): Promise<string> {
  const response = await fetch(posterUrl, {
    redirect: 'error',
    signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
  });
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

/** The item whose poster the tile should show, or null while no preview should go up. */
export interface PreviewSubject {
  title: string;
  posterUrl: string;
}

export interface PreviewTarget {
  /** Asked at each upload: the item may have changed, or the stream paused, since it was planned. */
  subject(): PreviewSubject | null;
  upload(dataUrl: string): Promise<void>;
}

export class PreviewUploader {
  readonly #target: PreviewTarget;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(target: PreviewTarget, log: Logger) {
    this.#target = target;
    this.#log = log;
  }

  /** Uploads now (a new item, a resume), then every PREVIEW_INTERVAL_MS until `stop`. */
  refresh(): void {
    this.#schedule(0);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      void this.#upload().finally(() => this.#schedule(PREVIEW_INTERVAL_MS));
    }, delayMs);
    this.#timer.unref();
  }

  async #upload(): Promise<void> {
    const subject = this.#target.subject();
    if (!subject) return;
    try {
      await this.#target.upload(await posterPreviewDataUrl(subject.posterUrl));
      this.#log.info({ title: subject.title }, 'stream preview uploaded');
    } catch (error) {
      this.#log.warn({ err: error }, 'stream preview upload failed');
    }
  }
}
