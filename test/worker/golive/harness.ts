// The start and the end every Go Live test against the simulator shares: a simulator, an in-test
// main gateway wired to it and a real Go Live sink opened on them; and, last, the player stopped,
// the sink closed (the stop sequence) and the simulator stopped once it has seen every connection go.
import { startVoiceSim, type VoiceSim, type VoiceSimOptions } from '../../../sim/discord/voice/index.ts';
import { waitFor } from '../../../sim/wait-for.ts';
import type { Logger } from '../../../src/logger.ts';
import { createGoLiveSink, type GoLiveSink, type WatchdogTimings } from '../../../src/worker/golive/index.ts';
import type { StreamVideoParameters } from '../../../src/worker/media-sink.ts';
import { type SimMainGateway, simMainGateway } from './sim-gateway.ts';

export interface OpenGoLive {
  voice: VoiceSim;
  gateway: SimMainGateway;
  sink: GoLiveSink;
  /** Every fatal error the sink reported, in order. */
  fatal: Error[];
}

interface GoLiveOptions {
  sim: VoiceSimOptions;
  ids: { userId: string; guildId: string; voiceChannelId: string };
  logger: Logger;
  watchdog?: Partial<WatchdogTimings>;
  /** Answer NACKs with RTX (the transport's default); off to see what loss does without it. */
  retransmit?: boolean;
}

export async function openGoLive(
  options: GoLiveOptions & { video: StreamVideoParameters },
): Promise<OpenGoLive> {
  const live = await goLiveSink(options);
  try {
    await live.sink.open(options.video);
  } catch (error) {
    await live.voice.stop();
    throw error;
  }
  return live;
}

/** The simulator and a Go Live sink on it, not yet opened (a worker session opens its own sink). */
export async function goLiveSink(options: GoLiveOptions): Promise<OpenGoLive> {
  // Our transport is held to its own promises too, not only to what Discord accepts.
  const voice = await startVoiceSim({ profile: 'orb-transport', ...options.sim });
  const gateway = simMainGateway(voice, options.ids.userId);
  const sink = createGoLiveSink({
    token: 'unused-with-an-injected-gateway',
    guildId: options.ids.guildId,
    voiceChannelId: options.ids.voiceChannelId,
    logger: options.logger,
    mainGateway: gateway,
    plainWebSocket: true,
    watchdog: options.watchdog,
    retransmit: options.retransmit,
  });
  const fatal: Error[] = [];
  sink.onFatal((error) => fatal.push(error));
  return { voice, gateway, sink, fatal };
}

export async function endGoLive(
  run: { voice: VoiceSim; sink: GoLiveSink; stopPlaying: () => Promise<void> },
  reason: string,
): Promise<void> {
  await run.stopPlaying();
  await run.sink.close(reason);
  await waitFor('every connection to close', () => run.voice.connectedSessions().length === 0, 15_000);
  await run.voice.stop();
}
