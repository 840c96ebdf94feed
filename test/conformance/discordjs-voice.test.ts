// The official @discordjs/voice client, known to work against real Discord, must pass the simulator's
// `discord` profile: if the simulator finds fault with it, the simulator is stricter than Discord.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runDiscordjsVoiceConformance } from './discordjs-voice-run.ts';

test('@discordjs/voice joins voice, goes live, completes DAVE on both connections and streams Opus with no divergence', async () => {
  const result = await runDiscordjsVoiceConformance({ audioSeconds: 6 });
  assert.deepEqual(result.divergences, []);
  assert.equal(result.connections, 2, 'main voice and stream connections identified');
  assert.ok(
    result.daveEpoch.voice >= 1,
    `a DAVE group formed on main voice (epoch ${result.daveEpoch.voice})`,
  );
  assert.ok(
    result.daveEpoch.stream >= 1,
    `a DAVE group formed on the stream (epoch ${result.daveEpoch.stream})`,
  );
  assert.equal(result.decryptFailures, 0, 'the viewer decrypted every DAVE frame it received');
  assert.ok(result.framesDecrypted > 0, 'the client DAVE-encrypted its audio');
  assert.ok(
    result.audioMsReceived >= 5000,
    `the viewer got ${result.audioMsReceived} ms of audio, want ≥ 5 s`,
  );
});
