// Which MediaSink a worker streams into, chosen by ORB_WORKER_SINK (src/worker-contract): `golive`
// (Discord, production) or `capture` (keeps frames in memory: tests, benchmarks, and running a worker
// without Discord).
import type { SinkKind } from '../worker-contract/environment.ts';
import { CaptureSink } from './capture-sink.ts';
import type { SinkFactory } from './process-sessions.ts';

export interface GoLiveSettings {
  /** The leased streaming account's token (ORB_STREAMER_TOKEN). */
  streamerToken: string | undefined;
  /** The simulator's base URL (DISCORD_API_BASE); unset in production. */
  discordApiBase: string | undefined;
}

export function sinkFactory(kind: SinkKind, goLive: GoLiveSettings): SinkFactory {
  switch (kind) {
    case 'capture':
      return () => new CaptureSink();
    case 'golive':
      return async (session, logger) => {
        if (!goLive.streamerToken) throw new Error('no streaming account token was given to this worker');
        // Loaded on demand: the Discord client stack is most of a worker's memory, and capture
        // workers (tests, benchmarks) never need it.
        const { createGoLiveSink } = await import('./golive/index.ts');
        return createGoLiveSink({
          token: goLive.streamerToken,
          guildId: session.guildId,
          voiceChannelId: session.voiceChannelId,
          logger,
          ...(goLive.discordApiBase ? { apiBase: goLive.discordApiBase } : {}),
        });
      };
  }
}
