// A whole party from Discord, as its people see it: create, queue through an autocomplete value (the
// first item starts the party), the panel appears and follows every change, the pause button pauses
// the worker and the panel says so, seek through the modal, skip, autoadvance, stop.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buttonId, type DiscordDoor, embedText, enabledButtons, openDiscordDoor } from './harness.ts';

describe('/watchparty end to end through the Discord simulator', () => {
  let door: DiscordDoor;
  let sessionId: number;
  let panelId: string;

  before(async () => {
    door = await openDiscordDoor();
  });
  after(async () => {
    await door?.close();
  });

  test('create answers the owner privately and posts the panel in the channel', async () => {
    const { sim, people } = door;
    const reply = await sim.interactions
      .command({ user: people.owner }, 'watchparty', 'create', { title: 'Friday films' })
      .reply();
    assert.equal(reply.flags, 64, 'ephemeral');
    assert.match(reply.content, /Created \*\*Friday films\*\* in <#\d+>/);
    const [session] = await door.party.service.listSessions();
    assert.ok(session);
    sessionId = session.id;
    const panel = await door.panel((message) => embedText(message).includes('Friday films'));
    panelId = panel.id;
    assert.match(embedText(panel), /Nothing playing/);
    assert.match(embedText(panel), /Queue something with `\/watchparty queue`/);
  });

  test('autocomplete offers catalog titles and the chosen value queues and starts the film', async () => {
    const { sim, people, party } = door;
    const choices = await sim.interactions
      .autocomplete({ user: people.owner }, 'watchparty', 'queue', 'media', 'comet')
      .choices();
    assert.deepEqual(choices, [{ name: 'Night of the Comet (1984)', value: 'movie-1' }]);

    const reply = await sim.interactions
      .command({ user: people.owner }, 'watchparty', 'queue', { media: String(choices[0]?.value) })
      .reply();
    assert.equal(reply.content, 'Starting **Night of the Comet** now.');
    assert.equal(party.workers.callsOf('play', String(sessionId))[0]?.request.jellyfinSourceId, 'movie-1');

    const panel = await door.panel(
      (message) => message.id === panelId && embedText(message).includes('Playing'),
    );
    assert.equal(panel.embeds[0]?.title, 'Night of the Comet (1984)');
    assert.match(embedText(panel), /0:00 ▱+ 1:35:00/);
    assert.match(embedText(panel), new RegExp(`Queued by\\n<@${people.owner.id}>`));
    assert.deepEqual(enabledButtons(panel), [
      'Pause',
      '−30 s',
      '+30 s',
      'Seek…',
      'Skip',
      'Previous',
      'Vote skip',
      'Loop: off',
      'Queue',
      'Stop',
    ]);
  });

  test('a listener in the voice channel queues more, and the panel shows what comes next', async () => {
    const { sim, people } = door;
    const reply = await sim.interactions
      .command({ user: people.listener }, 'watchparty', 'queue', { media: 'movie-2' })
      .reply();
    assert.equal(reply.content, 'Queued **The Fifth Element** as #1.');
    // Typed text instead of a suggestion: searched for, not a crash.
    const typed = await sim.interactions
      .command({ user: people.listener }, 'watchparty', 'queue', { media: 'Big Buck' })
      .reply();
    assert.equal(typed.content, 'Queued **Big Buck Bunny** as #2.');
    const panel = await door.panel(
      (message) => message.id === panelId && embedText(message).includes('Big Buck'),
    );
    assert.match(
      embedText(panel),
      /Up next\n1\. The Fifth Element \(1997\) · 2:06:00\n2\. Big Buck Bunny \(2008\) · 9:56/,
    );
  });

  test('the pause button pauses the worker and the panel says so; resume continues', async () => {
    const { sim, people, party } = door;
    const panel = sim.messages.get(panelId)!.message;
    const click = sim.interactions.button({ user: people.owner }, panelId, buttonId(panel, 'Pause'));
    assert.equal(((await click.response()).body as { type: number }).type, 6, 'deferred update');
    const paused = await door.panel(
      (message) => message.id === panelId && embedText(message).includes('Paused'),
    );
    assert.deepEqual(party.workers.callsOf('control', String(sessionId)).at(-1)?.request, {
      action: 'pause',
    });
    assert.equal(enabledButtons(paused)[0], 'Resume');

    sim.interactions.button({ user: people.owner }, panelId, buttonId(paused, 'Resume'));
    const resumed = await door.panel(
      (message) => message.id === panelId && embedText(message).includes('▶️ Playing'),
    );
    assert.equal(enabledButtons(resumed)[0], 'Pause');
    assert.equal(click.followUps().length, 0, 'no private noise on success');
  });

  test('seek through the modal jumps the worker and the panel shows the new position', async () => {
    const { sim, people, party } = door;
    const opener = sim.interactions.button(
      { user: people.owner },
      panelId,
      buttonId(sim.messages.get(panelId)!.message, 'Seek…'),
    );
    const modal = await opener.modal();
    assert.equal(modal.title, 'Seek');
    const submitted = await sim.interactions.submitModal({ user: people.owner }, opener, { time: '1:00:00' });
    assert.equal((await submitted.reply()).content, 'Jumped to 1:00:00.');
    assert.deepEqual(party.workers.callsOf('control', String(sessionId)).at(-1)?.request, {
      action: 'seek',
      positionSeconds: 3600,
    });
    await door.panel((message) => message.id === panelId && /1:00:0\d ▰+▱+ 1:35:00/.test(embedText(message)));
  });

  test('skip moves to the next film, and a finished film advances on its own', async () => {
    const { sim, people, party } = door;
    sim.interactions.button(
      { user: people.owner },
      panelId,
      buttonId(sim.messages.get(panelId)!.message, 'Skip'),
    );
    await door.panel(
      (message) => message.id === panelId && message.embeds[0]?.title === 'The Fifth Element (1997)',
    );

    party.workers.finishItem(String(sessionId));
    const advanced = await door.panel(
      (message) => message.id === panelId && message.embeds[0]?.title === 'Big Buck Bunny (2008)',
    );
    assert.match(embedText(advanced), /Up next\nNothing queued/);
    assert.deepEqual(
      party.workers.callsOf('play', String(sessionId)).map((call) => call.request.jellyfinSourceId),
      ['movie-1', 'movie-2', 'short-1'],
    );
  });

  test('the queue button lists the queue privately', async () => {
    const { sim, people } = door;
    const list = await sim.interactions
      .button({ user: people.listener }, panelId, buttonId(sim.messages.get(panelId)!.message, 'Queue'))
      .reply();
    assert.equal(list.flags, 64);
    assert.match(embedText(list), /Now: \*\*Big Buck Bunny \(2008\)\*\*/);
    assert.match(embedText(list), /The queue is empty/);
  });

  test('stop ends the party: the worker is closed and the panel keeps its final state without buttons', async () => {
    const { sim, people, party } = door;
    sim.interactions.button(
      { user: people.owner },
      panelId,
      buttonId(sim.messages.get(panelId)!.message, 'Stop'),
    );
    const stopped = await door.panel(
      (message) => message.id === panelId && embedText(message).includes('Stopped'),
    );
    assert.deepEqual(stopped.components, []);
    assert.equal(party.workers.workers.size, 0);
    assert.equal(sim.messages.inChannel(sim.textChannel.id).length, 1, 'one panel per session');
    assert.deepEqual(sim.rest.unmatched(), []);
    assert.deepEqual(
      sim.rest.failed().map((call) => `${call.method} ${call.path} ${call.status}`),
      [],
    );
  });
});
