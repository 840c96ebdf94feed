// A clock that moves only when a test says so, for code that takes a ScheduleTimer: minutes of
// waiting pass in one call, and nothing fires on its own.
import type { ScheduleTimer } from '../../src/watchparty/idle-parties.ts';

interface Pending {
  dueMs: number;
  task: () => void;
}

export class ManualTimers {
  #nowMs = 0;
  readonly #pending = new Set<Pending>();

  readonly schedule: ScheduleTimer = (delayMs, task) => {
    const pending = { dueMs: this.#nowMs + delayMs, task };
    this.#pending.add(pending);
    return () => this.#pending.delete(pending);
  };

  /** Timers waiting to fire. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Moves the clock on, running every task that falls due, earliest first. */
  advanceMinutes(minutes: number): void {
    const until = this.#nowMs + minutes * 60_000;
    for (;;) {
      const [next] = [...this.#pending].filter((p) => p.dueMs <= until).sort((a, b) => a.dueMs - b.dueMs);
      if (!next) break;
      this.#pending.delete(next);
      this.#nowMs = next.dueMs;
      next.task();
    }
    this.#nowMs = until;
  }
}
