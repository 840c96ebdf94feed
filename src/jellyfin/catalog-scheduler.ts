// Keeps the catalog fresh in the background: a sync soon after start, then one per interval. The
// next run is scheduled only after the previous one finished, so runs never overlap; timers are
// unref'd so the schedule alone never keeps the process alive.
import type { Logger } from '../logger.ts';
import type { SyncResult } from './catalog-sync.ts';

export interface CatalogSchedulerOptions {
  /** One sync (normally `syncCatalog(db, client)` in auto mode). */
  sync: (signal: AbortSignal) => Promise<SyncResult>;
  /** From config `jellyfin.syncIntervalMinutes`; 0 turns the schedule off. */
  intervalMinutes: number;
  /** Delay before the first run (default 5 s, so start-up isn't slowed). */
  initialDelayMs?: number;
  logger?: Logger;
}

export class CatalogScheduler {
  readonly #options: CatalogSchedulerOptions;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<SyncResult | null> | null = null;
  #abort = new AbortController();
  #stopped = true;
  /** Bumped by start and stop, so a run finishing after a restart can't start a second chain. */
  #generation = 0;

  constructor(options: CatalogSchedulerOptions) {
    this.#options = options;
  }

  get intervalMs(): number {
    return this.#options.intervalMinutes * 60_000;
  }

  start(): void {
    if (!this.#stopped) return;
    if (this.#options.intervalMinutes <= 0) {
      this.#options.logger?.info('catalog sync schedule is off (CATALOG_SYNC_INTERVAL_MINUTES=0)');
      return;
    }
    this.#stopped = false;
    this.#generation += 1;
    this.#schedule(this.#options.initialDelayMs ?? 5_000);
  }

  /** Runs a sync now (schedule or not), or joins the one already running. Null when it failed (logged). */
  runNow(): Promise<SyncResult | null> {
    if (this.#abort.signal.aborted) this.#abort = new AbortController();
    this.#running ??= this.#run().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  /** Cancels the schedule and any running sync, and waits for it to wind down. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#generation += 1;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#abort.abort();
    await this.#running;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    const generation = this.#generation;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.runNow().then(() => {
        if (generation === this.#generation) this.#schedule(this.intervalMs);
      });
    }, delayMs);
    this.#timer.unref();
  }

  async #run(): Promise<SyncResult | null> {
    const logger = this.#options.logger;
    try {
      const result = await this.#options.sync(this.#abort.signal);
      logger?.info(
        { mode: result.mode, upserted: result.upserted, deleted: result.deleted, items: result.catalogSize },
        'catalog synced',
      );
      return result;
    } catch (error) {
      if (!this.#abort.signal.aborted)
        logger?.warn({ err: error }, 'catalog sync failed; will retry next interval');
      return null;
    }
  }
}
