// `npm run demo`: a whole watch party on one machine with no accounts. The REAL bot (a child
// process) logs into the Discord simulator, its stream worker Go-Lives into the voice simulator with
// DAVE, and two simulated people drive the party through slash commands, autocomplete, the panel's
// buttons and the seek modal, exactly the payloads Discord would send. A timeline shows who did
// what, what the bot answered, the panel, and what the simulated viewer receives; alice also pauses
// and resumes the party from the web dashboard in headless Chromium. Afterwards demo-output/ holds a
// few decoded frames (PNG), a short MP4 of what the viewer got, and the dashboard on a desktop and a
// phone (dashboard.png, dashboard-phone.png).
//
//   npm run demo              runs the script, then keeps a party open to drive by hand (Ctrl-C stops)
//   npm run demo -- --once    runs the script and exits (0 when every step worked; CI)
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { APIMessage } from 'discord-api-types/v10';
import { DashboardScene } from './demo-dashboard.ts';
import type { InjectedInteraction, SimUser } from './discord/index.ts';
import { type Stack, startStack } from './stack/index.ts';
import { metricsLine } from './stack/metrics-line.ts';
import { buttonOf, type PanelView, panelLine, readPanel, waitForPanel } from './stack/panel.ts';
import { exportViewerOutput, probeViewerOutput, viewerFrameRate } from './stack/viewer-output.ts';
import { waitFor } from './wait-for.ts';

const once = process.argv.includes('--once');
const outputDir = fileURLToPath(new URL('../demo-output/', import.meta.url));
const STEP_TIMEOUT_MS = 30_000;
const startedAt = Date.now();

function say(who: string, what: string): void {
  const elapsed = ((Date.now() - startedAt) / 1000).toFixed(1).padStart(5);
  console.log(`[${elapsed}s] ${who.padEnd(7)} ${what}`);
}

const until = (what: string, condition: () => boolean) => waitFor(what, condition, STEP_TIMEOUT_MS, 50);

let lastEpoch: bigint | undefined;

/** Frames per second the viewer decrypted over the last second, and the stream's DAVE epoch. */
function viewerLine(stack: Stack): string {
  const { viewer } = stack.voice;
  const since = Date.now() - 1_000;
  const recent = (frames: { receivedAtMs: number }[]) => frames.filter((f) => f.receivedAtMs >= since).length;
  const counters = viewer.counters();
  lastEpoch =
    stack.voice.sessions('stream').find((s) => s.connected)?.credential.media.group?.epoch ?? lastEpoch;
  return (
    `${recent(viewer.videoFrames)} video + ${recent(viewer.audioFrames)} audio frames/s, ` +
    `${counters.videoFramesReceived} video frames so far, DAVE epoch ${lastEpoch ?? '-'}, ` +
    `decrypt failures ${counters.daveDecryptFailed}`
  );
}

class Party {
  readonly stack: Stack;
  panelId: string | null = null;

  constructor(stack: Stack) {
    this.stack = stack;
  }

  /** Waits for the panel to satisfy `predicate`, then prints it with what the viewer receives. */
  async panel(what: string, predicate: (panel: PanelView) => boolean): Promise<PanelView> {
    const panel = await waitForPanel(this.stack.discord, this.panelId, what, predicate, STEP_TIMEOUT_MS);
    this.panelId = panel.messageId;
    say('panel', `${panelLine(panel)}   (${what})`);
    say('viewer', viewerLine(this.stack));
    return panel;
  }

  current(): PanelView {
    const stored = this.panelId ? this.stack.discord.messages.get(this.panelId) : undefined;
    if (!stored) throw new Error('the panel is not there');
    return readPanel(stored.message);
  }

  async command(user: SimUser, sub: string, options: Record<string, string> = {}): Promise<APIMessage> {
    const shown = Object.entries(options)
      .map(([name, value]) => ` ${name}:${value}`)
      .join('');
    say(user.username, `/watchparty ${sub}${shown}`);
    const reply = await this.stack.discord.interactions
      .command({ user }, 'watchparty', sub, options)
      .reply(STEP_TIMEOUT_MS);
    say('bot', `→ ${reply.content || '(embed)'}`);
    return reply;
  }

