// Who is watching, as members see it on the panel: the count and names of the people in the party's
// voice channel (never bots or the streaming account), kept current as they come and go; and what
// happens to a party nobody watches: it pauses, then stops and frees its streaming account.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { APIMessage } from 'discord-api-types/v10';
import { waitFor } from '../../sim/wait-for.ts';
import { watcherNames } from '../../src/interactions/panel.ts';
import { ManualTimers } from '../support/manual-timers.ts';
import { apiActor } from '../support/watch-party.ts';
import { type DiscordDoor, embedText, enabledButtons, openDiscordDoor } from './harness.ts';

/** The panel's "Watching" field as a member reads it: its name and value. */
function watchingField(message: APIMessage): string | null {
  const field = message.embeds[0]?.fields?.find((candidate) => candidate.name.startsWith('Watching'));
  return field ? `${field.name}: ${field.value}` : null;
}

async function startParty(door: DiscordDoor, title: string): Promise<number> {
  const { sim, people } = door;
  await sim.interactions.command({ user: people.owner }, 'watchparty', 'create', { title }).reply();
  const session = await door.party.service.findLiveSession({ voiceChannelId: sim.voiceChannel.id });
  assert.ok(session);
  await sim.interactions.command({ user: people.owner }, 'watchparty', 'queue', { media: 'movie-1' }).reply();
  await door.panel((message) => /▶️ Playing/.test(embedText(message)) && embedText(message).includes(title));
  return session.id;
}

describe('who is watching, on the panel', () => {
  let door: DiscordDoor;
  let streamerId: string;

  before(async () => {
    door = await openDiscordDoor({
      bot: (sim) => {
        const streamer = sim.addUser({
          username: 'streaming-account',
          token: 'streamer-token-watchers-0001',
        });
        streamerId = streamer.id;
        return { streamerTokens: [streamer.token] };
      },
    });
  });
  after(async () => {
    await door?.close();
  });

  test('the count and names follow people joining and leaving; bots and the streaming account do not count', async () => {
    const { sim } = door;
    await startParty(door, 'Who watches');
    const watching = (expected: string) =>
      door.panel((message) => watchingField(message) === expected).then(watchingField);

    assert.equal(await watching('Watching (3): alice, bob, dj'), 'Watching (3): alice, bob, dj');

    // The streaming account and another application's bot sit in the channel too; erin is a person.
    sim.joinVoice(streamerId, sim.voiceChannel.id);
    sim.joinVoice(sim.addUser({ username: 'jukebox', bot: true }).id, sim.voiceChannel.id);
    sim.joinVoice(sim.addUser({ username: 'erin' }).id, sim.voiceChannel.id);
    await watching('Watching (4): alice, bob, dj, erin');

    // More than five: a few names, then how many more.
    for (const name of ['frank', 'gina'])
      sim.joinVoice(sim.addUser({ username: name }).id, sim.voiceChannel.id);
    await watching('Watching (6): alice, bob, dj, erin, frank and 1 more');

    sim.joinVoice(door.people.listener.id, null);
    await watching('Watching (5): alice, dj, erin, frank, gina');

    // Moving to another voice channel is leaving this one.
    sim.joinVoice(door.people.dj.id, sim.world.channelByName('Lounge').id);
    await watching('Watching (4): alice, erin, frank, gina');

    // `/watchparty nowplaying` shows the same line.
    const nowPlaying = await sim.interactions
      .command({ user: door.people.owner }, 'watchparty', 'nowplaying')
      .reply();
    assert.equal(watchingField(nowPlaying), 'Watching (4): alice, erin, frank, gina');
  });
});

test('watcher names are clipped and never read as markdown', () => {
  const names = watcherNames([
    { userId: '1', displayName: '**bold** _me_' },
    { userId: '2', displayName: 'a'.repeat(40) },
  ]);
  assert.equal(names, `\\*\\*bold\\*\\* \\_me\\_, ${'a'.repeat(31)}…`);
  assert.equal(watcherNames([]), 'Nobody');
});

test('a watcher whose name the bot was not told shows as a mention, in any language', () => {
  const names = watcherNames(
    [
      { userId: '2001', displayName: null },
      { userId: '2002', displayName: 'Jonas' },
    ],
    'de',
  );
  assert.equal(names, '<@2001>, Jonas');
});

