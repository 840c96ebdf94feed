// A stand-in bot for the "bot killed with SIGKILL" test: a supervisor that opens one session and
// plays a clip, then prints `{"workerPid":N}` and waits to be killed.
import { createLogger } from '../../../src/logger.ts';
import { WorkerSupervisor } from '../../../src/worker-pool/supervisor.ts';
import { playRequest } from '../../worker/support/media-fixtures.ts';

const mediaUrl = process.env.TEST_MEDIA_URL!;
const supervisor = new WorkerSupervisor({
  logger: createLogger({ level: 'silent', pretty: false }),
  streamerTokens: ['streamer-token-for-bot-process'],
  jellyfin: { url: new URL(mediaUrl).origin, apiKey: process.env.TEST_MEDIA_API_KEY! },
  stream: { profile: '720p30', bitrateKbps: 2_500 },
  sink: 'capture',
  // Chatty on purpose: the worker still has log lines to write when its stderr goes dead with the bot.
  logLevel: 'debug',
});
await supervisor.open({ sessionId: '1', guildId: '10', voiceChannelId: '20', textChannelId: '30' });
await supervisor.play('1', playRequest(mediaUrl));
process.stdout.write(`${JSON.stringify({ workerPid: supervisor.processId('1') })}\n`);
setInterval(() => {}, 60_000);