  async pick(user: SimUser, typed: string): Promise<string> {
    const choices = await this.stack.discord.interactions
      .autocomplete({ user }, 'watchparty', 'queue', 'media', typed)
      .choices(STEP_TIMEOUT_MS);
    say(
      user.username,
      `types "${typed}" → ${choices.map((choice) => choice.name).join(' · ') || 'no suggestions'}`,
    );
    const first = choices[0];
    if (!first) throw new Error(`autocomplete offered nothing for "${typed}"`);
    say(user.username, `picks "${first.name}"`);
    return String(first.value);
  }

  click(user: SimUser, label: string): InjectedInteraction {
    say(user.username, `clicks [${label}] on the panel`);
    const panel = this.current();
    return this.stack.discord.interactions.button({ user }, panel.messageId, buttonOf(panel, label));
  }

  async seekWithModal(user: SimUser, time: string): Promise<void> {
    const opener = this.click(user, 'Seek…');
    const modal = await opener.modal(STEP_TIMEOUT_MS);
    say('bot', `→ opens the "${String(modal.title)}" modal`);
    say(user.username, `types ${time} and submits`);
    const submitted = await this.stack.discord.interactions.submitModal({ user }, opener, { time });
    say('bot', `→ ${(await submitted.reply(STEP_TIMEOUT_MS)).content}`);
  }
}

async function runScript(stack: Stack): Promise<Party> {
  const { alice } = stack.people;
  const party = new Party(stack);
  await party.command(alice, 'create', { title: 'Demo night' });
  await party.panel('the panel appears', (panel) => panel.text.includes('Demo night'));
  const dashboard = await DashboardScene.open(stack, {
    say,
    panel: (what, predicate) => party.panel(what, predicate),
  });
  try {
    await runParty(stack, party, dashboard);
  } finally {
    await dashboard.close();
  }
  return party;
}

async function runParty(stack: Stack, party: Party, dashboard: DashboardScene): Promise<void> {
  const { alice, bob } = stack.people;
  await party.command(alice, 'queue', { media: await party.pick(alice, 'night harb') });
  await party.command(bob, 'queue', { media: await party.pick(bob, 'amelie') });
  await party.panel('the first item queued started the party', (panel) => panel.state.includes('Playing'));
  const framesBefore = stack.voice.viewer.videoFramesReceived;
  await until(
    'the viewer to receive video',
    () => stack.voice.viewer.videoFramesReceived > framesBefore + 24,
  );
  say('viewer', viewerLine(stack));
  say('metrics', await metricsLine(stack.metrics));

  party.click(alice, 'Pause');
  await party.panel('paused', (panel) => panel.state.includes('Paused'));
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  say('viewer', `${viewerLine(stack)}   (nothing while paused)`);

  party.click(alice, 'Resume');
  await party.panel('resumed', (panel) => panel.state.includes('Playing'));
  const afterResume = stack.voice.viewer.videoFramesReceived;
  await until('video after the resume', () => stack.voice.viewer.videoFramesReceived > afterResume + 12);
  await dashboard.play(outputDir);

  await party.seekWithModal(alice, '0:06');
  await party.panel('after the seek', (panel) => /^0:0[6-9]/.test(panel.progress));

  const bobSkips = party.click(bob, 'Skip');
  await until('the answer to bob', () => bobSkips.followUps().length > 0);
  say('bot', `→ (only bob sees this) ${bobSkips.followUps()[0]?.content}`);
  party.click(alice, 'Skip');
  await party.panel('skipped to the next item', (panel) => panel.title.startsWith('Amélie'));
  const afterSkip = stack.voice.viewer.videoFramesReceived;
  await until('video of the next item', () => stack.voice.viewer.videoFramesReceived > afterSkip + 24);
  say('viewer', viewerLine(stack));

  await party.command(alice, 'stop');
  await party.panel('the party is over', (panel) => panel.state.includes('Stopped'));
  await until('the stream to end', () => stack.voice.connectedSessions().length === 0);
  say('viewer', 'the stream ended: nothing is connected to the voice simulator any more');
  if (stack.voice.divergences.length > 0) {
    throw new Error(`the voice simulator saw protocol divergences:\n${stack.voice.divergences.join('\n')}`);
  }
}

