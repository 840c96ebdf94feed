// The bot's event-driven Prometheus instruments: counted or timed where the thing happens (the worker
// supervisor, the Jellyfin client, autocomplete; worker starts and restarts, which worker hosts count
// too, are in ./worker-counters.ts), so they live for the whole process in one registry
// that /metrics renders with the figures it gathers at scrape time (./bot-metrics.ts). Labels carry
// route templates, options and outcomes only: never an address, a token or a user.
import { Counter, Histogram, Registry } from 'prom-client';

export const instruments = new Registry();

export const workerGiveUps = new Counter({
  name: 'orb_worker_give_ups_total',
  help: 'Parties whose stream worker failed too often and was not restarted again',
  registers: [instruments],
});

export const jellyfinRequestSeconds = new Histogram({
  name: 'orb_jellyfin_request_duration_seconds',
  help: 'Jellyfin API calls by route template and outcome (HTTP status, timeout, aborted, unreachable)',
  labelNames: ['method', 'route', 'outcome'] as const,
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [instruments],
});

export const autocompleteSeconds = new Histogram({
  name: 'orb_autocomplete_duration_seconds',
  help: 'Time to answer an autocomplete (Discord allows 3 s), by option and outcome',
  labelNames: ['option', 'outcome'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [instruments],
});
