// A real `node src/main.ts worker-host` on 127.0.0.1 for tests, started with only the settings given
// (in a temp working directory, so the project's own .env cannot reach it) and stopped with SIGTERM.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../sim/free-port.ts';
import { waitFor } from '../../sim/wait-for.ts';
import { parseExposition } from './prometheus-text.ts';

const mainEntry = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

export interface RunningHost {
  url: string;
  token: string;
  process: ChildProcess;
}

export interface WorkerHostOptions {
  /** The host's working directory. */
  dir: string;
  token: string;
  capacity: number;
  /** More settings (METRICS_TOKEN, …). */
  env?: Record<string, string>;
}

export async function startWorkerHost(options: WorkerHostOptions): Promise<RunningHost> {
  const port = await freePort();
  const child = spawn(process.execPath, [mainEntry, 'worker-host'], {
    cwd: options.dir,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      WORKER_HOST_TOKEN: options.token,
      WORKER_HOST_PORT: String(port),
      WORKER_HOST_CAPACITY: String(options.capacity),
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor('the worker host to answer', () =>
    fetch(`${url}/health`).then(
      (response) => response.ok,
      () => false,
    ),
  );
  return { url, token: options.token, process: child };
}

/** A process killed by a signal has no exit code, only its signal. */
export const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** SIGTERM to each (they stop their workers first), resolved once all have exited. */
export async function stopWorkerHosts(hosts: readonly RunningHost[]): Promise<void> {
  for (const host of hosts) host.process.kill('SIGTERM');
  await Promise.all(hosts.map((host) => (hasExited(host.process) ? null : once(host.process, 'exit'))));
}

/** The host's /metrics as Prometheus reads it, with `metricsToken` (its METRICS_TOKEN). */
export async function scrapeWorkerHost(host: RunningHost, metricsToken: string) {
  const response = await fetch(`${host.url}/metrics`, {
    headers: { authorization: `Bearer ${metricsToken}` },
  });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  assert.match(String(response.headers.get('content-type')), /^text\/plain; version=0\.0\.4/);
  return { text, ...parseExposition(text) };
}
