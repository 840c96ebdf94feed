// The party's story as the text channel reads it: who queued, skipped, jumped and stopped, in short
// public lines, a burst told as one message, while the member who acted gets a private reply.
// ANNOUNCE=errors keeps only failures; off keeps the channel quiet.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { AnnounceLevel } from '../../src/watchparty/announcements.ts';
import { nextPublicLine, publicLines } from '../support/bot-sent-text.ts';
import { type DiscordDoor, openDiscordDoor } from './harness.ts';

const publicTexts = (door: DiscordDoor): string[] => publicLines(door.sim).map((message) => message.content);

const openWith = (level: AnnounceLevel) =>
  openDiscordDoor({ bot: () => ({ announce: { level, burstMs: 600 } }) });

async function liveSessionId(door: DiscordDoor): Promise<number> {
  const live = (await door.party.service.listSessions()).filter((session) => session.status !== 'stopped');
  return live.at(-1)!.id;
}

describe('the party story in the text channel (ANNOUNCE=all)', () => {
  let door: DiscordDoor;
  after(async () => {
    await door?.close();
  });

  test('a burst of three queues is one public line; each member’s own reply stays private', async () => {
    door = await openWith('all');
    const owner = { user: door.people.owner };
    const replies = [
      await door.sim.interactions.command(owner, 'watchparty', 'create', { media: 'movie-1' }).reply(),
      await door.sim.interactions.command(owner, 'watchparty', 'queue', { media: 'movie-2' }).reply(),
      await door.sim.interactions.command(owner, 'watchparty', 'queue', { media: 'movie-3' }).reply(),
    ];
    assert.deepEqual(
      replies.map((reply) => reply.flags),
      [64, 64, 64],
      'the confirmations are the actor’s alone',
    );
    const line = await nextPublicLine(door.sim, (text) => text.includes('queued'));
    assert.equal(line.content, `📥 <@${door.people.owner.id}> queued **Night of the Comet** and 2 more`);
    await new Promise((resolve) => setTimeout(resolve, 800));
    assert.equal(
      publicTexts(door).filter((text) => text.includes('queued')).length,
      1,
      'one message for the burst, not one per queue',
    );
  });

  test('a skip, jumps and a stop are told, with who did them', async () => {
    const owner = { user: door.people.owner };
    await door.sim.interactions.command(owner, 'watchparty', 'skip').reply();
    assert.equal(
      (await nextPublicLine(door.sim, (text) => text.includes('skipped'))).content,
      `⏭️ <@${door.people.owner.id}> skipped **Night of the Comet**`,
    );
    await door.party.service.settled();
    await door.sim.interactions.command(owner, 'watchparty', 'seek', { time: '10:00' }).reply();
    await door.sim.interactions.command(owner, 'watchparty', 'seek', { time: '20:00' }).reply();
    assert.equal(
      (await nextPublicLine(door.sim, (text) => text.includes('jumped'))).content,
      `⏩ <@${door.people.owner.id}> jumped to 20:00`,
      'a run of jumps tells where they landed',
    );
    await door.sim.interactions.command(owner, 'watchparty', 'stop').reply();
    assert.equal(
      (await nextPublicLine(door.sim, (text) => text.includes('stopped'))).content,
      `⏹️ <@${door.people.owner.id}> stopped the watch party`,
    );
    const mentions = door.sim.messages
      .inChannel(door.sim.textChannel.id)
      .filter((message) => message.content.startsWith('⏹️'));
    assert.deepEqual(mentions[0]?.mentions ?? [], [], 'naming a member never pings them');
  });
});

describe('ANNOUNCE=errors', () => {
  let door: DiscordDoor;
  after(async () => {
    await door?.close();
  });

  test('the channel hears of failures only', async () => {
    door = await openWith('errors');
    const owner = { user: door.people.owner };
    await door.sim.interactions.command(owner, 'watchparty', 'create', { media: 'movie-1' }).reply();
    await door.sim.interactions.command(owner, 'watchparty', 'queue', { media: 'movie-2' }).reply();
    const sessionId = await liveSessionId(door);
    door.party.workers.finishItem(String(sessionId), 'error', {
      kind: 'media_unreadable',
      error: 'bad file',
    });
    const failure = await nextPublicLine(door.sim, (text) => text.startsWith('⚠️'));
    assert.match(
      failure.content,
      /^⚠️ \*\*Night of the Comet\*\*: .* Skipping to \*\*The Fifth Element\*\*\.$/,
    );
    await new Promise((resolve) => setTimeout(resolve, 900));
    assert.deepEqual(publicTexts(door), [failure.content], 'no story lines, only the failure');
  });
});
