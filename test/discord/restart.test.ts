// A bot restart in the middle of a party: the new process picks the party up where it was (same film,
// same position, still paused), finds the panel it had posted and keeps editing that one, and its
// buttons still work, because custom ids carry the session, not process state.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buttonId, type DiscordDoor, embedText, enabledButtons, openDiscordDoor } from './harness.ts';

describe('a bot restart in the middle of a party', () => {
  let door: DiscordDoor;
  let sessionId: number;
  let oldPanelId: string;

  before(async () => {
    door = await openDiscordDoor();
  });
  after(async () => {
    await door?.close();
  });

  test('the restarted bot resumes the paused film at its position, on the same panel', async () => {
    const { sim, people, party } = door;
    const command = (sub: string, options: Record<string, string> = {}) =>
      sim.interactions.command({ user: people.owner }, 'watchparty', sub, options).reply();
    await command('create', { media: 'movie-1' });
    await command('queue', { media: 'movie-2' });
    const [session] = await party.service.listSessions();
    sessionId = session!.id;
    party.workers.heartbeat(String(sessionId), 600);
    await command('pause');
    oldPanelId = (await door.panel((message) => embedText(message).includes('Paused'))).id;

    const editsBefore = sim.messages.get(oldPanelId)!.history.length;
    await door.restartBot();

    const resumedPlay = party.workers.callsOf('play', String(sessionId)).at(-1);
    assert.equal(resumedPlay?.request.jellyfinSourceId, 'movie-1');
    assert.equal(resumedPlay?.request.startPositionSeconds, 600);
    assert.deepEqual(party.workers.callsOf('control', String(sessionId)).at(-1)?.request, {
      action: 'pause',
    });
    const panel = await door.panel(
      (message) =>
        message.id === oldPanelId &&
        sim.messages.get(oldPanelId)!.history.length > editsBefore &&
        embedText(message).includes('Paused') &&
        embedText(message).includes('10:00'),
    );
    assert.equal(panel.embeds[0]?.title, 'Night of the Comet (1984)');
    assert.match(embedText(panel), /Up next\n1\. The Fifth Element \(1997\)/);
    assert.equal(enabledButtons(panel)[0], 'Resume');
  });

  test('the panel resumes and skips after the restart, and it is still the only panel', async () => {
    const { sim, people } = door;
    const panel = sim.messages.get(oldPanelId)!.message;
    sim.interactions.button({ user: people.owner }, oldPanelId, buttonId(panel, 'Resume'));
    const playing = await door.panel(
      (message) => message.id === oldPanelId && embedText(message).includes('▶️ Playing'),
    );
    sim.interactions.button({ user: people.owner }, oldPanelId, buttonId(playing, 'Skip'));
    await door.panel(
      (message) => message.id === oldPanelId && message.embeds[0]?.title === 'The Fifth Element (1997)',
    );
    assert.equal(sim.messages.inChannel(sim.textChannel.id).length, 1);
    assert.deepEqual(sim.rest.failed(), []);
  });
});
