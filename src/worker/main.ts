// The stream worker process: one per watch party, spawned by the bot's supervisor.
//
// Start-up protocol: configuration and secrets come from the environment only (names in
// `workerEnv`, plus ORB_WORKER_SINK, STREAM_PROFILE, STREAM_MAX_BITRATE_KBPS, LOG_LEVEL). When the
// contract server listens, the worker prints ONE line on stdout, `{"ready":true,"port":N}`, and
// nothing else ever goes to stdout: logs are JSON lines on stderr.
//
// Lifetime: SIGTERM/SIGINT stop ffmpeg, close the sink (leaving voice) and exit within 5 s. When
// spawned with an IPC channel (the supervisor does), losing it means the bot died, even by SIGKILL,
// and the worker shuts down the same way, so workers and their ffmpeg never outlive the bot.
import { z } from 'zod';
import { mediaBrowserAuthorization } from '../jellyfin/auth-header.ts';
import { createLogger, registerSecrets } from '../logger.ts';
import { resolveFfmpeg, resolveFfprobe } from '../media/ffmpeg-binary.ts';
import { workerEnv } from './contract.ts';
import { createContractServer } from './contract-server.ts';
import { SourceProxy } from './media/source-proxy.ts';
import { streamEncoding, streamEncodingEnv, streamEncodingEnvShape } from './media/stream-encoding.ts';
import { sinkFactory, sinkKindSchema, WORKER_SINK_ENV } from './sink-factory.ts';
import { WorkerHost } from './worker-host.ts';

/** Leaves headroom under the 5 s promise for the process to actually exit. */
const SHUTDOWN_DEADLINE_MS = 4_000;

const envSchema = z.object({
  [workerEnv.token]: z.string().min(16, 'must be the per-worker token (at least 16 characters)'),
  [workerEnv.jellyfinUrl]: z.url().optional(),
  [workerEnv.jellyfinApiKey]: z.string().min(1).optional(),
  [workerEnv.host]: z.string().min(1).default('127.0.0.1'),
  [workerEnv.port]: z.coerce.number().int().min(0).max(65_535).default(0),
  [WORKER_SINK_ENV]: sinkKindSchema,
  ...streamEncodingEnvShape,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

const cleanedEnv = Object.fromEntries(Object.entries(process.env).filter(([, value]) => value !== ''));
const parsed = envSchema.safeParse(cleanedEnv);
if (!parsed.success) {
  // Names only: values may be secrets.
  const problems = parsed.error.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`);
  process.stderr.write(`stream worker: invalid environment: ${problems.join('; ')}\n`);
  process.exit(2);
}
const env = parsed.data;
registerSecrets(
  [env[workerEnv.token], env[workerEnv.jellyfinApiKey], process.env[workerEnv.streamerToken]].filter(
    (value): value is string => typeof value === 'string',
  ),
);

// Logs go through process.stderr, not pino.destination: once the bot has died, stderr's peer is gone,
// and sonic-boom's flushSync retries a failed write forever (EPIPE included), so the exit hung and the
// worker outlived the bot. A write error on stderr only means nobody is listening any more.
process.stderr.on('error', () => {});
const logger = createLogger({
  level: env.LOG_LEVEL,
  pretty: false,
  destination: process.stderr,
  name: 'worker',
});

const encoding = streamEncoding(env[streamEncodingEnv.profile], env[streamEncodingEnv.maxBitrateKbps]);
const jellyfinUrl = env[workerEnv.jellyfinUrl];
const apiKey = env[workerEnv.jellyfinApiKey];
const proxy = await SourceProxy.start({
  jellyfinOrigin: jellyfinUrl ? new URL(jellyfinUrl).origin : null,
  authorization: apiKey ? mediaBrowserAuthorization(apiKey, 'orb-watch-party-worker') : null,
});
const host = new WorkerHost(
  sinkFactory(env[WORKER_SINK_ENV], {
    streamerToken: process.env[workerEnv.streamerToken],
    discordApiBase: process.env[workerEnv.discordApiBase],
  }),
  {
    ffmpegPath: resolveFfmpeg(),
    ffprobePath: resolveFfprobe(),
    proxy,
    encoding,
  },
  logger,
);
const server = createContractServer({ token: env[workerEnv.token], host, logger });

let shuttingDown = false;
async function shutdown(reason: string, exitCode: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  logger.info({ reason }, 'worker stopping');
  setTimeout(() => process.exit(exitCode), SHUTDOWN_DEADLINE_MS).unref();
  server.closeAllConnections();
  server.close();
  await host.close(reason).catch((error: unknown) => logger.error({ err: error }, 'clean shutdown failed'));
  logger.flush();
  process.exit(exitCode);
}

process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
process.on('SIGINT', () => void shutdown('SIGINT', 0));
if (process.channel) process.on('disconnect', () => void shutdown('the bot process went away', 0));
process.on('uncaughtException', (error) => {
  logger.fatal({ err: error }, 'worker crashed');
  void shutdown('crash', 1);
});

server.listen(env[workerEnv.port], env[workerEnv.host], () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : env[workerEnv.port];
  process.stdout.write(`${JSON.stringify({ ready: true, port })}\n`);
  logger.info({ port, profile: encoding.profile, bitrateKbps: encoding.bitrateKbps }, 'worker ready');
});
