// Parties on worker hosts (WORKER_HOSTS; `node src/main.ts worker-host`): each placement asks every
// host for its room (worker-host-survey.ts) and opens the session on the one with the most, so a host
// that died (no answer) is passed over and its parties restart on the others. Addresses and tokens
// never reach a log: a host is named by the id it reports.
import { type Logger, registerSecrets } from '../logger.ts';
import { WorkerUnavailableError } from '../watchparty/worker-pool.ts';
import { workerEnvironment } from '../worker-contract/environment.ts';
import { WorkerRefusedError } from './client.ts';
import type { PlacedWorker, WorkerLaunch, WorkerPlacement } from './placement.ts';
import {
  distinctHosts,
  type SurveyedHost,
  surveyWorkerHosts,
  type WorkerHostEntry,
} from './worker-host-survey.ts';

/** Closing a session waits for the host to stop its worker (SIGTERM, then SIGKILL after 5 s). */
const CLOSE_TIMEOUT_MS = 8_000;
/**
 * After a session's event stream closed, a host that does not answer in this time counts as gone;
 * the supervisor's own wait (1 s) bounds the question anyway.
 */
const GONE_CHECK_TIMEOUT_MS = 750;
/** What the host decides for each worker itself. */
const HOST_DECIDED = ['ORB_WORKER_TOKEN', 'ORB_WORKER_HOST', 'ORB_WORKER_PORT'];

/** The worker's environment as a host takes it: without what the host decides. */
function environmentForHost(launch: WorkerLaunch): Record<string, string> {
  const environment = workerEnvironment({ ...launch, workerToken: '', host: '', port: 0 });
  for (const name of HOST_DECIDED) delete environment[name];
  return environment;
}

export class RemotePlacement implements WorkerPlacement {
  readonly #hosts: readonly WorkerHostEntry[];

  constructor(hosts: readonly WorkerHostEntry[]) {
    this.#hosts = hosts;
    registerSecrets(hosts.map((host) => host.token));
  }

  async place(launch: WorkerLaunch, logger: Logger): Promise<PlacedWorker> {
    const hosts = distinctHosts(await surveyWorkerHosts(this.#hosts));
    const roomOf = (host: SurveyedHost) => host.status.capacity - host.status.sessions;
    const chosen = hosts
      .filter((host) => roomOf(host) > 0)
      .sort((a, b) => roomOf(b) - roomOf(a) || a.status.load - b.status.load)[0];
    if (!chosen) {
      throw new WorkerUnavailableError(
        hosts.length === 0
          ? `no worker host answered (${this.#hosts.length} listed in WORKER_HOSTS)`
          : `every worker host is full (${hosts.map((host) => host.status.capacity).join(' + ')} sessions); add a host or raise WORKER_HOST_CAPACITY`,
      );
    }
    const { client, status } = chosen;
    logger.info(
      { workerHost: status.hostId, room: roomOf(chosen), hosts: hosts.length },
      'worker host chosen',
    );
    let sessionId: string | null = null;
    let resolveExited: (how: string) => void = () => {};
    const exited = new Promise<string>((resolve) => {
      resolveExited = resolve;
    });
    // One DELETE however often it is asked for: stop() after kill() waits for the same one, since the
    // next worker streams with the same account and must not start before this one left voice.
    let closing: Promise<void> | null = null;
    const close = () => {
      closing ??=
        sessionId === null
          ? Promise.resolve()
          : client
              .closeSession(sessionId, CLOSE_TIMEOUT_MS)
              .catch((error: unknown) =>
                logger.warn(
                  { err: error, workerHost: status.hostId },
                  'worker host did not close the session',
                ),
              );
      return closing;
    };
    return {
      client,
      where: { workerHost: status.hostId },
      pid: null,
      exited,
      open: (session, restart) => {
        sessionId = session.sessionId;
        return client.createSession({ ...session, workerEnvironment: environmentForHost(launch), restart });
      },
      // A worker on a host has no exit the bot could wait for: ask the host whether it or the session
      // is gone, so a dead host's parties restart without waiting.
      whyGone: async () => {
        if (sessionId === null) return null;
        try {
          const status = await client.status(sessionId, GONE_CHECK_TIMEOUT_MS);
          return status === null ? 'exited on its worker host' : null;
        } catch (error) {
          return error instanceof WorkerRefusedError ? null : 'lost its worker host';
        }
      },
      kill: () => {
        void close();
        resolveExited('was given up on its worker host');
      },
      stop: async () => {
        await close();
        resolveExited('was stopped on its worker host');
      },
    };
  }
}
