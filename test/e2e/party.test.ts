// The whole stack, as its people see it: the REAL bot process (`node src/main.ts start`) on the
// Discord and Jellyfin simulators, its real stream worker Go-Living through the real transport into
// the voice simulator with DAVE, and a viewer that writes what a watcher receives. Create, queue
// through an autocomplete value, pause/resume from the panel, seek through the modal, skip,
// autoadvance, a bot restart in the middle of the party, stop; then the viewer's output decodes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseLogLine, type Stack, startStack } from '../../sim/stack/index.ts';
import { buttonOf, type PanelView, readPanel, waitForPanel } from '../../sim/stack/panel.ts';
import { probeViewerOutput } from '../../sim/stack/viewer-output.ts';
import { waitFor } from '../../sim/wait-for.ts';
import { errorMessage } from '../../src/error-message.ts';

const WAIT_MS = 45_000;
const until = (what: string, condition: () => boolean) => waitFor(what, condition, WAIT_MS, 50);

describe('a watch party through the whole stack', { timeout: 240_000 }, () => {
  let stack: Stack;
  let panelId: string;
  const botLog: string[] = [];
  /** The worker's choice for each item it opened (relayed through the bot's log): copy or transcode, and why. */
  const sourceModes: { mode: unknown; copyBlocker: unknown }[] = [];
  const viewerDir = mkdtempSync(join(tmpdir(), 'orb-e2e-viewer-'));

  before(async () => {
    stack = await startStack({
      viewerDir,
      onBotLog: (line) => {
        botLog.push(line);
        if (botLog.length > 200) botLog.shift();
        const entry = parseLogLine(line);
        if (entry?.msg === 'source probed') {
          const { mode, copyBlocker } = entry.worker as Record<string, unknown>;
          sourceModes.push({ mode, copyBlocker });
        }
      },
    });
  });
  after(async () => {
    await stack?.stop();
    rmSync(viewerDir, { recursive: true, force: true });
  });

  /** The session's panel once it satisfies the predicate; the bot's recent log when it never does. */
  async function panel(what: string, predicate: (view: PanelView) => boolean): Promise<PanelView> {
    try {
      return await waitForPanel(stack.discord, panelId ?? null, what, predicate, WAIT_MS);
    } catch (error) {
      throw new Error(`${errorMessage(error)}\nbot log:\n${botLog.slice(-30).join('\n')}`);
    }
  }

  function click(label: string, user = stack.people.alice) {
    const current = readPanel(stack.discord.messages.get(panelId)!.message);
    return stack.discord.interactions.button({ user }, panelId, buttonOf(current, label));
  }

  const framesReceived = () => stack.voice.viewer.videoFramesReceived;

  async function framesKeepComing(what: string): Promise<void> {
    const before = framesReceived();
    await until(what, () => framesReceived() > before + 12);
  }

  test('create, then the first item queued through autocomplete starts streaming', async () => {
    const { discord, people } = stack;
    const created = await discord.interactions
      .command({ user: people.alice }, 'watchparty', 'create', { title: 'Stack night' })
      .reply(WAIT_MS);
    assert.match(created.content, /Created \*\*Stack night\*\*/);
    panelId = (await panel('the new party', (view) => view.text.includes('Stack night'))).messageId;

    const choices = await discord.interactions
      .autocomplete({ user: people.alice }, 'watchparty', 'queue', 'media', 'night harb')
      .choices(WAIT_MS);
    assert.equal(choices[0]?.name, 'Night Harbor (2019)');
    const queued = await discord.interactions
      .command({ user: people.alice }, 'watchparty', 'queue', { media: String(choices[0]!.value) })
      .reply(WAIT_MS);
    assert.equal(queued.content, 'Starting **Night Harbor** now.');

    for (const typed of ['amelie', 'harbor lights']) {
      const [choice] = await discord.interactions
        .autocomplete({ user: people.bob }, 'watchparty', 'queue', 'media', typed)
        .choices(WAIT_MS);
      assert.ok(choice, `a suggestion for "${typed}"`);
      await discord.interactions
        .command({ user: people.bob }, 'watchparty', 'queue', { media: String(choice.value) })
        .reply(WAIT_MS);
    }
    const playing = await panel('Night Harbor playing', (view) => view.state.includes('Playing'));
    assert.equal(playing.title, 'Night Harbor (2019)');
    assert.match(
      playing.text,
      /Up next\n1\. Amélie des Étoiles \(2015\) · 0:05\n2\. Harbor Lights \(2012\) · 0:05/,
    );
    await framesKeepComing('the viewer to receive the stream');
    assert.equal(stack.voice.streamKeyOf(stack.streamer.id)?.endsWith(stack.streamer.id), true);
  });

  test('while it plays, /metrics shows the party, its stream through DAVE and the latencies, and no secret', async () => {
    const response = await fetch(stack.metrics.url, {
      headers: { authorization: `Bearer ${stack.metrics.token}` },
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? Number.NaN);
    assert.equal(value(/^orb_parties\{status="playing"\} (\S+)$/m), 1);
    assert.match(
      text,
      /^orb_stream_info\{party="\d+",encoder="(?:copy|x264)",send_path="(?:native|js)"\} 1$/m,
    );
    assert.ok(value(/^orb_stream_video_frames_sent_total\{party="\d+"\} (\S+)$/m) > 0);
    assert.ok(value(/^orb_stream_bytes_sent_total\{party="\d+"\} (\S+)$/m) > 0);
    assert.ok(value(/^orb_stream_dave_epoch\{party="\d+"\} (\S+)$/m) >= 1, 'the stream is in a DAVE group');
    assert.ok(value(/^orb_stream_dave_transitions_total\{party="\d+"\} (\S+)$/m) >= 1);
    assert.equal(value(/^orb_worker_starts_total (\S+)$/m), 1);
    assert.ok(
      value(/^orb_autocomplete_duration_seconds_count\{option="media",outcome="suggestions"\} (\S+)$/m) >= 3,
    );
    assert.ok(
      value(
        /^orb_jellyfin_request_duration_seconds_count\{method="POST",route="\/Items\/\{id\}\/PlaybackInfo",outcome="200"\} (\S+)$/m,
      ) >= 1,
    );
    assert.ok(value(/^orb_catalog_items\{type="movie"\} (\S+)$/m) > 0);
    assert.ok(value(/^process_resident_memory_bytes (\S+)$/m) > 0);
    for (const secret of [
      stack.jellyfin.apiKey,
      stack.discord.botToken,
      stack.streamer.token,
      stack.api.token,
      stack.metrics.token,
    ])
      assert.ok(!text.includes(secret), 'a token is in the metrics');
    for (const address of [stack.jellyfin.url, stack.discord.baseUrl, '127.0.0.1'])
      assert.ok(!text.includes(address), `${address} is in the metrics`);
  });

  test('the pause button pauses the stream and the panel says so; resume continues', async () => {
    click('Pause');
    const paused = await panel('Paused', (view) => view.state.includes('Paused'));
    assert.ok(paused.buttons.has('Resume'));
    await until('the worker to pause its Go Live stream', () => stack.voice.isPaused(stack.streamer.id));
    const stream = stack.voice.sessions('stream').find((session) => session.connected);
    assert.ok(stream?.pause, 'a paused stream connection');
    // "Nothing arrives" can only be shown over time. The stream connection's own UDP keepalives (every
    // 5 s) measure it: two of them span at least one whole interval, and show that the worker and its
    // UDP path stay alive while no media comes. The simulator counts RTP arriving after the pause's
    // in-flight window (packets already sent when op 22 landed are not the worker's fault).
    const keepalives = stream.keepalivesReceived;
    await until('two UDP keepalives on the paused stream', () => stream.keepalivesReceived >= keepalives + 2);
    assert.equal(stream.pause.packetsWhilePaused, 0, 'no media while paused');

    click('Resume');
    await panel('Playing again', (view) => view.state.includes('Playing'));
    await framesKeepComing('video after the resume');
    assert.equal(stack.voice.isPaused(stack.streamer.id), false);
  });

  test('seek through the modal jumps, and someone who is not the owner cannot skip', async () => {
    const opener = click('Seek…');
    const submitted = await stack.discord.interactions.submitModal({ user: stack.people.alice }, opener, {
      time: '0:07',
    });
    assert.equal((await submitted.reply(WAIT_MS)).content, 'Jumped to 0:07.');
    await panel('the new position', (view) => /^0:0[7-9] /.test(view.progress));

    const bobSkips = click('Skip', stack.people.bob);
    await until('the refusal', () => bobSkips.followUps().length > 0);
    const [refusal] = bobSkips.followUps();
    assert.equal(refusal?.flags, 64, 'only bob sees the refusal');
    assert.match(refusal?.content ?? '', /Only the party's owner <@\d+>.* can skip/);
    assert.equal(readPanel(stack.discord.messages.get(panelId)!.message).title, 'Night Harbor (2019)');
  });

  test('skip plays the next item and a finished item advances on its own', async () => {
    click('Skip');
    await panel('the skipped-to item', (view) => view.title === 'Amélie des Étoiles (2015)');
    await framesKeepComing('video of the second item');
    const advanced = await panel('the autoadvance', (view) => view.title === 'Harbor Lights (2012)');
    assert.match(advanced.text, /Up next\nNothing queued/);
    // The viewer sees it: its worker has opened it (the restart below must not cut its opening short).
    await framesKeepComing('video of the third item');
  });

  test('a bot restarted with SIGTERM picks the party up again on the same panel', async () => {
    click('Pause');
    await panel('Harbor Lights paused', (view) => view.state.includes('Paused'));
    const oldPid = stack.botPid();
    const oldStream = stack.voice.sessions('stream').find((session) => session.connected);
    assert.ok(oldStream, 'streaming before the restart');
    const editsBefore = stack.discord.messages.get(panelId)!.history.length;

    await stack.restartBot();
    assert.notEqual(stack.botPid(), oldPid);
    const back = await panel(
      'the panel edited by the new bot',
      (view) =>
        stack.discord.messages.get(panelId)!.history.length > editsBefore &&
        view.title === 'Harbor Lights (2012)' &&
        view.state.includes('Paused'),
    );
    assert.ok(back.buttons.has('Resume'));
    // The new bot's worker logs in again and Goes Live again, paused where the party was.
    await until(
      'a new stream connection, paused',
      () =>
        stack.voice.sessions('stream').some((session) => session.connected && session !== oldStream) &&
        stack.voice.isPaused(stack.streamer.id),
    );
    assert.equal(oldStream.connected, false, "the old bot's worker ended its stream");

    click('Resume');
    await panel('playing after the restart', (view) => view.state.includes('Playing'));
    await framesKeepComing('video from the new worker');
    // The channel also holds the party's public lines (plain text); the panel is its one embed.
    const panels = stack.channelMessages().filter((message) => message.embeds.length > 0);
    assert.equal(panels.length, 1, 'still one panel');
  });

  test('stop ends the party and the stream, and what the viewer received decodes', async () => {
    const stopped = await stack.discord.interactions
      .command({ user: stack.people.alice }, 'watchparty', 'stop')
      .reply(WAIT_MS);
    assert.match(stopped.content, /Stopped \*\*Stack night\*\*/);
    const final = await panel('Stopped', (view) => view.state.includes('Stopped'));
    assert.equal(final.buttons.size, 0);
    await until('every voice connection to close', () => stack.voice.connectedSessions().length === 0);

    const { viewer } = stack.voice;
    const counters = viewer.counters();
    const size = viewer.lastVideoSize;
    assert.deepEqual(stack.voice.divergences, [], 'the simulator saw nothing the protocol forbids');
    assert.deepEqual(
      stack.discord.rest.failed().map((call) => `${call.method} ${call.path} ${call.status}`),
      [],
    );
    assert.ok(stack.previews.length > 0, 'the worker uploaded a stream preview');
    await stack.stop(); // the viewer's files are complete once the voice simulator stops

    assert.equal(counters.daveDecryptFailed, 0);
    assert.equal(counters.framesReadableWithTransportKeyAlone, 0);
    assert.equal(counters.videoFramesIncomplete, 0);
    const probe = await probeViewerOutput(viewer.files!);
    assert.deepEqual({ width: probe.width, height: probe.height }, size);
    // The simulator's H.264 (320x240, no B-frames, 1 s GOP) is copyable: every item, the one reopened
    // by the restarted bot's worker included, is passed through as it is, never transcoded to 720p.
    assert.deepEqual(
      sourceModes,
      Array.from({ length: 4 }, () => ({ mode: 'copy', copyBlocker: null })),
      'Night Harbor, Amélie, Harbor Lights, and Harbor Lights again after the restart',
    );
    assert.deepEqual(size, { width: 320, height: 240 }, 'the viewer sees the source size');
    assert.ok(
      probe.decodedFrames >= counters.videoFramesReceived! * 0.98,
      `decoded ${probe.decodedFrames} of ${counters.videoFramesReceived} frames`,
    );
    assert.equal(probe.audioCodec, 'opus');
    assert.ok(probe.audioSeconds > 5, `${probe.audioSeconds} s of audio`);
  });

  test('no stream worker outlived either bot process (the restart and the final stop)', () => {
    // The stack kills any that do, so a failure here leaves nothing running.
    assert.deepEqual(stack.leftoverWorkers, []);
  });
});
