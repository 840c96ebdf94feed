// `node src/main.ts worker-host`: serves the worker contract for many parties on this machine, one
// worker process each, until SIGTERM/SIGINT stops them all (each leaves voice first). The bot reaches
// it through WORKER_HOSTS; nothing else should (bind it to an internal network only).
import type { WorkerHostConfig } from '../config.ts';
import { createLogger, registerSecrets } from '../logger.ts';
import { logProcessFigures } from '../process-figures.ts';
import { createHostServer } from './host-server.ts';
import { HostedWorkers } from './hosted-workers.ts';

/** Resolves once the host listens; it runs until a signal stops it and exits the process then. */
export async function runWorkerHost(config: WorkerHostConfig): Promise<void> {
  registerSecrets([config.token, ...(config.metricsToken === null ? [] : [config.metricsToken])]);
  const logger = createLogger({ level: config.logLevel, name: 'worker-host' });
  logProcessFigures(logger);
  const workers = new HostedWorkers({ capacity: config.capacity, logger });
  const server = createHostServer({
    token: config.token,
    metricsToken: config.metricsToken,
    workers,
    logger,
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, sessions: workers.count }, 'worker host stopping');
    server.close();
    server.closeAllConnections();
    await workers.closeAll();
    logger.flush();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  logger.info({ capacity: config.capacity }, 'worker host ready');
}
