// What the bot's /metrics serves: the process (CPU, memory, event loop: prom-client's defaults), the
// instruments counted as things happen (./instruments.ts, ./worker-counters.ts), and figures gathered
// when Prometheus scrapes: parties by status and the catalog's size from the database, and every
// running party's stream figures asked of its worker with its worker's CPU and memory
// (./stream-metrics.ts).
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Db } from '../db/connection.ts';
import { catalogItemTypes, sessionStatuses } from '../db/schema.ts';
import { instruments } from './instruments.ts';
import { type PartyStats, StreamMetrics, WORKER_STATS_TIMEOUT_MS } from './stream-metrics.ts';
import { workerCounters } from './worker-counters.ts';

export interface BotMetricsSources {
  db: Db;
  /** Every running worker's figures (the supervisor's streamStats). */
  streams(timeoutMs: number): Promise<readonly PartyStats[]>;
}

export class BotMetrics {
  readonly #sources: BotMetricsSources;
  readonly #scraped = new Registry();
  readonly #parties: Gauge<'status'>;
  readonly #catalog: Gauge<'type'>;
  readonly #streams: StreamMetrics;

  constructor(sources: BotMetricsSources) {
    this.#sources = sources;
    collectDefaultMetrics({ register: this.#scraped });
    this.#parties = new Gauge({
      name: 'orb_parties',
      help: 'Watch parties by status (stopped ones included: they stay in the history)',
      labelNames: ['status'],
      registers: [this.#scraped],
    });
    this.#catalog = new Gauge({
      name: 'orb_catalog_items',
      help: 'Items in the local copy of the Jellyfin catalog, by type',
      labelNames: ['type'],
      registers: [this.#scraped],
    });
    this.#streams = new StreamMetrics(this.#scraped);
  }

  get contentType(): string {
    return this.#scraped.contentType;
  }

  /** The Prometheus text exposition of everything above, gathered now. */
  async render(): Promise<string> {
    const { db } = this.#sources;
    const [parties, catalog, streams] = await Promise.all([
      db
        .selectFrom('watch_party_sessions')
        .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
        .groupBy('status')
        .execute(),
      db
        .selectFrom('catalog_items')
        .select(['type', (eb) => eb.fn.countAll<number>().as('count')])
        .groupBy('type')
        .execute(),
      this.#sources.streams(WORKER_STATS_TIMEOUT_MS),
    ]);
    for (const status of sessionStatuses)
      this.#parties.set({ status }, parties.find((row) => row.status === status)?.count ?? 0);
    for (const type of catalogItemTypes)
      this.#catalog.set({ type }, catalog.find((row) => row.type === type)?.count ?? 0);
    this.#streams.set(streams);
    return Registry.merge([instruments, workerCounters, this.#scraped]).metrics();
  }
}
