// The production MediaSink: frames from the player go out as a Go Live stream with DAVE.
import { type Logger, registerSecrets } from '../../logger.ts';
import type { StreamFigures } from '../../worker-contract/http.ts';
import type { MediaSink } from '../media-sink.ts';
import { GoLiveSession, type GoLiveStats } from './go-live.ts';
import { held, isRunning } from './go-live-state.ts';
import type { MainGateway } from './main-gateway.ts';
import { describeMediaSendPath, mediaSendPath } from './native-media-send.ts';
import { connectSelfbotGateway } from './selfbot-gateway.ts';
import type { WatchdogTimings } from './stall-watchdog.ts';

export type { GoLiveStats } from './go-live.ts';
export type { MainGateway } from './main-gateway.ts';
export type { WatchdogTimings } from './stall-watchdog.ts';

export interface GoLiveSinkOptions {
  /** The streaming account's token; never logged. */
  token: string;
  guildId: string;
  voiceChannelId: string;
  logger: Logger;
  /** The simulator's base URL (DISCORD_API_BASE); unset in production. Also switches voice to ws://. */
  apiBase?: string;
  /** A main gateway to use instead of logging in the selfbot (tests wire the simulator in directly). */
  mainGateway?: MainGateway;
  /** ws:// instead of wss:// for the voice servers; defaults to "an apiBase was given". */
  plainWebSocket?: boolean;
  /** Shorter watchdog timings for tests; production leaves it unset (2 s checks, 10 s / 30 s stalls). */
  watchdog?: Partial<WatchdogTimings>;
  /** Answer NACKs with RTX (default true); benchmarks and tests turn it off to compare. */
  retransmit?: boolean;
}

export interface GoLiveSink extends MediaSink {
  stats(): GoLiveStats;
}

export function createGoLiveSink(options: GoLiveSinkOptions): GoLiveSink {
  const log = options.logger;
  registerSecrets([options.token]);
  let session: GoLiveSession | null = null;
  let gateway: MainGateway | null = null;
  let closed = false;
  const fatalListeners: Array<(error: Error) => void> = [];
  const interruptionListeners: Array<(interrupted: boolean) => void> = [];
  let interrupted = false;

  const release = async (): Promise<void> => {
    const owned = gateway && !options.mainGateway ? gateway : null;
    gateway = null;
    await owned?.destroy();
  };

  return {
    async open(video) {
      if (session) throw new Error('the Go Live sink is already open');
      log.info({ mediaSend: describeMediaSendPath() }, 'Go Live media send path');
      gateway =
        options.mainGateway ??
        (await connectSelfbotGateway({
          token: options.token,
          log,
          ...(options.apiBase ? { apiBase: options.apiBase } : {}),
        }));
      session = new GoLiveSession({
        gateway,
        guildId: options.guildId,
        voiceChannelId: options.voiceChannelId,
        insecure: options.plainWebSocket ?? options.apiBase !== undefined,
        log,
        watchdog: options.watchdog,
        retransmit: options.retransmit,
      });
      session.onFatal((error) => {
        void release();
        for (const listener of fatalListeners) listener(error);
      });
      // Viewers get nothing from the moment a recovery drops the stream connection until the Go Live
      // is live again (its new connection ready); a voice reconnect alone leaves the stream flowing.
      // Closing is not the end of an outage: onFatal says that.
      session.on('stateChange', (_from, to) => {
        if (!isRunning(to)) return;
        const now = to.status === 'live' ? false : held(to).stream === null || interrupted;
        if (now === interrupted) return;
        interrupted = now;
        for (const listener of interruptionListeners) listener(interrupted);
      });
      try {
        await session.open(video);
      } catch (error) {
        await release();
        throw error;
      }
    },
    async beginItem(item, video) {
      await session?.beginItem(item, video);
    },
    sendVideo(frame) {
      session?.sendVideo(frame);
    },
    sendAudio(frame) {
      session?.sendAudio(frame);
    },
    setPaused(paused) {
      session?.setPaused(paused);
    },
    async close(reason) {
      if (closed) return;
      closed = true;
      await session?.close(reason);
      await release();
    },
    onFatal(listener) {
      fatalListeners.push(listener);
    },
    onInterruption(listener) {
      interruptionListeners.push(listener);
    },
    stats() {
      if (!session) throw new Error('the Go Live sink is not open');
      return session.stats();
    },
    figures() {
      return session && streamFigures(session.stats());
    },
  };
}

function streamFigures(stats: GoLiveStats): StreamFigures {
  return {
    sendPath: mediaSendPath.kind,
    videoFramesSent: stats.videoFramesSent,
    audioFramesSent: stats.audioFramesSent,
    videoFramesDropped: stats.videoFramesDropped,
    packetsSent: stats.packetsSent,
    bytesSent: stats.bytesSent,
    daveEpoch: stats.daveEpoch,
    daveTransitions: stats.daveTransitions,
    nacksReceived: stats.nacksReceived,
    packetsRetransmitted: stats.packetsRetransmitted,
    retransmitsRefused: stats.retransmitsRefused,
    keyframeRequests: stats.keyframeRequests,
    reconnects: stats.recoveries,
    viewers: stats.viewers,
  };
}
