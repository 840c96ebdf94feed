// Every running worker's figures for one scrape of /metrics, gathered the same way by the bot's
// supervisor and by a worker host: its stream's, asked of the worker over the contract (all at once,
// with one deadline, so a stuck worker costs a scrape no more than that), and, for a worker that is a
// process here, its CPU and memory with its ffmpeg, from one pass over the process table.
import type { Logger } from '../logger.ts';
import type { PartyStats } from '../metrics/stream-metrics.ts';
import { processTreeUsage } from '../process-tree-usage.ts';
import type { WorkerClient } from './client.ts';

export interface RunningWorker {
  sessionId: string;
  client: WorkerClient;
  /** The worker's process id when it runs on this machine; null on a worker host. */
  pid: number | null;
  logger: Logger;
}

export async function gatherPartyStats(
  workers: readonly RunningWorker[],
  timeoutMs: number,
): Promise<PartyStats[]> {
  const stats = await Promise.all(
    workers.map(({ sessionId, client, logger }) =>
      client.stats(sessionId, timeoutMs).catch((error: unknown) => {
        logger.warn({ err: error }, 'the stream worker gave no figures for the metrics');
        return null;
      }),
    ),
  );
  const usage = processTreeUsage(workers.flatMap(({ pid }) => (pid === null ? [] : [pid])));
  return workers.map(({ sessionId, pid }, index) => ({
    sessionId,
    stats: stats[index] ?? null,
    process: pid === null ? null : (usage.get(pid) ?? null),
  }));
}
