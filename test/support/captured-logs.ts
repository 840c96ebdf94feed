// A logger whose JSON lines a test reads back: the log an operator would read.
import { createLogger, type Logger } from '../../src/logger.ts';

/** The fields every pino line has; a test names the others it reads. */
export interface LogLine {
  level: number;
  msg: string;
}

/** A logger at `level` and the lines it has written so far, parsed. */
export function capturedLogs<Line extends LogLine = LogLine>(
  level = 'info',
): { logger: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const logger = createLogger({
    level,
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Line) },
  });
  return { logger, lines };
}
