// One ffmpeg run: argv in, Matroska packets out. stdout is read as it arrives (and paused for
// backpressure: ffmpeg then blocks in its write using no CPU); stderr is always drained, because a
// full stderr blocks ffmpeg too, and its last lines explain a failure. Those lines name the input by
// its loopback proxy URL, which reads Jellyfin with the worker's key while it lives, so they are kept
// without addresses.
import { setPriority } from 'node:os';
import { execa, type ResultPromise } from 'execa';
import { errorMessage, withoutAddresses } from '../../error-message.ts';
import { MatroskaDemuxer, type MatroskaHandlers } from './matroska-demuxer.ts';

export interface SegmentExit {
  exitCode: number | null;
  signal: string | null;
  /** We ended it (seek, stop): not a failure. */
  killedByUs: boolean;
  /** The last few warning/error lines ffmpeg printed, with URLs and addresses masked. */
  stderrTail: string[];
}

export interface FfmpegSegmentHandlers extends MatroskaHandlers {
  exit(exit: SegmentExit): void;
  /** The output could not be parsed; the segment is killed. */
  formatError(message: string): void;
}

const STDERR_TAIL_LINES = 8;
/** ffmpeg runs below the worker, so a busy encoder never delays the pacing timer. */
const FFMPEG_NICENESS = 10;

export class FfmpegSegment {
  readonly #child: ResultPromise<{ stdin: 'ignore'; buffer: false; reject: false }>;
  readonly #stderrTail: string[] = [];
  #killedByUs = false;
  #outputPaused = false;
  /** Settles once ffmpeg has exited and been reaped. */
  readonly exited: Promise<void>;

  constructor(ffmpegPath: string, args: string[], handlers: FfmpegSegmentHandlers) {
    this.#child = execa(ffmpegPath, args, {
      stdin: 'ignore',
      buffer: false,
      reject: false,
    });
    if (this.#child.pid !== undefined) {
      try {
        setPriority(this.#child.pid, FFMPEG_NICENESS);
      } catch {
        // Not permitted in some containers; pacing still works, with a little more jitter.
      }
    }
    const demuxer = new MatroskaDemuxer(handlers);
    this.#child.stdout.on('data', (chunk: Buffer) => {
      if (this.#killedByUs) return;
      try {
        demuxer.push(chunk);
      } catch (error) {
        this.kill();
        handlers.formatError(errorMessage(error));
      }
    });
    let partialLine = '';
    const keepLine = (line: string) => {
      const text = line.trim();
      if (!text) return;
      this.#stderrTail.push(withoutAddresses(text));
      this.#stderrTail.splice(0, Math.max(0, this.#stderrTail.length - STDERR_TAIL_LINES));
    };
    this.#child.stderr.setEncoding('utf8');
    this.#child.stderr.on('data', (text: string) => {
      const lines = (partialLine + text).split(/\r?\n/);
      partialLine = lines.pop() ?? '';
      for (const line of lines) keepLine(line);
    });
    this.exited = this.#child.then((result) => {
      keepLine(partialLine);
      handlers.exit({
        exitCode: result.exitCode ?? null,
        signal: result.signal ?? null,
        killedByUs: this.#killedByUs,
        stderrTail: [...this.#stderrTail],
      });
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Backpressure: stop reading; ffmpeg blocks once the socket buffer is full. */
  setOutputPaused(paused: boolean): void {
    if (paused === this.#outputPaused) return;
    this.#outputPaused = paused;
    if (paused) this.#child.stdout.pause();
    else this.#child.stdout.resume();
  }

  kill(): void {
    if (this.#killedByUs) return;
    this.#killedByUs = true;
    this.#child.kill('SIGKILL');
  }
}
