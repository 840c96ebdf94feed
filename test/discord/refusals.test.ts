// Refusals and bad input, as the person who tried sees them: a private answer saying why and what to
// do, nothing changed, and the bot still answering the next person.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { waitFor } from '../../sim/wait-for.ts';
import { SearchDeadlineError } from '../../src/commands/media-search.ts';
import { systemActor } from '../../src/watchparty/permissions.ts';
import { buttonId, type DiscordDoor, embedText, enabledButtons, openDiscordDoor } from './harness.ts';

describe('/watchparty refusals and bad input', () => {
  let door: DiscordDoor;
  let sessionId: number;
  let panelId: string;

  const command = (
    user: keyof DiscordDoor['people'],
    sub: string,
    options: Record<string, string | number> = {},
  ) => door.sim.interactions.command({ user: door.people[user] }, 'watchparty', sub, options).reply();

  before(async () => {
    door = await openDiscordDoor();
    await command('owner', 'create', { media: 'movie-1' });
    const [session] = await door.party.service.listSessions();
    sessionId = session!.id;
    panelId = (await door.panel((message) => embedText(message).includes('Playing'))).id;
  });
  after(async () => {
    await door?.close();
  });

  test('a listener without rights cannot pause: told privately who can, and the film plays on', async () => {
    const { sim, people, party } = door;
    const click = sim.interactions.button(
      { user: people.listener },
      panelId,
      buttonId(sim.messages.get(panelId)!.message, 'Pause'),
    );
    await click.response();
    const [refusal] = await waitForFollowUps(click);
    assert.equal(refusal?.flags, 64);
    assert.match(
      refusal?.content ?? '',
      new RegExp(
        `Only the party's owner <@${people.owner.id}>, the <@&\\d+> role or members with Manage Channels can pause`,
      ),
    );
    assert.equal(party.workers.callsOf('control', String(sessionId)).length, 0);
    assert.equal((await party.service.getSession(sessionId)).session.status, 'playing');
  });

  test('someone outside the voice channel can neither queue nor control', async () => {
    const queued = await command('outsider', 'queue', { media: 'movie-2' });
    assert.equal(queued.flags, 64);
    assert.match(queued.content, /Join the party's voice channel <#\d+> to add to its queue/);
    const skipped = await command('outsider', 'skip');
    assert.match(skipped.content, /Only the party's owner/);
    assert.equal((await door.party.service.getSession(sessionId)).upcoming.length, 0);
  });

  test('the DJ role and a moderator may control the party', async () => {
    assert.equal(
      (await command('dj', 'pause')).content,
      'Paused. `/watchparty resume` or the panel’s Resume button continues.',
    );
    // Moderators (Manage Channels) may act from outside the voice channel.
    assert.equal((await command('moderator', 'resume')).content, 'Resumed.');
  });

  test('malformed seek times and a seek past the end say what to type', async () => {
    for (const typed of ['abc', '1:99:00', '++5', '1h99x']) {
      const reply = await command('owner', 'seek', { time: typed });
      assert.match(
        reply.content,
        /is not a time\. Use a time such as 1:23:45, 83:45, 90 \(seconds\), \+30 or -10/,
        typed,
      );
    }
    const past = await command('owner', 'seek', { time: '3:00:00' });
    assert.equal(
      past.content,
      '3:00:00 is past the end: "Night of the Comet" is 1:35:00 long. Use a time such as 1:23:45, 83:45, 90 (seconds), +30 or -10 (jump), or 1h2m3s.',
    );
    assert.equal(
      door.party.workers.callsOf('control').filter((call) => call.request.action === 'seek').length,
      0,
    );
  });

  test('a tampered or stale custom id gets a private explanation, never a crash', async () => {
    const { sim, people } = door;
    const panel = await door.panel(
      (message) => message.id === panelId && enabledButtons(message).includes('Pause'),
    );
    const cases = [
      { forged: 'wp1:explode:1', expect: /This control is out of date or not from this bot/ },
      { forged: `wp1:pause:${sessionId}:extra`, expect: /This control is out of date/ },
      { forged: 'not-ours', expect: /This control is out of date/ },
      { forged: 'wp1:pause:987654', expect: /987654/ },
    ];
    for (const { forged, expect } of cases) {
      const click = sim.interactions.button({ user: people.owner }, panelId, buttonId(panel, 'Pause'), {
        forgedCustomId: forged,
      });
      const acknowledged = (await click.response()).body as { type: number };
      // A control on a party that does not exist is acknowledged first, then refused in a follow-up.
      const reply = acknowledged.type === 6 ? (await waitForFollowUps(click))[0] : await click.reply();
      assert.equal(reply?.flags, 64, forged);
      assert.match(reply?.content ?? '', expect, forged);
    }
    // A forged modal submission is refused the same way.
    const opener = sim.interactions.button({ user: people.owner }, panelId, buttonId(panel, 'Seek…'));
    const forgedModal = await sim.interactions.submitModal(
      { user: people.owner },
      opener,
      { time: '10' },
      {
        forgedCustomId: 'wp1:seek-modal:abc',
      },
    );
    assert.match((await forgedModal.reply()).content, /out of date or not from this bot/);
  });

  test("a custom id forged to name another server's party is refused like an unknown one", async () => {
    const { sim, people, party } = door;
    const foreign = await party.service.createSession(
      {
        guildId: 'another-guild',
        voiceChannelId: 'their-voice',
        textChannelId: 'their-text',
        ownerUserId: people.owner.id,
        title: 'Their secret party',
      },
      systemActor,
    );
    const panel = sim.messages.get(panelId)!.message;
    for (const forged of [`wp1:list:${foreign.id}:0`, `wp1:queue:${foreign.id}`, `wp1:seek:${foreign.id}`]) {
      const click = sim.interactions.button({ user: people.owner }, panelId, buttonId(panel, 'Pause'), {
        forgedCustomId: forged,
      });
      const reply = await click.reply();
      assert.equal(reply.flags, 64, forged);
      assert.equal(reply.content, `There is no watch party #${foreign.id}.`, forged);
    }
  });

  test('the seek button of a listener without rights says who can, before any time is typed', async () => {
    const { sim, people } = door;
    const panel = sim.messages.get(panelId)!.message;
    const click = sim.interactions.button({ user: people.listener }, panelId, buttonId(panel, 'Seek…'));
    const reply = await click.reply();
    assert.equal(reply.flags, 64);
    assert.match(
      reply.content,
      /Only the party's owner <@\d+>, the <@&\d+> role or members with Manage Channels can seek/,
    );
  });

  test('an unknown item id, or a suggestion that only explained, is answered clearly', async () => {
    const unknown = await command('owner', 'queue', { media: '0123456789abcdef0123456789abcdef' });
    assert.equal(
      unknown.content,
      'Nothing in the library matches "0123456789abcdef0123456789abcdef". Start typing a title and pick one of the suggestions.',
    );
    const explained = await command('owner', 'queue', { media: 'orb:no-match' });
    assert.match(explained.content, /That suggestion only explained why there were no results/);
  });

  test('queue positions out of range name the range', async () => {
    assert.equal(
      (await command('owner', 'remove', { position: 4 })).content,
      'There is no item #4 in the queue. The queue is empty.',
    );
  });

  test('a full streaming-account pool keeps the item queued and says how to free one, in plain words', async () => {
    const { sim, people, party } = door;
    party.workers.capacity = party.workers.workers.size;
    sim.joinVoice(people.listener.id, sim.world.channelByName('Lounge').id);
    try {
      const reply = await command('listener', 'create', { title: 'Second party', media: 'movie-3' });
      assert.match(reply.content, /Created \*\*Second party\*\*/);
      assert.match(
        reply.content,
        /Queued \*\*Arrival\*\*\. The party could not start: Every streaming account is busy with another watch party\. Stop one, or ask the server admin to add an account\.$/,
      );
    } finally {
      sim.joinVoice(people.listener.id, sim.voiceChannel.id);
    }
  });

  test('autocomplete degrades to one explanatory choice: nothing typed, no match, catalog down', async () => {
    const { sim, people, search } = door;
    const suggest = (typed: string) =>
      sim.interactions.autocomplete({ user: people.owner }, 'watchparty', 'queue', 'media', typed).choices();
    assert.deepEqual(await suggest(''), [
      { name: 'Type a title to search the library', value: 'orb:no-match' },
    ]);
    assert.deepEqual(
      await sim.interactions
        .autocomplete({ user: people.owner }, 'watchparty', 'queue', 'episode', '1')
        .choices(),
      [{ name: 'Pick a series in "media" first, then its episode here', value: 'orb:no-match' }],
    );
    assert.deepEqual(await suggest('zzzz'), [
      { name: 'Nothing in the library matches "zzzz"', value: 'orb:no-match' },
    ]);
    search.down = true;
    try {
      assert.deepEqual(await suggest('comet'), [
        {
          name: 'The library search is not answering right now. Try again in a moment.',
          value: 'orb:no-match',
        },
      ]);
    } finally {
      search.down = false;
    }
  });

  test('an autocomplete past its deadline answers with the explanation and aborts the search underneath', async () => {
    const { sim, people, search } = door;
    search.stalled = true;
    try {
      const choices = await sim.interactions
        .autocomplete({ user: people.owner }, 'watchparty', 'queue', 'media', 'comet')
        .choices();
      assert.deepEqual(choices, [
        {
          name: 'The library search is not answering right now. Try again in a moment.',
          value: 'orb:no-match',
        },
      ]);
      assert.equal(search.abortReasons.length, 1, 'the stalled search was told to stop');
      assert.ok(search.abortReasons[0] instanceof SearchDeadlineError, String(search.abortReasons[0]));
    } finally {
      search.stalled = false;
    }
  });

  test('long catalog names are cut to Discord limits, and at most 25 choices are offered', async () => {
    const { sim, people, party } = door;
    for (let index = 0; index < 30; index += 1) {
      party.media.addMovie(`long-${index}`, `Extended edition ${index} ${'of a very long title '.repeat(8)}`);
    }
    const choices = await sim.interactions
      .autocomplete({ user: people.owner }, 'watchparty', 'queue', 'media', 'extended')
      .choices();
    assert.equal(choices.length, 25);
    for (const choice of choices) assert.ok(choice.name.length <= 100, choice.name);
    assert.match(choices[0]?.name ?? '', /… \(2000\)$/, 'a cut name keeps its year');
  });

  test('a malformed interaction payload does not take the bot down', async () => {
    const { sim, people } = door;
    // discord.js throws inside its gateway listener on this one (it cannot read the payload).
    const broken = sim.interactions.command(
      { user: people.owner },
      'watchparty',
      'nowplaying',
      {},
      (payload) => {
        delete payload.entitlements;
      },
    );
    await assert.rejects(broken.response(300), /no REST call matched/);
    const after = await command('owner', 'nowplaying');
    assert.equal(after.embeds[0]?.title, 'Night of the Comet (1984)');
    assert.deepEqual(sim.rest.unmatched(), []);
  });
});

function waitForFollowUps(interaction: { followUps(): import('discord-api-types/v10').APIMessage[] }) {
  return waitFor('a follow-up', () => {
    const found = interaction.followUps();
    return found.length > 0 ? found : undefined;
  });
}

describe('the queue list and the panel under load', () => {
  let door: DiscordDoor;
  let sessionId: number;

  before(async () => {
    door = await openDiscordDoor({ panelRefreshIntervalMs: 150 });
    await door.sim.interactions
      .command({ user: door.people.owner }, 'watchparty', 'create', { media: 'movie-1' })
      .reply();
    sessionId = (await door.party.service.listSessions())[0]!.id;
  });
  after(async () => {
    await door?.close();
  });

  test('list pages through a long queue with its buttons', async () => {
    const { sim, people } = door;
    for (let index = 0; index < 12; index += 1) {
      await sim.interactions
        .command({ user: people.listener }, 'watchparty', 'queue', { media: 'movie-2' })
        .reply();
    }
    const list = await sim.interactions.command({ user: people.listener }, 'watchparty', 'list').reply();
    assert.match(list.embeds[0]?.footer?.text ?? '', /^Page 1 of 2 · 12 queued/);
    const next = await sim.interactions
      .button({ user: people.listener }, list.id, buttonId(list, 'Next'))
      .reply();
    assert.equal(next.id, list.id, 'the list message itself turns the page');
    assert.match(next.embeds[0]?.footer?.text ?? '', /^Page 2 of 2/);
    assert.match(embedText(next), /\*\*12\.\*\* The Fifth Element/);
  });

  test('queue next, move and clear reorder and empty the queue, and say what they did', async () => {
    const { sim, people } = door;
    const as = (sub: string, options: Record<string, string | number | boolean> = {}) =>
      sim.interactions.command({ user: people.owner }, 'watchparty', sub, options).reply();
    assert.equal((await as('queue', { media: 'movie-3', next: true })).content, 'Queued **Arrival** as #1.');
    assert.equal((await as('move', { from: 1, to: 13 })).content, 'Moved **Arrival** to #13.');
    const moved = await as('list', { page: 2 });
    assert.match(embedText(moved), /\*\*13\.\*\* Arrival/);
    assert.equal((await as('clear')).content, 'Cleared 13 items from the queue.');
    assert.match(embedText(await as('list')), /The queue is empty/);
  });

  test('a playing party’s panel is redrawn on a timer, without any change', async () => {
    const { sim } = door;
    const panel = await door.panel((message) => embedText(message).includes('Playing'));
    const versions = sim.messages.get(panel.id)!.history.length;
    const changes = (await door.party.service.getSession(sessionId)).recentEvents.length;
    await door.panel(
      (message) => message.id === panel.id && sim.messages.get(panel.id)!.history.length > versions + 1,
    );
    assert.equal((await door.party.service.getSession(sessionId)).recentEvents.length, changes);
  });

  test('a burst of changes is coalesced into a few panel edits, and the latest state wins', async () => {
    const { sim, party } = door;
    const panel = await door.panel((message) => embedText(message).includes('Playing'));
    const before = sim.rest.mark();
    for (let second = 1; second <= 30; second += 1) party.workers.heartbeat(String(sessionId), second * 60);
    await door.panel((message) => message.id === panel.id && embedText(message).includes('30:0'));
    const edits = sim.rest.calls.filter(
      (call) => call.seq > before && call.method === 'PATCH' && call.path.endsWith(`/messages/${panel.id}`),
    );
    assert.ok(edits.length < 10, `${edits.length} edits for 30 changes`);
  });
});
