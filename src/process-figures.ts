// One log line a minute with what a long run needs watched: resident memory, the JavaScript heap and
// open file descriptors. The bot and every stream worker (whose lines reach the bot's log) write it,
// so a leak shows as a trend in the log; the soak benchmark reads it. Dependency-free and neutral,
// like recovery-budget.ts, because both sides use it.
import { readdirSync } from 'node:fs';
import type { Logger } from './logger.ts';

const INTERVAL_MS = 60_000;
const MB = 1024 * 1024;

export interface ProcessFigures {
  rssMb: number;
  heapUsedMb: number;
  /** Null where the platform has no /proc/self/fd. */
  openFds: number | null;
}

function openFds(): number | null {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return null;
  }
}

export function processFigures(): ProcessFigures {
  const { rss, heapUsed } = process.memoryUsage();
  return { rssMb: Math.round(rss / MB), heapUsedMb: Math.round(heapUsed / MB), openFds: openFds() };
}

/** Logs the figures every minute for as long as the process runs; the timer never keeps it alive. */
export function logProcessFigures(logger: Logger): void {
  setInterval(() => logger.info({ figures: processFigures() }, 'process figures'), INTERVAL_MS).unref();
}
