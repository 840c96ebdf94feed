// The supervisor most worker-pool tests need: real workers streaming into the capture sink from a
// test media server, 720p30, quiet logs, and a restart policy quick enough for a test (three tries,
// 100 ms apart). Options override any of it (the placement, the streaming accounts, the logger).
import { createLogger } from '../../../src/logger.ts';
import { type SupervisorOptions, WorkerSupervisor } from '../../../src/worker-pool/supervisor.ts';

export function captureSupervisor(
  media: { url: string; apiKey: string },
  options: Partial<SupervisorOptions> & Pick<SupervisorOptions, 'streamerTokens'>,
): WorkerSupervisor {
  return new WorkerSupervisor({
    logger: createLogger({ level: 'silent', pretty: false }),
    jellyfin: { url: media.url, apiKey: media.apiKey },
    stream: { profile: '720p30', bitrateKbps: 2_500 },
    sink: 'capture',
    logLevel: 'warn',
    restart: { maxFailures: 3, windowMs: 60_000, backoffMs: [100, 100, 100] },
    ...options,
  });
}
