// Audio and subtitle tracks from Discord, as a party's people use them: `queue` with `audio` and
// `subtitles` (suggested from the picked item's tracks), `/watchparty audio|subtitles` over what
// plays now, and a switch mid-film that restarts the item on the worker where the party was.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { APIMessage, APIStringSelectComponent } from 'discord-api-types/v10';
import { waitFor } from '../../sim/wait-for.ts';
import type { PlayRequest } from '../../src/worker-contract/http.ts';
import { type DiscordDoor, openDiscordDoor } from './harness.ts';

function menusOf(message: APIMessage): APIStringSelectComponent[] {
  return (message.components ?? []).flatMap((row) =>
    'components' in row ? (row.components as APIStringSelectComponent[]).filter((c) => c.type === 3) : [],
  );
}

describe('audio and subtitle tracks through the Discord simulator', () => {
  let door: DiscordDoor;
  let sessionId: string;

  before(async () => {
    door = await openDiscordDoor();
  });
  after(async () => {
    await door?.close();
  });

  const lastPlay = (): PlayRequest | undefined =>
    door.party.workers.callsOf('play', sessionId).at(-1)?.request;

  test('queue suggests the picked film’s tracks, and its choices reach the worker', async () => {
    const { sim, people, party } = door;
    await sim.interactions
      .command({ user: people.owner }, 'watchparty', 'create', { title: 'Anime night' })
      .reply();
    sessionId = String((await party.service.listSessions())[0]!.id);

    const before = await sim.interactions
      .autocomplete({ user: people.owner }, 'watchparty', 'queue', 'audio', '')
      .choices();
    assert.deepEqual(before, [
      { name: 'Pick a title in "media" first, then its tracks here', value: 'orb:no-match' },
    ]);
    const audio = await sim.interactions
      .autocomplete({ user: people.owner }, 'watchparty', 'queue', 'audio', '', { media: 'movie-1' })
      .choices();
    assert.deepEqual(audio, [
      { name: 'English · AAC stereo · default', value: '1' },
      { name: 'Japanese · Original · AC3 5.1', value: '2' },
    ]);
    const subtitles = await sim.interactions
      .autocomplete({ user: people.owner }, 'watchparty', 'queue', 'subtitles', 'eng', { media: 'movie-1' })
      .choices();
    assert.deepEqual(subtitles, [
      { name: 'English · SRT', value: '3' },
      { name: 'English · Signs · ASS · forced', value: '4' },
    ]);

    const reply = await sim.interactions
      .command({ user: people.owner }, 'watchparty', 'queue', {
        media: 'movie-1',
        audio: 'ja',
        subtitles: '3',
      })
      .reply();
    assert.equal(reply.content, 'Starting **Night of the Comet** now.');
    assert.deepEqual(lastPlay()?.tracks, {
      audioStreamIndex: 2,
      subtitle: {
        format: 'text',
        streamIndex: 3,
        url: 'http://127.0.0.1:8096/Videos/x/x/Subtitles/3/Stream.srt',
      },
    });
  });

  test('the panel offers the tracks in two menus, what plays preselected; a pick switches', async () => {
    const { sim, people, party } = door;
    const panel = await door.panel((message) => menusOf(message).length === 2);
    const [audioMenu, subtitleMenu] = menusOf(panel);
    assert.deepEqual(
      audioMenu!.options.map((option) => [option.label, option.default]),
      [
        ['English · AAC stereo · default', false],
        ['Japanese · Original · AC3 5.1', true],
      ],
    );
    assert.deepEqual(
      subtitleMenu!.options.map((option) => [option.label, option.default]),
      [
        ['Off: no subtitles', false],
        ['English · SRT', true],
        ['English · Signs · ASS · forced', false],
        ['Japanese · PGS', false],
        ['French · SRT · external file', false],
      ],
    );
    assert.equal(subtitleMenu!.placeholder, 'Subtitles: English · SRT');

    sim.interactions.select({ user: people.owner }, panel.id, subtitleMenu!.custom_id, ['6']);
    await waitFor('the switch to French', () => lastPlay()?.tracks?.subtitle?.streamIndex === 6);
    assert.equal(lastPlay()?.tracks?.audioStreamIndex, 2, 'the audio stays Japanese');
    await door.panel(
      (message) => menusOf(message)[1]?.placeholder === 'Subtitles: French · SRT · external file',
    );
    // A value the menu never offered (a forged payload) is refused privately; nothing restarts.
    const plays = party.workers.callsOf('play', sessionId).length;
    const forged = sim.interactions.select({ user: people.owner }, panel.id, subtitleMenu!.custom_id, ['99']);
    await waitFor('the refusal', () => forged.followUps()[0]);
    assert.match(forged.followUps()[0]!.content, /This item has no subtitle track "99"/);
    assert.equal(party.workers.callsOf('play', sessionId).length, plays);
  });

  test('/watchparty audio lists what plays now; switching keeps the position and the subtitles', async () => {
    const { sim, people, party } = door;
    party.workers.heartbeat(sessionId, 600);
    await party.service.settled();
    const choices = await sim.interactions
      .autocomplete({ user: people.owner }, 'watchparty', 'audio', 'track', '')
      .choices();
    assert.deepEqual(choices, [
      { name: 'English · AAC stereo · default', value: '1' },
      { name: 'Japanese · Original · AC3 5.1 · playing now', value: '2' },
    ]);

    const playsBefore = party.workers.callsOf('play', sessionId).length;
    const reply = await sim.interactions
      .command({ user: people.owner }, 'watchparty', 'audio', { track: String(choices[0]!.value) })
      .reply();
    assert.equal(reply.content, 'Audio: English · AAC stereo · default. Playing on from where it was.');
    assert.equal(party.workers.callsOf('play', sessionId).length, playsBefore + 1, 'the item restarted once');
    const restarted = lastPlay()!;
    assert.equal(restarted.tracks?.audioStreamIndex, 1);
    assert.equal(restarted.tracks?.subtitle?.streamIndex, 6, 'the subtitles stay as chosen');
    const at = restarted.startPositionSeconds ?? 0;
    assert.ok(at >= 600 && at < 610, `restarted at ${at} s, where the party was`);
  });

  test('subtitles off, and a paused party stays paused through a switch', async () => {
    const { sim, people, party } = door;
    await party.service.pause(Number(sessionId), { kind: 'api', label: 'test' });
    const offered = await sim.interactions
      .autocomplete({ user: people.owner }, 'watchparty', 'subtitles', 'track', 'of')
      .choices();
    assert.deepEqual(offered, [{ name: 'Off: no subtitles', value: 'off' }]);
    const reply = await sim.interactions
      .command({ user: people.owner }, 'watchparty', 'subtitles', { track: 'off' })
      .reply();
    assert.equal(reply.content, 'Subtitles are off now.');
    assert.equal(lastPlay()?.tracks?.subtitle, null);
    assert.deepEqual(party.workers.callsOf('control', sessionId).at(-1)?.request, { action: 'pause' });
    assert.equal((await party.service.getSession(Number(sessionId))).session.status, 'paused');
  });

  test('a track the item lacks, and a listener who does not run the party, are told why', async () => {
    const { sim, people, party } = door;
    const plays = party.workers.callsOf('play', sessionId).length;
    const missing = await sim.interactions
      .command({ user: people.owner }, 'watchparty', 'audio', { track: 'deu' })
      .reply();
    assert.match(
      missing.content,
      /This item has no audio track "deu"\. Pick one from the suggestions: English/,
    );
    const refused = await sim.interactions
      .command({ user: people.listener }, 'watchparty', 'subtitles', { track: 'eng' })
      .reply();
    assert.equal(refused.flags, 64);
    assert.match(refused.content, /Only the party's owner <@\d+>.* can switch tracks in this party\./);
    assert.equal(party.workers.callsOf('play', sessionId).length, plays, 'nothing restarted');
  });
});
