// The default placement: each party's stream worker is a child process of the bot, on loopback.
import { randomBytes } from 'node:crypto';
import { type Logger, registerSecrets } from '../logger.ts';
import { workerEnvironment } from '../worker-contract/environment.ts';
import { WorkerClient } from './client.ts';
import type { PlacedWorker, WorkerLaunch, WorkerPlacement } from './placement.ts';
import { WorkerProcess } from './worker-process.ts';

export class LocalPlacement implements WorkerPlacement {
  readonly #workerEntry: string | undefined;

  /** `workerEntry` overrides the worker's entry (tests). */
  constructor(options: { workerEntry?: string | undefined } = {}) {
    this.#workerEntry = options.workerEntry;
  }

  async place(launch: WorkerLaunch, logger: Logger): Promise<PlacedWorker> {
    const token = randomBytes(32).toString('base64url');
    registerSecrets([token]);
    const process = await WorkerProcess.spawn({
      env: workerEnvironment({ ...launch, workerToken: token, host: '127.0.0.1', port: 0 }),
      logger,
      ...(this.#workerEntry ? { entry: this.#workerEntry } : {}),
    });
    const client = new WorkerClient({ baseUrl: `http://127.0.0.1:${process.port}`, token });
    return {
      client,
      where: { pid: process.pid },
      pid: process.pid,
      exited: process.exited.then((exit) =>
        exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.exitCode}`,
      ),
      open: (session) => client.createSession(session),
      // A child's exit follows its stream's close within moments, and says how it went.
      whyGone: async () => null,
      kill: () => process.kill(),
      stop: async () => {
        await process.stop();
      },
    };
  }
}
