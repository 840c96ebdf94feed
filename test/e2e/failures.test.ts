// Failures through the whole stack, as the channel reads them: the REAL bot and its real stream
// worker on the Jellyfin and Discord simulators. Jellyfin refuses the key for one film's media, the
// next file holds no picture at all, and then Jellyfin stops answering: each time the channel gets
// one short public line in plain words, the panel says why the party stopped or sits idle, the JSON
// API says the same, and nothing anywhere carries an internal address, port or URL.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { simId } from '../../sim/jellyfin/library.ts';
import { parseLogLine, type Stack, startStack } from '../../sim/stack/index.ts';
import { type PanelView, waitForPanel } from '../../sim/stack/panel.ts';
import { resolveFfmpeg } from '../../src/media/ffmpeg-binary.ts';
import { internalAddressPattern, nextPublicLine, textsSentByBot } from '../support/bot-sent-text.ts';

const WAIT_MS = 45_000;
const run = promisify(execFile);

const silentReel = { id: simId('movie:Silent Reel'), name: 'Silent Reel' };

describe('failures through the whole stack, in plain words', { timeout: 240_000 }, () => {
  let stack: Stack;
  const botLog: Record<string, unknown>[] = [];
  const mediaDir = mkdtempSync(join(tmpdir(), 'orb-e2e-failures-'));

  before(async () => {
    // A file Jellyfin describes happily (it has an audio stream) but the worker cannot show: no picture.
    const soundOnly = join(mediaDir, 'silent-reel.m4a');
    await run(resolveFfmpeg(), [
      ...['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=4'],
      ...['-c:a', 'aac', soundOnly],
    ]);
    stack = await startStack({
      extraItems: [
        {
          ...silentReel,
          type: 'Movie',
          year: 2010,
          runtimeSeconds: 4,
          locationType: 'FileSystem',
          media: { kind: 'file', path: soundOnly },
        },
      ],
      onBotLog: (line) => {
        const entry = parseLogLine(line);
        if (entry) botLog.push(entry);
      },
    });
  });
  after(async () => {
    await stack?.stop();
    rmSync(mediaDir, { recursive: true, force: true });
  });

  /**
   * The public line that starts with `start`. Lines waiting for the channel go out together as one
   * message (a failure can share it with who queued what, before or after), so lines are read one
   * by one.
   */
  const publicLine = async (what: string, start: string): Promise<string> => {
    const linesOf = (text: string) => text.split('\n');
    const message = await nextPublicLine(
      stack.discord,
      (text) => linesOf(text).some((line) => line.startsWith(start)),
      WAIT_MS,
    ).catch((error: unknown) => {
      throw new Error(`no public line: ${what} (${String(error)})`);
    });
    return linesOf(message.content).find((line) => line.startsWith(start)) ?? '';
  };

  const panel = (what: string, predicate: (view: PanelView) => boolean) =>
    waitForPanel(stack.discord, null, what, predicate, WAIT_MS);

  const queue = (user: 'alice' | 'bob', media: string) =>
    stack.discord.interactions
      .command({ user: stack.people[user] }, 'watchparty', 'queue', { media })
      .reply(WAIT_MS);

  test('a refused key, then a file with no picture: one line each, and the panel says why it is idle', async () => {
    const { discord, jellyfin, people } = stack;
    const harbor = jellyfin.library.byName('Harbor');
    // Only the media routes are refused (slowly, so the next film is queued before): the bot's own
    // calls still work, so it is the worker that meets the refusal.
    jellyfin.faults.set({
      path: new RegExp(`^/(videos|items)/${harbor.id}/(stream|download)`, 'i'),
      status: 401,
      latencyMs: 2_000,
    });
    await discord.interactions
      .command({ user: people.alice }, 'watchparty', 'create', { title: 'Failure night' })
      .reply(WAIT_MS);
    assert.match((await queue('alice', harbor.id)).content, /Starting \*\*Harbor\*\* now\./);
    assert.match((await queue('bob', silentReel.id)).content, /Queued \*\*Silent Reel\*\*/);

    // The channel also tells who queued what; failure lines are the ones that start with ⚠️.
    assert.equal(
      await publicLine('Harbor refused', '⚠️ **Harbor**:'),
      '⚠️ **Harbor**: Jellyfin refused the bot’s key; ask the server admin. Skipping to **Silent Reel**.',
    );
    assert.equal(
      await publicLine('Silent Reel unreadable', '⚠️ **Silent Reel**:'),
      '⚠️ **Silent Reel**: This file cannot be played (it is damaged or in a format the bot cannot read). ' +
        'Nothing else is queued.',
    );
    const idle = await panel('the idle panel saying why', (view) => view.text.includes('cannot be played'));
    assert.equal(idle.title, 'Nothing playing');

    // The operator's detail went to the log, with the kind the worker named.
    const failed = botLog.filter((entry) => entry.msg === 'item failed' && 'failure' in entry);
    assert.deepEqual(
      failed.map((entry) => entry.failure),
      ['media_refused', 'media_unreadable'],
    );
    jellyfin.faults.clear();
  });

  test('Jellyfin not answering: the party stops, and the line, the reply, the panel and the API say why', async () => {
    const { jellyfin } = stack;
    jellyfin.faults.set({ path: /\/playbackinfo$/i, dropConnection: true });
    const sentence =
      'Jellyfin is not answering. Try again in a few minutes; if it stays down, ask the server admin.';
    const reply = await queue('alice', jellyfin.library.byName('Harbor Lights').id);
    assert.equal(reply.content, `Queued **Harbor Lights**. The party could not start: ${sentence}`);
    assert.equal(
      await publicLine('the party stopped', '⚠️ The watch party stopped.'),
      `⚠️ The watch party stopped. ${sentence}`,
    );
    const stopped = await panel('the error panel', (view) => view.state.includes('Stopped by an error'));
    assert.ok(stopped.text.includes(sentence), stopped.text);

    const api = async (path: string) =>
      (
        await fetch(`${stack.api.url}${path}`, { headers: { authorization: `Bearer ${stack.api.token}` } })
      ).json();
    const { sessions } = (await api('/sessions')) as { sessions: { id: number }[] };
    const details = (await api(`/sessions/${sessions[0]?.id}`)) as { worker?: { lastError?: string | null } };
    assert.equal(details.worker?.lastError, sentence);
    jellyfin.faults.clear();
  });

  test('nothing the bot sent to Discord carries an internal address, port or URL', () => {
    const texts = textsSentByBot(stack.discord);
    assert.ok(texts.length > 10, 'the scan saw the bot’s messages');
    assert.deepEqual(
      texts.filter((text) => internalAddressPattern.test(text)),
      [],
    );
  });
});
