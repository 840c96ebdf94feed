// `npm run conformance [-- --json]`: the official @discordjs/voice client goes live on the simulated
// Discord (test/conformance/discordjs-voice-run.ts). Prints a table for people and, with --json, one
// JSON object as its last line. Exits non-zero when the simulator reported any divergence or the
// viewer did not decrypt the client's DAVE frames.
import { runDiscordjsVoiceConformance } from '../test/conformance/discordjs-voice-run.ts';

const json = process.argv.includes('--json');
const result = await runDiscordjsVoiceConformance();
const rows: Array<[string, string]> = [
  ['client', `${result.client} ${result.clientVersion}`],
  ['connections', String(result.connections)],
  ['DAVE epoch (voice / stream)', `${result.daveEpoch.voice} / ${result.daveEpoch.stream}`],
  ['Opus frames sent', String(result.framesSent)],
  ['frames DAVE-decrypted', String(result.framesDecrypted)],
  ['decrypt failures', String(result.decryptFailures)],
  ['audio received', `${(result.audioMsReceived / 1000).toFixed(2)} s`],
  ['divergences', String(result.divergences.length)],
];
const width = Math.max(...rows.map(([name]) => name.length));
for (const [name, value] of rows) console.log(`${name.padEnd(width)}  ${value}`);
for (const divergence of result.divergences) console.log(`  - ${divergence}`);
const failed = result.divergences.length > 0 || result.framesDecrypted === 0 || result.decryptFailures > 0;
if (json) console.log(JSON.stringify(result));
process.exitCode = failed ? 1 : 0;
