// The panel as the party's hub, pressed as members press it in the simulator: Previous, Shuffle,
// Loop, Vote skip (a majority of the people in the voice channel), Retry after an error and Start
// when the party is idle with a queue. Each story ends on what the panel, the replies and the
// channel show.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { APIMessage } from 'discord-api-types/v10';
import type { SimUser } from '../../sim/discord/index.ts';
import { systemActor } from '../../src/watchparty/permissions.ts';
import { WorkerRefusedError } from '../../src/worker-pool/client.ts';
import { buttonId, type DiscordDoor, embedText, enabledButtons, openDiscordDoor } from './harness.ts';

describe('the panel as the hub', () => {
  let door: DiscordDoor;
  let sessionId: number;

  const panelOf = (predicate: (text: string, message: APIMessage) => boolean) =>
    door.panel(
      (message) =>
        embedText(message).includes(`Party #${sessionId}`) && predicate(embedText(message), message),
    );
  const press = async (user: SimUser, label: string, when: (text: string) => boolean = () => true) => {
    const panel = await panelOf((text, message) => when(text) && enabledButtons(message).includes(label));
    return door.sim.interactions.button({ user }, panel.id, buttonId(panel, label));
  };
  const labelled = (label: string) => panelOf((_text, message) => enabledButtons(message).includes(label));
  /** A public line of the story (a message may carry several). */
  const storyLine = async (predicate: (line: string) => boolean) => {
    const message = await door.sim.messages.waitFor(
      (candidate) => (candidate.embeds ?? []).length === 0 && candidate.content.split('\n').some(predicate),
    );
    return message.content.split('\n').find(predicate);
  };
  const until = async (check: () => boolean) => {
    for (let tries = 0; tries < 100 && !check(); tries += 1) await new Promise((r) => setTimeout(r, 50));
    assert.ok(check());
  };
  const upNext = (text: string) => text.split('Up next\n')[1]?.split('\nParty #')[0] ?? '';

  before(async () => {
    door = await openDiscordDoor({
      bot: () => ({ announce: { level: 'all', burstMs: 50 } }),
    });
  });
  after(async () => {
    await door?.close();
  });

  async function newParty(first: string, ...more: string[]): Promise<void> {
    for (const session of await door.party.service.listSessions()) {
      if (session.status !== 'stopped') await door.party.service.stop(session.id, systemActor);
    }
    const owner = { user: door.people.owner };
    await door.sim.interactions.command(owner, 'watchparty', 'create', { media: first }).reply();
    for (const item of more)
      await door.sim.interactions.command(owner, 'watchparty', 'queue', { media: item }).reply();
    const live = (await door.party.service.listSessions()).filter((session) => session.status !== 'stopped');
    sessionId = live.at(-1)!.id;
  }

  test('Previous goes back to the item before; late into an item it starts it again', async () => {
    await newParty('movie-1', 'movie-2');
    await press(door.people.owner, 'Skip', (text) => text.includes('Night of the Comet (1984)\n'));
    await panelOf((text) => text.startsWith('Watch party · Watch party\nThe Fifth Element'));
    await press(door.people.owner, 'Previous', (text) => text.includes('▶️ Playing'));
    const back = await panelOf(
      (text) => text.includes('Night of the Comet (1984)\n') && text.includes('▶️ Playing'),
    );
    assert.equal(upNext(embedText(back)), '1. The Fifth Element (1997) · 2:06:00', 'what played waits first');

    door.party.workers.heartbeat(String(sessionId), 600);
    await door.party.service.settled();
    await press(door.people.owner, 'Previous');
    const lastControl = () => door.party.workers.callsOf('control', String(sessionId)).at(-1)?.request;
    await until(() => lastControl()?.action === 'seek');
    assert.deepEqual(lastControl(), { action: 'seek', positionSeconds: 0 });
    await storyLine((line) => line.endsWith('jumped to 0:00'));
  });

  test('Shuffle puts the waiting items in another order and loses none', async () => {
    await newParty('movie-1', 'movie-2', 'movie-3', 'short-1');
    const before = upNext(embedText(await panelOf((text) => text.includes('3. Big Buck Bunny'))));
    await press(door.people.owner, 'Shuffle');
    const after = upNext(embedText(await panelOf((text) => upNext(text) !== before && text.includes('3. '))));
    const titles = (list: string) =>
      list
        .split('\n')
        .map((line) => line.replace(/^\d\. /, ''))
        .sort();
    assert.notEqual(after, before);
    assert.deepEqual(titles(after), titles(before));
  });

  test('Loop: this item plays it again; queue sends what ended to the back', async () => {
    await newParty('movie-1', 'movie-2');
    await press(door.people.owner, 'Loop: off', (text) => text.includes('▶️ Playing'));
    await labelled('Loop: this item');
    door.party.workers.finishItem(String(sessionId));
    await door.party.service.settled();
    const again = await panelOf((text) => text.includes('Night of the Comet (1984)\n'));
    assert.equal(upNext(embedText(again)), '1. The Fifth Element (1997) · 2:06:00');
    assert.equal(
      door.party.workers.callsOf('play', String(sessionId)).at(-1)?.request.jellyfinSourceId,
      'movie-1',
    );

    await press(door.people.owner, 'Loop: this item');
    await labelled('Loop: queue');
    door.party.workers.finishItem(String(sessionId));
    await door.party.service.settled();
    const next = await panelOf((text) => text.includes('The Fifth Element (1997)\n'));
    assert.equal(upNext(embedText(next)), '1. Night of the Comet (1984) · 1:35:00');
  });

  test('Vote skip: a majority of the people in the voice channel, each vote counted once', async () => {
    await newParty('movie-1', 'movie-2');
    // alice (owner), bob and dj are in the voice channel: two votes of three skip.
    const first = await (
      await press(door.people.listener, 'Vote skip', (t) => t.includes('▶️ Playing'))
    ).reply();
    assert.equal(first.flags, 64);
    assert.equal(
      first.content,
      'Your vote to skip counts (1 of 2 needed). The vote closes 30 s after it opened.',
    );
    const again = await (await press(door.people.listener, 'Vote skip')).reply();
    assert.equal(again.content, 'You already voted to skip (1 of 2 needed).');
    const outside = await (await press(door.people.outsider, 'Vote skip')).reply();
    assert.match(outside.content, /^Join the party's voice channel <#\d+> to vote\.$/);
    assert.equal(
      await storyLine((line) => line.startsWith('🗳️')),
      `🗳️ <@${door.people.listener.id}> votes to skip **Night of the Comet** (1 of 2 needed): press Vote skip on the panel to agree`,
    );
    assert.equal(door.party.workers.callsOf('control', String(sessionId)).length, 0, 'not skipped yet');

    const deciding = await (await press(door.people.dj, 'Vote skip')).reply();
    assert.equal(deciding.content, 'Skipped by vote.');
    await panelOf((text) => text.includes('The Fifth Element (1997)\n'));
    assert.equal(
      await storyLine((line) => line.includes('skipped by vote')),
      '⏭️ **Night of the Comet** was skipped by vote (2 of 3)',
    );
  });

  test('Retry appears when the party stopped on an error, and starts it again', async () => {
    for (const session of await door.party.service.listSessions()) {
      if (session.status !== 'stopped') await door.party.service.stop(session.id, systemActor);
    }
    door.party.workers.failNext.open = new WorkerRefusedError(
      503,
      'unavailable',
      'no free account',
      'stream_failed',
    );
    await door.sim.interactions
      .command({ user: door.people.owner }, 'watchparty', 'create', { media: 'movie-1' })
      .reply();
    sessionId = (await door.party.service.listSessions()).at(0)!.id;
    const failed = await panelOf((text) => text.includes('Stopped by an error'));
    assert.equal(enabledButtons(failed)[0], 'Retry');
    await press(door.people.owner, 'Retry');
    const playing = await panelOf((text) => text.includes('▶️ Playing'));
    assert.equal(enabledButtons(playing)[0], 'Pause');
  });

  test('Start appears when the party is idle with a queue, and starts it', async () => {
    for (const session of await door.party.service.listSessions()) {
      if (session.status !== 'stopped') await door.party.service.stop(session.id, systemActor);
    }
    await door.sim.interactions.command({ user: door.people.owner }, 'watchparty', 'create').reply();
    sessionId = (await door.party.service.listSessions()).at(0)!.id;
    await door.party.service.addToQueue(sessionId, { itemId: 'movie-2' }, systemActor);
    const idle = await panelOf((text) => text.includes('The Fifth Element'));
    assert.equal(enabledButtons(idle)[0], 'Start');
    await press(door.people.listener, 'Start');
    await panelOf((text) => text.includes('The Fifth Element (1997)\n') && text.includes('▶️ Playing'));
  });
});
