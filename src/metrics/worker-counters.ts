// Stream worker starts and restarts, counted where they happen: in the bot's supervisor for the
// workers it runs itself, and in a worker host for the workers it runs for the bot. Both serve these
// families under the same names (the bot's /metrics and each host's), from this one registry.
import { Counter, Registry } from 'prom-client';

export const workerCounters = new Registry();

export const workerStarts = new Counter({
  name: 'orb_worker_starts_total',
  help: 'Stream worker processes started, restarts included',
  registers: [workerCounters],
});

export const workerRestarts = new Counter({
  name: 'orb_worker_restarts_total',
  help: 'Restarts after a stream worker died, hung or lost its stream for good (on a worker host: restarted workers it started)',
  registers: [workerCounters],
});
