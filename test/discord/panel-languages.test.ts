// The panel is worded in the server's language when it is drawn, not when its facts were saved: why
// the last item failed (kept as its kind) and the labels of the track menus (kept as the tracks'
// facts). A failure kept before kinds were stored still shows its English sentence.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { APIMessage, APIStringSelectComponent } from 'discord-api-types/v10';
import { buildPanel } from '../../src/interactions/panel.ts';
import { type DiscordDoor, embedText, openDiscordDoor } from './harness.ts';

function menusOf(message: APIMessage): APIStringSelectComponent[] {
  return (message.components ?? []).flatMap((row) =>
    'components' in row ? (row.components as APIStringSelectComponent[]).filter((c) => c.type === 3) : [],
  );
}

describe('a German server reads why an item failed in German on the panel', () => {
  let door: DiscordDoor;
  let sessionId: number;

  before(async () => {
    door = await openDiscordDoor();
    door.sim.setGuildLocale('de');
  });
  after(async () => {
    await door?.close();
  });

  test('an item the worker could not read', async () => {
    const { sim, people, party } = door;
    await sim.interactions.command({ user: people.owner }, 'watchparty', 'create', { title: 'Kino' }).reply();
    sessionId = (await party.service.listSessions())[0]!.id;
    await sim.interactions
      .command({ user: people.owner }, 'watchparty', 'queue', { media: 'movie-1' })
      .reply();
    await door.panel((message) => embedText(message).includes('▶️'));
    party.workers.finishItem(String(sessionId), 'error', {
      kind: 'media_unreadable',
      error: 'Invalid data found when processing input',
    });
    const panel = await door.panel((message) => embedText(message).includes('Diese Datei'));
    assert.match(
      embedText(panel),
      /Diese Datei lässt sich nicht abspielen \(sie ist beschädigt oder in einem Format, das der Bot nicht lesen kann\)\./,
    );
    assert.doesNotMatch(embedText(panel), /cannot be played/);
    // The API keeps its English sentence, and names the kind.
    const { worker } = await party.service.getSession(sessionId);
    assert.equal(worker?.lastErrorKind, 'file_unreadable');
    assert.match(worker?.lastError ?? '', /^This file cannot be played/);
  });

  test('a stream that kept crashing stops the party, said in German', async () => {
    const { sim, people, party } = door;
    await sim.interactions
      .command({ user: people.owner }, 'watchparty', 'queue', { media: 'movie-2' })
      .reply();
    await door.panel((message) => embedText(message).includes('▶️'));
    party.workers.crash(String(sessionId));
    const panel = await door.panel((message) => embedText(message).includes('⚠️'));
    assert.match(embedText(panel), /Der Stream ist immer wieder abgestürzt/);
    const { worker } = await party.service.getSession(sessionId);
    assert.equal(worker?.lastErrorKind, 'worker_crashed');
  });

  test('a failure kept without its kind (before migration 0012) shows its stored sentence', async () => {
    const details = await door.party.service.getSession(sessionId);
    const stored = { ...details.worker!, lastError: 'The stream kept crashing.', lastErrorKind: null };
    const panel = buildPanel({ ...details, worker: stored }, Date.now(), null, true, 'de');
    assert.match(panel.embeds[0]?.description ?? '', /The stream kept crashing\./);
  });
});

describe('a Japanese server reads the panel’s track menus in Japanese', () => {
  let door: DiscordDoor;

  before(async () => {
    door = await openDiscordDoor();
    door.sim.setGuildLocale('ja');
  });
  after(async () => {
    await door?.close();
  });

  test('a party created without a title is named in the server’s language', async () => {
    const { sim, people } = door;
    const created = await sim.interactions
      .command({ user: people.owner }, 'watchparty', 'create', {})
      .reply();
    assert.match(created.content, /^Created \*\*ウォッチパーティー\*\* in <#\d+>/);
    const panel = await door.panel((message) => embedText(message).includes('ウォッチパーティー'));
    assert.equal(panel.embeds[0]?.author?.name, 'ウォッチパーティー · ウォッチパーティー');
  });

  test('language names, channels and flags in the menus', async () => {
    const { sim, people } = door;
    await sim.interactions
      .command({ user: people.owner }, 'watchparty', 'queue', { media: 'movie-1', subtitles: '4' })
      .reply();
    const panel = await door.panel((message) => menusOf(message).length === 2);
    const [audioMenu, subtitleMenu] = menusOf(panel);
    assert.deepEqual(
      audioMenu!.options.map((option) => [option.label, option.default]),
      [
        ['英語 · AAC ステレオ · 既定', true],
        ['日本語 · Original · AC3 5.1ch', false],
      ],
    );
    assert.equal(audioMenu!.placeholder, '音声: 英語 · AAC ステレオ · 既定');
    assert.deepEqual(
      subtitleMenu!.options.map((option) => option.label),
      [
        'オフ: 字幕なし',
        '英語 · SRT',
        '英語 · Signs · ASS · 強制',
        '日本語 · PGS',
        'フランス語 · SRT · 外部ファイル',
      ],
    );
    assert.equal(subtitleMenu!.placeholder, '字幕: 英語 · Signs · ASS · 強制');
  });
});
