// What every Go Live test against the simulator does last: stop the player, close the sink (the
// stop sequence), and only then stop the simulator, once it has seen every connection go.
import type { VoiceSim } from '../../sim/discord/voice/index.ts';
import type { GoLiveSink } from '../../src/worker/golive/index.ts';
import { waitFor } from '../sim-voice/voice-test-client.ts';

export async function endGoLive(
  run: { voice: VoiceSim; sink: GoLiveSink; stopPlaying: () => Promise<void> },
  reason: string,
): Promise<void> {
  await run.stopPlaying();
  await run.sink.close(reason);
  await waitFor('every connection to close', () => run.voice.connectedSessions().length === 0, 15_000);
  await run.voice.stop();
}
