// Failures as the channel reads them: when an item fails, one short public line says what happened
// and what comes next; a party stopped by an error says why on its panel; a member who manages the
// server gets the operator's detail privately, everyone else only the plain sentence; and nothing the
// bot ever sends carries an internal address, port or URL.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { permissionBits, type SimUser } from '../../sim/discord/index.ts';
import { systemActor } from '../../src/watchparty/permissions.ts';
import { WorkerRefusedError } from '../../src/worker-pool/client.ts';
import {
  internalAddressPattern,
  nextPublicLine,
  publicLines,
  textsSentByBot,
} from '../support/bot-sent-text.ts';
import { type DiscordDoor, embedText, openDiscordDoor } from './harness.ts';

describe('failures in plain words, in the channel and on the panel', () => {
  let door: DiscordDoor;
  let manager: SimUser;
  let sessionId: number;

  before(async () => {
    door = await openDiscordDoor();
    const admins = door.sim.addRole('Server admin', permissionBits.manageGuild);
    manager = door.sim.addUser({ username: 'manager', roleIds: [admins.id] });
    door.sim.joinVoice(manager.id, door.sim.voiceChannel.id);
  });
  after(async () => {
    await door?.close();
  });

  beforeEach(async () => {
    // A fresh party for each story: the previous one is stopped.
    for (const session of await door.party.service.listSessions()) {
      if (session.status !== 'stopped') await door.party.service.stop(session.id, systemActor);
    }
    door.party.media.down = false;
    await door.sim.interactions
      .command({ user: door.people.owner }, 'watchparty', 'create', { media: 'movie-1' })
      .reply();
    const live = (await door.party.service.listSessions()).filter((session) => session.status !== 'stopped');
    sessionId = live.at(-1)!.id;
    await door.panel((message) => embedText(message).includes(`Party #${sessionId}`));
  });

  test('an undecodable file: one public line names it and the next item, and the queue moves on', async () => {
    await door.sim.interactions
      .command({ user: door.people.owner }, 'watchparty', 'queue', { media: 'movie-2' })
      .reply();
    door.party.workers.finishItem(String(sessionId), 'error', {
      kind: 'media_unreadable',
      error:
        'cannot play "Night of the Comet": stream URL: http://127.0.0.1:44463/kq3 Invalid data found when processing input',
    });
    const line = await nextPublicLine(door.sim, (text) => text.includes('Night of the Comet'));
    assert.equal(
      line.content,
      '⚠️ **Night of the Comet**: This file cannot be played (it is damaged or in a format the bot cannot read). ' +
        'Skipping to **The Fifth Element**.',
    );
    await door.panel(
      (message) => embedText(message).includes('The Fifth Element') && embedText(message).includes('Playing'),
    );
    assert.equal(
      publicLines(door.sim).filter((message) => message.content.includes('Night of the Comet')).length,
      1,
      'one line, not one per retry or per report',
    );
  });

  test('Jellyfin refusing the key: the line says so and what to do, with no address', async () => {
    door.party.workers.finishItem(String(sessionId), 'error', {
      kind: 'media_refused',
      error: '127.0.0.1:44463 answered HTTP 401 Unauthorized',
    });
    const line = await nextPublicLine(door.sim, (text) => text.includes('refused'));
    assert.equal(
      line.content,
      '⚠️ **Night of the Comet**: Jellyfin refused the bot’s key; ask the server admin. Nothing else is queued.',
    );
    // The party sits idle; its panel says why instead of just "Ready".
    const panel = await door.panel(
      (message) =>
        embedText(message).includes(`Party #${sessionId}`) && embedText(message).includes('refused'),
    );
    assert.match(
      embedText(panel),
      /Nothing playing[\s\S]*Jellyfin refused the bot’s key; ask the server admin\./,
    );
  });

  test('a file cut short says where it ended and moves on', async () => {
    await door.sim.interactions
      .command({ user: door.people.owner }, 'watchparty', 'queue', { media: 'movie-3' })
      .reply();
    door.party.workers.heartbeat(String(sessionId), 6.2);
    door.party.workers.finishItem(String(sessionId), 'error', {
      kind: 'media_ended_early',
      error: 'ffmpeg exited with code 0: Last message repeated 3 times',
    });
    const line = await nextPublicLine(door.sim, (text) => text.includes('ended early'));
    assert.equal(
      line.content,
      '⚠️ **Night of the Comet**: This file ended early at 0:06. Skipping to **Arrival**.',
    );
  });

  test('Jellyfin unreachable: the party stops, the panel and a public line say why; only a manager sees the detail', async () => {
    await door.sim.interactions
      .command({ user: door.people.owner }, 'watchparty', 'queue', { media: 'movie-2' })
      .reply();
    door.party.media.down = true;
    door.party.workers.finishItem(String(sessionId), 'finished');
    const sentence =
      'Jellyfin is not answering. Try again in a few minutes; if it stays down, ask the server admin.';
    const line = await nextPublicLine(door.sim, (text) => text.startsWith('⚠️ The watch party stopped.'));
    assert.equal(line.content, `⚠️ The watch party stopped. ${sentence}`);
    const panel = await door.panel((message) => embedText(message).includes('Stopped by an error'));
    assert.match(
      embedText(panel),
      new RegExp(`Stopped by an error\\*\\*\\n${sentence.replace(/[.?;]/g, '\\$&')}`),
    );

    const member = await door.sim.interactions
      .command({ user: door.people.owner }, 'watchparty', 'start')
      .reply();
    assert.equal(member.flags, 64);
    assert.equal(member.content, sentence, 'a plain member reads the sentence only');

    const managerReply = await door.sim.interactions
      .command({ user: manager }, 'watchparty', 'start')
      .reply();
    assert.equal(managerReply.flags, 64, 'the detail is private');
    assert.equal(
      managerReply.content,
      `${sentence}\n-# For server managers: Jellyfin did not answer /Items (connect ECONNREFUSED <address>). ` +
        'Check that JELLYFIN_URL is right and the server is up.',
    );
  });

  test('a streaming account that cannot log in: plain words for all, the worker’s words for a manager', async () => {
    await door.party.service.stop(sessionId, systemActor);
    door.party.workers.failNext.open = new WorkerRefusedError(
      500,
      'internal',
      'could not open the stream: streaming account could not log in: An invalid token was provided.',
      'stream_login_failed',
    );
    const reply = await door.sim.interactions
      .command({ user: manager }, 'watchparty', 'create', { media: 'movie-2' })
      .reply();
    assert.equal(reply.flags, 64);
    assert.match(
      reply.content,
      /Queued \*\*The Fifth Element\*\*\. The party could not start: The bot’s streaming account could not log in to Discord; ask the server admin\.\n-# For server managers: could not open the stream: streaming account could not log in: An invalid token was provided\.$/,
    );
    const line = await nextPublicLine(door.sim, (text) => text.includes('could not log in'));
    assert.equal(
      line.content,
      '⚠️ The watch party stopped. The bot’s streaming account could not log in to Discord; ask the server admin.',
    );
  });

  test('a worker that keeps crashing: the panel says so in plain words, not with the exit reason', async () => {
    door.party.workers.crash(
      String(sessionId),
      'the stream worker exited with code 1: connect ECONNREFUSED 127.0.0.1:44463 (3 failures within 5 min)',
    );
    const panel = await door.panel(
      (message) =>
        embedText(message).includes(`Party #${sessionId}`) &&
        embedText(message).includes('Stopped by an error'),
    );
    assert.match(
      embedText(panel),
      /The stream kept crashing, so the party stopped\. Use `\/watchparty start` to try again\./,
    );
    await nextPublicLine(door.sim, (text) => text.includes('kept crashing'));
  });

  test('nothing the bot sent carries an internal address, port or URL', () => {
    const texts = textsSentByBot(door.sim);
    assert.ok(texts.length > 10, 'the scan saw the bot’s messages');
    assert.deepEqual(
      texts.filter((text) => internalAddressPattern.test(text)),
      [],
    );
  });
});
