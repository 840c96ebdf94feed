// How many recoveries (worker restarts, Go Live reconnects) may happen within a sliding time window
// before retrying is judged pointless. Dependency-free and neutral, like bearer-token.ts, because
// both sides use it: the bot's worker supervisor and the worker process's Go Live transport, which
// may import nothing of the bot's side (design.md §2).

export interface RecoveryBudgetLimits {
  /** Recoveries allowed within the window; one more exhausts the budget. */
  allowed: number;
  windowMs: number;
}

export interface RecoveryAttempt {
  /** Recoveries within the window, this one included. */
  attempt: number;
  /** This attempt is over the budget: give up instead of recovering. */
  exhausted: boolean;
}

export class RecoveryBudget {
  readonly #limits: RecoveryBudgetLimits;
  /** When each recovery still inside the window happened, oldest first. */
  #spentAt: number[] = [];

  constructor(limits: RecoveryBudgetLimits) {
    if (!Number.isInteger(limits.allowed) || limits.allowed < 0) {
      throw new Error(`a recovery budget allows a whole number of recoveries ≥ 0, not ${limits.allowed}`);
    }
    if (!Number.isFinite(limits.windowMs) || limits.windowMs <= 0) {
      throw new Error(`a recovery budget needs a window longer than 0 ms, not ${limits.windowMs}`);
    }
    this.#limits = { ...limits };
  }

  /** Records a recovery at `now` (ms on any monotonic-enough clock the caller keeps using). */
  spend(now: number): RecoveryAttempt {
    this.#spentAt = [...this.#spentAt.filter((at) => now - at < this.#limits.windowMs), now];
    const attempt = this.#spentAt.length;
    return { attempt, exhausted: attempt > this.#limits.allowed };
  }
}
