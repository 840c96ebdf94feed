// What a worker host's /metrics serves (`node src/main.ts worker-host`): the host process (CPU,
// memory, event loop: prom-client's defaults), its room (places used and free, load per core), the
// workers it started, restarted and saw exit, and for each session it runs the same party families
// as the bot's (./stream-metrics.ts), its worker's CPU and memory included. Labels carry party ids and
// how a worker exited only: never the host's address, the bot's, or a token.
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { HostStatus } from '../worker-contract/host.ts';
import { type PartyStats, StreamMetrics, WORKER_STATS_TIMEOUT_MS } from './stream-metrics.ts';
import { workerCounters } from './worker-counters.ts';

const hostCounters = new Registry();

/**
 * How a hosted worker went: `stopped` (the bot closed its session, or the host stopped), `unfollowed`
 * (nobody followed its events for too long: the bot went away), or `died` (it exited by itself).
 */
const hostedWorkerExitKinds = ['stopped', 'unfollowed', 'died'] as const;
export type HostedWorkerExit = (typeof hostedWorkerExitKinds)[number];

export const hostedWorkerExits = new Counter<'how'>({
  name: 'orb_worker_exits_total',
  help: 'Stream worker processes of this worker host that exited, by how: stopped, unfollowed (the bot went away) or died',
  labelNames: ['how'],
  registers: [hostCounters],
});
// Every kind from the start, so rate() has a series before the first exit of that kind.
for (const how of hostedWorkerExitKinds) hostedWorkerExits.inc({ how }, 0);

export interface HostMetricsSources {
  status(): HostStatus;
  /** Every running session's figures (HostedWorkers.partyStats). */
  parties(timeoutMs: number): Promise<readonly PartyStats[]>;
}

export class HostMetrics {
  readonly #sources: HostMetricsSources;
  readonly #scraped = new Registry();
  readonly #places: Gauge<'state'>;
  readonly #load: Gauge;
  readonly #parties: StreamMetrics;

  constructor(sources: HostMetricsSources) {
    this.#sources = sources;
    collectDefaultMetrics({ register: this.#scraped });
    this.#places = new Gauge({
      name: 'orb_worker_host_places',
      help: 'Sessions this worker host can take (WORKER_HOST_CAPACITY): used (running or opening) and free',
      labelNames: ['state'],
      registers: [this.#scraped],
    });
    this.#load = new Gauge({
      name: 'orb_worker_host_load_per_core',
      help: "The machine's one-minute load average divided by its cores: 1 is busy to the full",
      registers: [this.#scraped],
    });
    this.#parties = new StreamMetrics(this.#scraped);
  }

  get contentType(): string {
    return this.#scraped.contentType;
  }

  /** The Prometheus text exposition of everything above, gathered now. */
  async render(): Promise<string> {
    const parties = await this.#sources.parties(WORKER_STATS_TIMEOUT_MS);
    const status = this.#sources.status();
    this.#places.set({ state: 'used' }, status.sessions);
    this.#places.set({ state: 'free' }, Math.max(0, status.capacity - status.sessions));
    this.#load.set(status.load);
    this.#parties.set(parties);
    return Registry.merge([workerCounters, hostCounters, this.#scraped]).metrics();
  }
}
