// One stream-worker child process seen from the bot: spawn with secrets in the environment only,
// the start-up handshake (`{"ready":true,"port":N}` on stdout, see src/worker/main.ts) that tells
// "failed to start" from "died later", the child's JSON log lines re-logged under the session's
// logger, and stop = SIGTERM then SIGKILL. The IPC channel is only a lifeline: when the bot dies it closes and
// the worker exits (see src/worker/main.ts).
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import type { Logger } from '../logger.ts';

export interface WorkerExit {
  exitCode: number | null;
  signal: string | null;
}

export interface WorkerProcessOptions {
  env: Record<string, string>;
  logger: Logger;
  readyTimeoutMs?: number;
  /** Defaults to src/worker/main.ts (or its main.js when running from the build). */
  entry?: string;
}

/** The worker process's entry, with this module's own extension (.ts in dev, .js built). */
export const defaultWorkerEntry = fileURLToPath(
  new URL(`../worker/main${extname(fileURLToPath(import.meta.url))}`, import.meta.url),
);

/** Environment a worker inherits from the bot; everything else (the bot's own token!) stays behind. */
const INHERITED_ENV = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ', 'NODE_ENV', 'FFMPEG_PATH', 'FFPROBE_PATH'];

const STOP_GRACE_MS = 5_000;
const pinoLevels: Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

function relayLogLine(logger: Logger, line: string): void {
  try {
    const { level, msg, time: _time, pid: _pid, hostname: _host, name: _name, ...fields } = JSON.parse(line);
    logger[pinoLevels[level as number] ?? 'info']({ worker: fields }, String(msg ?? ''));
  } catch {
    logger.warn({ worker: { output: line } }, 'worker output');
  }
}

export class WorkerStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkerStartError';
  }
}

export class WorkerProcess {
  readonly port: number;
  readonly pid: number;
  readonly exited: Promise<WorkerExit>;
  readonly #child: ResultPromise;

  private constructor(child: ResultPromise, port: number, exited: Promise<WorkerExit>) {
    this.#child = child;
    this.port = port;
    this.pid = child.pid!;
    this.exited = exited;
  }

  static async spawn(options: WorkerProcessOptions): Promise<WorkerProcess> {
    const env: Record<string, string> = {};
    for (const name of INHERITED_ENV) if (process.env[name]) env[name] = process.env[name]!;
    // One V8 helper thread instead of Node's four: a worker's garbage collection then cannot take
    // every core at once from the other parties' frame timers (capacity bench, copy mode on 2
    // cores: 6 parties held their pacing instead of 4, twice).
    const child = execa(process.execPath, ['--v8-pool-size=1', options.entry ?? defaultWorkerEntry], {
      env: { ...env, ...options.env },
      extendEnv: false,
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
      ipc: true,
      buffer: false,
      reject: false,
    });
    const exited: Promise<WorkerExit> = child.then((result) => ({
      exitCode: result.exitCode ?? null,
      signal: result.signal ?? null,
    }));
    let lastError = '';
    let stderrRest = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      const lines = (stderrRest + text).split('\n');
      stderrRest = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim()) continue;
        if (!line.startsWith('{')) lastError = line;
        relayLogLine(options.logger, line);
      }
    });
    const port = await new Promise<number>((resolve, reject) => {
      let stdoutRest = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new WorkerStartError('the stream worker did not become ready in time'));
      }, options.readyTimeoutMs ?? 15_000);
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (text: string) => {
        stdoutRest += text;
        const ready = /\{"ready":true,"port":(\d+)\}\n/.exec(stdoutRest);
        if (ready) {
          clearTimeout(timer);
          resolve(Number(ready[1]));
        }
      });
      void exited.then((exit) => {
        clearTimeout(timer);
        const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.exitCode}`;
        reject(
          new WorkerStartError(
            `the stream worker ${how} before it was ready${lastError ? `: ${lastError}` : ''}`,
          ),
        );
      });
    });
    return new WorkerProcess(child, port, exited);
  }

  /** SIGKILL now (a hung worker). */
  kill(): void {
    this.#child.kill('SIGKILL');
  }

  /** SIGTERM, then SIGKILL if it has not exited within 5 s; resolves once it is gone. */
  async stop(): Promise<WorkerExit> {
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), STOP_GRACE_MS);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }
}
