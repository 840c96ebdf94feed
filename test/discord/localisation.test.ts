// Each reader in their own language: a member's private replies follow their Discord client's
// language, while what the whole channel reads (the panel, its public lines) follows the server's.
// The command itself is registered with its names and descriptions in every language.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SimUser } from '../../sim/discord/index.ts';
import { nextPublicLine } from '../support/bot-sent-text.ts';
import { type DiscordDoor, embedText, enabledButtons, openDiscordDoor } from './harness.ts';

describe('replies in the member’s language, the panel in the server’s', () => {
  let door: DiscordDoor;
  let dieter: SimUser;
  let yuki: SimUser;
  let sessionId: number;

  before(async () => {
    // Every public line, the party's story too.
    door = await openDiscordDoor({ bot: () => ({ announce: { level: 'all' } }) });
    // A French server, with a German member and a Japanese one in the voice channel.
    door.sim.setGuildLocale('fr');
    dieter = door.sim.addUser({ username: 'dieter', locale: 'de' });
    yuki = door.sim.addUser({ username: 'yuki', locale: 'ja' });
    for (const person of [dieter, yuki]) door.sim.joinVoice(person.id, door.sim.voiceChannel.id);
  });
  after(async () => {
    await door?.close();
  });

  test('the command is registered with names and descriptions in every language', () => {
    const [command] = door.sim.interactions.registeredCommands();
    assert.ok(command);
    const options = (command.definition.options ?? []) as unknown as Record<string, unknown>[];
    const queue = options.find((option) => option.name === 'queue');
    assert.ok(queue);
    assert.deepEqual(queue.name_localizations, {
      de: 'einreihen',
      fr: 'ajouter',
      'es-ES': 'añadir',
      'pt-BR': 'adicionar',
      ja: '追加',
    });
    assert.equal(
      (queue.description_localizations as Record<string, string>).de,
      'Einen Film oder eine Folge einreihen; der erste Eintrag startet die Party',
    );
    assert.equal(
      (command.definition.description_localizations as Record<string, string>).ja,
      'Jellyfin の映画やシリーズをボイスチャンネルでみんなで観る',
    );
  });

  test('a German member reads German; the panel in the channel reads French', async () => {
    const { sim } = door;
    const created = await sim.interactions
      .command({ user: dieter }, 'watchparty', 'create', { title: 'Filmabend' })
      .reply();
    assert.match(created.content, /^\*\*Filmabend\*\* in <#\d+> erstellt\. Das Panel in diesem Kanal zeigt/);
    const [session] = await door.party.service.listSessions();
    assert.ok(session);
    sessionId = session.id;
    const panel = await door.panel((message) => embedText(message).includes('Filmabend'));
    assert.match(embedText(panel), /Watch party · Filmabend/);
    assert.match(embedText(panel), /Rien en lecture/);
    assert.match(embedText(panel), /Ajoute quelque chose avec `\/watchparty ajouter`/);

    const queued = await sim.interactions
      .command({ user: dieter }, 'watchparty', 'queue', { media: 'movie-1' })
      .reply();
    assert.equal(queued.content, '**Night of the Comet** startet jetzt.');
    const playing = await door.panel(
      (message) => message.id === panel.id && embedText(message).includes('▶️ Lecture'),
    );
    assert.deepEqual(enabledButtons(playing), [
      'Pause',
      '−30 s',
      '+30 s',
      'Aller à…',
      'Passer',
      'Précédent',
      'Voter pour passer',
      'Répéter : non',
      'File',
      'Arrêter',
    ]);
    assert.match(embedText(playing), /Ajouté par/);
  });

  test('a refusal reads in the language of the member refused', async () => {
    const { sim, people } = door;
    const japanese = await sim.interactions.command({ user: yuki }, 'watchparty', 'pause', {}).reply();
    assert.match(japanese.content, /^このパーティーで一時停止できるのは、主催者 <@\d+>/);
    const english = await sim.interactions
      .command({ user: people.listener }, 'watchparty', 'pause', {})
      .reply();
    assert.match(english.content, /^Only the party's owner <@\d+>.* can pause in this party\.$/);
  });

  test('suggestions speak the member’s language: hints, language names, flags', async () => {
    const { sim } = door;
    const hint = await sim.interactions
      .autocomplete({ user: dieter }, 'watchparty', 'queue', 'audio', '')
      .choices();
    assert.deepEqual(hint, [
      { name: 'Wähl zuerst unter „titel“ etwas aus, dann hier die Spur', value: 'orb:no-match' },
    ]);
    const audio = await sim.interactions
      .autocomplete({ user: dieter }, 'watchparty', 'queue', 'audio', '', { media: 'movie-1' })
      .choices();
    assert.deepEqual(audio, [
      { name: 'Englisch · AAC Stereo · Standard', value: '1' },
      { name: 'Japanisch · Original · AC3 5.1', value: '2' },
    ]);
    const typed = await sim.interactions
      .autocomplete({ user: yuki }, 'watchparty', 'queue', 'audio', '日本', { media: 'movie-1' })
      .choices();
    assert.deepEqual(typed, [{ name: '日本語 · Original · AC3 5.1ch', value: '2' }]);
  });

  test('the party’s story is told in the server’s language', async () => {
    const { sim } = door;
    await sim.interactions.command({ user: dieter }, 'watchparty', 'queue', { media: 'movie-2' }).reply();
    // Both queues may fall into one burst ("… et 1 de plus"): either way, told in French.
    const line = await nextPublicLine(door.sim, (text) => text.startsWith('📥'));
    assert.match(line.content, new RegExp(`^📥 <@${dieter.id}> a ajouté \\*\\*Night of the Comet\\*\\*`));
  });

  test('a failed item is told to the channel in the server’s language', async () => {
    door.party.workers.finishItem(String(sessionId), 'error', {
      kind: 'media_unreadable',
      error: 'Invalid data found when processing input',
    });
    const line = await nextPublicLine(door.sim, (text) => text.startsWith('⚠️'));
    assert.equal(
      line.content,
      '⚠️ **Night of the Comet** : Ce fichier ne peut pas être lu (il est abîmé ou dans un format que le bot ne sait pas lire). ' +
        'On passe à **The Fifth Element**.',
    );
  });
});
