// One line of the doctor's table: what was checked, how it went and, when it did not go well, what
// to do. A `fail` line is fatal: `doctor` exits 1 on one and `start` keeps watch parties closed.
// Details name settings, never their values.

export type Mark = 'ok' | 'warn' | 'fail';

export interface CheckLine {
  readonly check: string;
  readonly mark: Mark;
  readonly detail: string;
  /** What the operator can do; absent on a passing line. */
  readonly fix?: string;
}

export const ok = (check: string, detail: string): CheckLine => ({ check, mark: 'ok', detail });

export const warn = (check: string, detail: string, fix: string): CheckLine => ({
  check,
  mark: 'warn',
  detail,
  fix,
});

export const fail = (check: string, detail: string, fix: string): CheckLine => ({
  check,
  mark: 'fail',
  detail,
  fix,
});

export function failures(lines: readonly CheckLine[]): CheckLine[] {
  return lines.filter((line) => line.mark === 'fail');
}

/** Thrown by `doctor` and `start` after the table was shown: main.ts prints its message, no stack. */
export class ChecksFailedError extends Error {
  constructor(failed: number, consequence: string) {
    super(
      `${failed} check${failed === 1 ? '' : 's'} failed (✗ above). ${consequence} ` +
        'Fix them and run `npm run doctor` (./orb doctor) to check again.',
    );
    this.name = 'ChecksFailedError';
  }
}