async function writeOutputs(stack: Stack): Promise<void> {
  const files = stack.voice.viewer.files;
  if (!files) throw new Error('the viewer wrote no files');
  const probe = await probeViewerOutput(files);
  if (probe.decodedFrames === 0) throw new Error('the video the viewer received does not decode');
  const { pngs, mp4 } = await exportViewerOutput(files, outputDir, {
    fps: viewerFrameRate(stack.voice.viewer),
    decodedFrames: probe.decodedFrames,
  });
  say(
    'output',
    `${probe.decodedFrames} frames at ${probe.width}x${probe.height}, ` +
      `${probe.audioSeconds.toFixed(1)} s of ${probe.audioCodec ?? 'no'} audio`,
  );
  for (const file of [...pngs, mp4]) say('output', file);
}

function printHowToDrive(stack: Stack, sessionId: string): void {
  const api = stack.api.url;
  const auth = `-H 'Authorization: Bearer ${stack.api.token}'`;
  const json = `-H 'Content-Type: application/json'`;
  const movies = stack.jellyfin.library
    .sorted()
    .filter((item) => item.type === 'Movie')
    .map((item) => `  ${item.id}  ${item.name.slice(0, 60)} (${item.runtimeSeconds ?? '?'} s)`);
  console.log(`
The stack keeps running with party #${sessionId} open (nothing playing yet). Drive it with the JSON API:

  curl -s ${auth} ${api}/sessions/${sessionId}
  curl -s ${auth} ${json} -d '{"itemId":"<id from the catalog>","startIfIdle":true}' ${api}/sessions/${sessionId}/queue
  curl -s ${auth} ${json} -d '{"action":"pause"}' ${api}/sessions/${sessionId}/control
  curl -s ${auth} ${json} -d '{"action":"seek","position":"0:05"}' ${api}/sessions/${sessionId}/control
  curl -s ${auth} ${json} -d '{"action":"stop"}' ${api}/sessions/${sessionId}/control

Prometheus metrics (parties, workers, each party's stream, Jellyfin and autocomplete latency):

  curl -s -H 'Authorization: Bearer ${stack.metrics.token}' ${stack.metrics.url}

Films in the simulated Jellyfin (itemId  title):
${movies.join('\n')}

The web dashboard (log in as alice or bob through the simulated Discord): ${stack.dashboardUrl}

OpenAPI: ${api}/openapi.json    Bot log: ${join(outputDir, 'bot.log')}
Ctrl-C stops the bot, its worker and the simulators.`);
}

async function main(): Promise<number> {
  rmSync(outputDir, { recursive: true, force: true });
  mkdirSync(outputDir, { recursive: true });
  const botLog = createWriteStream(join(outputDir, 'bot.log'));
  let stack: Stack | null = null;
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      await stack?.stop();
      await new Promise<void>((resolve) => botLog.end(resolve));
    })();
    return stopping;
  };
  // Ctrl-C at any point stops the bot, its worker and the simulators before we exit.
  const interrupted = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  void interrupted.then(async () => {
    say('demo', 'stopping…');
    await stop();
    process.exit(once ? 130 : 0);
  });

  try {
    say('demo', 'starting the Jellyfin and Discord simulators, the voice simulator and the real bot…');
    stack = await startStack({
      viewerDir: join(outputDir, 'viewer'),
      onBotLog: (line) => botLog.write(`${line}\n`),
    });
    say('demo', `the bot is up (pid ${stack.botPid()}), its JSON API at ${stack.api.url}`);
    await runScript(stack);
    if (once) {
      // The viewer's files are complete only once the voice simulator has stopped.
      await stop();
      if (stack.leftoverWorkers.length > 0) {
        say(
          'demo',
          `warning: stream worker(s) ${stack.leftoverWorkers.join(', ')} outlived the bot and were killed`,
        );
      }
      await writeOutputs(stack);
      say('demo', 'done');
      return 0;
    }
    await writeOutputs(stack);
    await new Party(stack).command(stack.people.alice, 'create', { title: 'Open house' });
    const response = await fetch(`${stack.api.url}/sessions`, {
      headers: { authorization: `Bearer ${stack.api.token}` },
    });
    const { sessions } = (await response.json()) as { sessions: { id: number }[] };
    printHowToDrive(stack, String(sessions[0]?.id ?? '?'));
    await interrupted;
    await stop();
    return 0;
  } catch (error) {
    console.error(`\nThe demo failed: ${error instanceof Error ? error.message : String(error)}`);
    console.error(`The bot's log is in ${join(outputDir, 'bot.log')}.`);
    await stop();
    return 1;
  }
}

process.exitCode = await main();
