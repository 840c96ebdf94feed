// The stream worker process: one per watch party, spawned by the bot's supervisor.
//
// Start-up protocol: configuration and secrets come from the environment only (one schema,
// src/worker-contract/environment.ts). When the contract server listens, the worker prints ONE line
// on stdout, `{"ready":true,"port":N}`, and nothing else ever goes to stdout: logs are JSON lines on
// stderr.
//
// Lifetime: SIGTERM/SIGINT stop ffmpeg, close the sink (leaving voice) and exit within 5 s. When
// spawned with an IPC channel (the supervisor does), losing it means the bot died, even by SIGKILL,
// and the worker shuts down the same way, so workers and their ffmpeg never outlive the bot.
import { createLogger, registerSecrets } from '../logger.ts';
import { resolveFfmpeg, resolveFfprobe } from '../media/ffmpeg-binary.ts';
import { mediaBrowserAuthorization } from '../media/jellyfin-auth-header.ts';
import { logProcessFigures } from '../process-figures.ts';
import { parseWorkerEnvironment } from '../worker-contract/environment.ts';
import { createContractServer } from './contract-server.ts';
import { VideoEncoderSelection } from './media/encoder-selection.ts';
import { SourceProxy } from './media/source-proxy.ts';
import { streamEncoding } from './media/stream-encoding.ts';
import { WorkerProcessSessions } from './process-sessions.ts';
import { sinkFactory } from './sink-factory.ts';

/** Leaves headroom under the 5 s promise for the process to actually exit. */
const SHUTDOWN_DEADLINE_MS = 4_000;

const parsed = parseWorkerEnvironment(process.env);
if (!parsed.ok) {
  process.stderr.write(`stream worker: invalid environment: ${parsed.problems.join('; ')}\n`);
  process.exit(2);
}
const settings = parsed.settings;
registerSecrets(
  [settings.workerToken, settings.jellyfinApiKey, settings.streamerToken].filter(
    (value): value is string => typeof value === 'string',
  ),
);

// Logs go through process.stderr, not pino.destination: once the bot has died, stderr's peer is gone,
// and sonic-boom's flushSync retries a failed write forever (EPIPE included), so the exit hung and the
// worker outlived the bot. A write error on stderr only means nobody is listening any more.
process.stderr.on('error', () => {});
const logger = createLogger({
  level: settings.logLevel,
  pretty: false,
  destination: process.stderr,
  name: 'worker',
});
logProcessFigures(logger);

const encoding = streamEncoding(settings.streamProfile, settings.maxBitrateKbps, {
  normalizeAudio: settings.normalizeAudio,
});
const jellyfinUrl = settings.jellyfinUrl;
const apiKey = settings.jellyfinApiKey;
const proxy = await SourceProxy.start({
  jellyfinUrl: jellyfinUrl ?? null,
  authorization: apiKey ? mediaBrowserAuthorization(apiKey, 'orb-watch-party-worker') : null,
});
const ffmpegPath = resolveFfmpeg();
// Self-tests the GPU encoders while the worker starts; only a transcode waits for the answer.
const videoEncoders = new VideoEncoderSelection({
  setting: settings.videoEncoder,
  vaapiDevice: settings.vaapiDevice,
  ffmpegPath,
  logger,
});
const host = new WorkerProcessSessions(
  sinkFactory(settings.sink, {
    streamerToken: settings.streamerToken,
    discordApiBase: settings.discordApiBase,
  }),
  {
    ffmpegPath,
    ffprobePath: resolveFfprobe(),
    proxy,
    encoding,
    videoEncoders,
  },
  logger,
);
const server = createContractServer({
  token: settings.workerToken,
  host,
  logger,
  jellyfinUrl: jellyfinUrl ?? null,
});

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

server.listen(settings.port, settings.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : settings.port;
  process.stdout.write(`${JSON.stringify({ ready: true, port })}\n`);
  logger.info({ port, profile: encoding.profile, bitrateKbps: encoding.bitrateKbps }, 'worker ready');
});
