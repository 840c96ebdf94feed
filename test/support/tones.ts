// Which beep a recording carries: the simulator's and the tests' films give each audio track its own
// sine pitch, so the track a viewer heard is the pitch with the most energy in what it received.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { resolveFfmpeg } from '../../src/media/ffmpeg-binary.ts';

const run = promisify(execFile);
const SAMPLE_RATE = 48_000;

/** The first audio track of `file`, decoded to mono 16-bit samples at 48 kHz. */
export async function monoSamples(file: string): Promise<Int16Array> {
  const { stdout } = await run(
    resolveFfmpeg(),
    ['-v', 'error', '-i', file, '-ac', '1', '-ar', String(SAMPLE_RATE), '-f', 's16le', '-'],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  return new Int16Array(stdout.buffer, stdout.byteOffset, Math.floor(stdout.length / 2));
}

/** Goertzel energy at `hz` over 48 kHz mono samples. */
export function energyAt(samples: Int16Array, hz: number): number {
  const coefficient = 2 * Math.cos((2 * Math.PI * hz) / SAMPLE_RATE);
  let [previous, beforePrevious] = [0, 0];
  for (const sample of samples) {
    const current = sample / 32_768 + coefficient * previous - beforePrevious;
    beforePrevious = previous;
    previous = current;
  }
  return previous ** 2 + beforePrevious ** 2 - coefficient * previous * beforePrevious;
}
