// Asking the WORKER_HOSTS for their room (GET /host), for placement and for the doctor. An http entry
// whose name has several addresses (a Kubernetes headless Service) counts as one host per address;
// hosts are told apart by the id each reports, so a host listed twice counts once.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { HostStatus } from '../worker-contract/host.ts';
import { WorkerClient } from './client.ts';

/** One WORKER_HOSTS entry: its address and its bearer token. */
export interface WorkerHostEntry {
  url: string;
  token: string;
}

export interface SurveyedHost {
  client: WorkerClient;
  status: HostStatus;
}

/** What one entry's addresses answered. */
export interface EntrySurvey {
  /** 1-based place in WORKER_HOSTS: what messages name, since the entry itself holds a token. */
  position: number;
  answered: SurveyedHost[];
  /** Why the others did not (a failed name lookup is one). */
  failures: unknown[];
}

/** A host that does not answer in this time counts as gone for now. */
const SURVEY_TIMEOUT_MS = 2_000;

/** The entry's base URLs, one per address its name resolves to (https entries keep their name for TLS). */
async function addressesOf(entry: WorkerHostEntry): Promise<string[]> {
  const url = new URL(entry.url);
  const name = url.hostname.replace(/^\[|\]$/g, '');
  if (url.protocol !== 'http:' || isIP(name) !== 0) return [entry.url];
  const found = await lookup(name, { all: true });
  return found.map(({ address, family }) => {
    url.hostname = family === 6 ? `[${address}]` : address;
    return url.href.replace(/\/+$/, '');
  });
}

async function surveyEntry(entry: WorkerHostEntry, position: number): Promise<EntrySurvey> {
  const survey: EntrySurvey = { position, answered: [], failures: [] };
  let urls: string[];
  try {
    urls = await addressesOf(entry);
  } catch (error) {
    survey.failures.push(error);
    return survey;
  }
  await Promise.all(
    urls.map(async (baseUrl) => {
      const client = new WorkerClient({ baseUrl, token: entry.token });
      try {
        survey.answered.push({ client, status: await client.hostStatus(SURVEY_TIMEOUT_MS) });
      } catch (error) {
        survey.failures.push(error);
      }
    }),
  );
  return survey;
}

export function surveyWorkerHosts(entries: readonly WorkerHostEntry[]): Promise<EntrySurvey[]> {
  return Promise.all(entries.map((entry, index) => surveyEntry(entry, index + 1)));
}

/** Every host that answered, once each. */
export function distinctHosts(surveys: readonly EntrySurvey[]): SurveyedHost[] {
  const byId = new Map<string, SurveyedHost>();
  for (const host of surveys.flatMap((survey) => survey.answered))
    if (!byId.has(host.status.hostId)) byId.set(host.status.hostId, host);
  return [...byId.values()];
}
