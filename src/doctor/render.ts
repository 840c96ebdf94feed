// The doctor's output: a table for people (a mark, the check, what was found, and the fix on the
// line below) or one JSON object for scripts.
import type { CheckLine, Mark } from './check-line.ts';
import { failures } from './check-line.ts';

const marks: Record<Mark, string> = { ok: '✓', warn: '⚠', fail: '✗' };

export function renderTable(lines: readonly CheckLine[]): string {
  const width = Math.max(...lines.map((line) => line.check.length));
  return lines
    .flatMap((line) => {
      const row = `${marks[line.mark]} ${line.check.padEnd(width)}  ${line.detail}`;
      return line.fix ? [row, `  ${' '.repeat(width)}  → ${line.fix}`] : [row];
    })
    .join('\n');
}

export function renderJson(lines: readonly CheckLine[]): string {
  return JSON.stringify({ ok: failures(lines).length === 0, checks: lines });
}