describe('a party nobody watches', () => {
  let door: DiscordDoor;
  const timers = new ManualTimers();

  before(async () => {
    door = await openDiscordDoor({
      bot: () => ({ idle: { pauseAfterMinutes: 5, stopAfterMinutes: 30, schedule: timers.schedule } }),
    });
    // One streaming account: a party that holds it keeps every other party from playing.
    door.party.workers.capacity = 1;
  });
  after(async () => {
    await door?.close();
  });

  const idle = () => {
    const parties = door.bot.idleParties;
    assert.ok(parties);
    return parties;
  };
  const everyoneLeaves = () => {
    for (const person of [door.people.owner, door.people.listener, door.people.dj])
      door.sim.joinVoice(person.id, null);
  };
  const everyoneReturns = () => {
    for (const person of [door.people.owner, door.people.listener, door.people.dj])
      door.sim.joinVoice(person.id, door.sim.voiceChannel.id);
  };
  /** Lets the idle count see the latest voice states and party changes, then moves the clock. */
  const minutesPass = async (minutes: number) => {
    await door.party.service.settled();
    await idle().settled();
    timers.advanceMinutes(minutes);
    await idle().settled();
    await door.party.service.settled();
  };
  const status = async (sessionId: number) => (await door.party.service.getSession(sessionId)).session.status;

  test('an empty channel pauses the party, then stops it and frees its streaming account, saying so on the panel', async () => {
    const sessionId = await startParty(door, 'Empty room');
    everyoneLeaves();
    await waitFor('the idle count to start', () => timers.pendingCount === 2);

    await minutesPass(4);
    assert.equal(await status(sessionId), 'playing');
    await minutesPass(1);
    const paused = await door.panel((message) => /Paused: nobody is listening/.test(embedText(message)));
    assert.match(embedText(paused), /Join <#\d+> and press Resume to carry on/);
    assert.ok(enabledButtons(paused).includes('Resume'));
    assert.equal(await status(sessionId), 'paused');

    await minutesPass(25);
    const stopped = await door.panel((message) =>
      /⏹️ Stopped after 30 minutes with nobody listening/.test(embedText(message)),
    );
    assert.deepEqual(enabledButtons(stopped), []);
    assert.equal(await status(sessionId), 'stopped');

    // The one streaming account is free: another party starts playing.
    const other = await door.party.service.createSession(
      {
        guildId: door.sim.guildId,
        voiceChannelId: door.sim.voiceChannel.id,
        textChannelId: door.sim.textChannel.id,
        ownerUserId: door.people.owner.id,
      },
      apiActor,
    );
    const added = await door.party.service.addToQueue(
      other.id,
      { itemId: 'movie-2', startIfIdle: true },
      apiActor,
    );
    assert.equal(added.startError, null);
    assert.equal(added.started, true);
    await door.party.service.stop(other.id, apiActor);
    everyoneReturns();
  });

  test('someone joining ends the count; after an idle pause the party waits for Resume and is not stopped', async () => {
    const sessionId = await startParty(door, 'Coming back');
    everyoneLeaves();
    await waitFor('the idle count to start', () => timers.pendingCount === 2);
    await minutesPass(3);
    door.sim.joinVoice(door.people.listener.id, door.sim.voiceChannel.id);
    await waitFor('the idle count to end', () => timers.pendingCount === 0);
    await minutesPass(60);
    assert.equal(await status(sessionId), 'playing');

    // Empty again: the count starts over from this moment.
    door.sim.joinVoice(door.people.listener.id, null);
    await waitFor('the idle count to start again', () => timers.pendingCount === 2);
    await minutesPass(4);
    assert.equal(await status(sessionId), 'playing');
    await minutesPass(1);
    assert.equal(await status(sessionId), 'paused');

    // Back before the stop: nothing resumes by itself, nothing stops; the owner resumes.
    everyoneReturns();
    await waitFor('the idle count to end', () => timers.pendingCount === 0);
    await minutesPass(60);
    assert.equal(await status(sessionId), 'paused');
    await door.party.service.resume(sessionId, apiActor);
    const playing = await door.panel(
      (message) => /▶️ Playing/.test(embedText(message)) && embedText(message).includes('Coming back'),
    );
    assert.doesNotMatch(embedText(playing), /nobody/);
    await door.party.service.stop(sessionId, apiActor);
  });
});
