// WORKER_HOSTS: every listed worker host answers with its token, and how much room they have. Entries
// are named by their place in the list: an entry holds a token, and addresses stay out of the output.
import { WorkerRefusedError } from '../worker-pool/client.ts';
import { distinctHosts, surveyWorkerHosts, type WorkerHostEntry } from '../worker-pool/worker-host-survey.ts';
import { type CheckLine, fail, ok, warn } from './check-line.ts';

const check = 'worker hosts';

/** No line when WORKER_HOSTS is unset: workers are the bot's own children then. */
export async function checkWorkerHosts(entries: readonly WorkerHostEntry[]): Promise<CheckLine[]> {
  if (entries.length === 0) return [];
  const surveys = await surveyWorkerHosts(entries);
  const refused = surveys.filter((survey) =>
    survey.failures.some((error) => error instanceof WorkerRefusedError && error.status === 401),
  );
  if (refused.length > 0)
    return [
      fail(
        check,
        `WORKER_HOSTS entr${refused.length === 1 ? 'y' : 'ies'} ${refused.map((survey) => survey.position).join(', ')} refused ${refused.length === 1 ? 'its' : 'their'} token`,
        "Put each host's WORKER_HOST_TOKEN after the # of its WORKER_HOSTS entry.",
      ),
    ];
  const hosts = distinctHosts(surveys);
  if (hosts.length === 0)
    return [
      fail(
        check,
        `none of the ${entries.length} WORKER_HOSTS entr${entries.length === 1 ? 'y' : 'ies'} answers`,
        'Start `node src/main.ts worker-host` there, and check that this machine reaches its address and port.',
      ),
    ];
  const capacity = hosts.reduce((sum, host) => sum + host.status.capacity, 0);
  const free = hosts.reduce((sum, host) => sum + Math.max(0, host.status.capacity - host.status.sessions), 0);
  const room = `${hosts.length} host${hosts.length === 1 ? '' : 's'} answer, ${free} of ${capacity} places free`;
  const silent = surveys.filter((survey) => survey.answered.length === 0);
  if (silent.length > 0)
    return [
      warn(
        check,
        `${room}; WORKER_HOSTS entr${silent.length === 1 ? 'y' : 'ies'} ${silent.map((survey) => survey.position).join(', ')} did not answer`,
        'Parties go to the hosts that answer; start the others or remove them from WORKER_HOSTS.',
      ),
    ];
  return [ok(check, room)];
}
