// The dashboard speaks the browser's language: a member whose browser is set to German logs in on a
// German page and runs the party in German (buttons, the activity, the position bar's label, the
// stream's figures, search results, a refusal as the bot words it in Discord), and a Japanese browser
// reads Japanese. No page may log a console error but the refusal's expected 403.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type DashboardRig, openDashboardRig, steadyStream } from './harness.ts';

describe('the dashboard in the browser’s language', () => {
  let rig: DashboardRig;
  let partyId: number;

  before(async () => {
    rig = await openDashboardRig({ streamStats: steadyStream() });
    partyId = await rig.startParty('Freitagsfilme');
  });
  after(async () => {
    await rig?.close();
  });

  test('a German browser runs the party in German', async () => {
    const owner = await rig.open(rig.door.people.owner, `/party/${partyId}`, 'mouse', 'de-DE');
    try {
      const { page } = owner;
      await rig.step(page, 'german-party', async () => {
        await page.getByRole('heading', { name: 'Night of the Comet' }).waitFor();
        assert.equal(await page.locator('html').getAttribute('lang'), 'de');
        assert.equal(await page.getByTestId('activity').textContent(), 'Läuft');
        const bar = page.getByRole('slider', { name: 'Position im Film' });
        assert.match((await bar.getAttribute('aria-valuetext')) ?? '', / von 1 Stunde(,| und) 35 Minuten$/);
        await page.getByRole('heading', { name: 'Als Nächstes' }).waitFor();
        await page.getByRole('button', { name: '30 Sekunden zurück' }).waitFor();
        const audio = page.getByRole('combobox', { name: 'Tonspur' }).locator('option:checked');
        assert.match((await audio.textContent()) ?? '', /^Englisch · AAC Stereo/);
        const health = page.getByRole('list', { name: 'Zustand des Streams' });
        await health.getByText('2 Zuschauer', { exact: true }).waitFor();
        await health.getByText('0 Worker-Neustarts', { exact: true }).waitFor();
      });
      await rig.step(page, 'german-pause', async () => {
        await page.getByRole('button', { name: 'Pause' }).click();
        await page.getByRole('button', { name: 'Weiter' }).waitFor();
        assert.equal(await page.getByTestId('activity').textContent(), 'Pausiert');
        assert.equal(await page.getByTestId('message').textContent(), 'Pausiert.');
        await page.getByRole('button', { name: 'Weiter' }).click();
        await page.getByRole('button', { name: 'Pause' }).waitFor();
        assert.equal(await page.getByTestId('message').textContent(), 'Geht weiter.');
      });
      await rig.step(page, 'german-search', async () => {
        await page.getByRole('searchbox', { name: 'Titel eines Films oder einer Serie' }).fill('orbit');
        await page.getByRole('button', { name: 'Suchen' }).click();
        const hits = page.getByRole('list', { name: 'Suchergebnisse' });
        await hits.getByText('Orbit · Serie', { exact: true }).waitFor();
        await hits.getByRole('button', { name: 'Orbit · Serie einreihen' }).waitFor();
      });
      assert.deepEqual(owner.errors, []);
    } finally {
      await owner.close();
    }
  });

  test('a refusal reads as the bot words it in German', async () => {
    const listener = await rig.open(rig.door.people.listener, `/party/${partyId}`, 'mouse', 'de-DE');
    try {
      const { page } = listener;
      await rig.step(page, 'german-refusal', async () => {
        await page.getByRole('button', { name: 'Pause' }).click();
        const message = page.getByTestId('message');
        await message.filter({ hasText: /^Nur der Gastgeber/ }).waitFor();
        assert.equal(
          await message.textContent(),
          'Nur der Gastgeber der Party @alice, die Rolle @DJ und Mitglieder mit „Kanäle verwalten“ dürfen hier pausieren.',
        );
        assert.equal(await page.getByTestId('activity').textContent(), 'Läuft');
      });
      assert.deepEqual(
        listener.errors.map((line) => line.replace(rig.baseUrl, '')),
        [
          `Failed to load resource: the server responded with a status of 403 (Forbidden) (/dashboard/api/parties/${partyId}/control)`,
        ],
      );
    } finally {
      await listener.close();
    }
  });

  test('a Japanese browser reads the party page and the home page in Japanese', async () => {
    const owner = await rig.open(rig.door.people.owner, `/party/${partyId}`, 'mouse', 'ja-JP');
    try {
      const { page } = owner;
      await rig.step(page, 'japanese-party', async () => {
        await page.getByRole('heading', { name: 'Night of the Comet' }).waitFor();
        assert.equal(await page.locator('html').getAttribute('lang'), 'ja');
        assert.equal(await page.getByTestId('activity').textContent(), '再生中');
        await page.getByRole('slider', { name: '再生位置' }).waitFor();
        await page.getByRole('button', { name: '一時停止' }).waitFor();
        await page.getByRole('button', { name: '検索' }).waitFor();
      });
      await rig.step(page, 'japanese-home', async () => {
        await page.getByRole('link', { name: '← パーティー一覧' }).click();
        await page.getByRole('heading', { name: 'ウォッチパーティー' }).waitFor();
        await page.getByText(/ · 再生中$/).waitFor();
      });
      assert.deepEqual(owner.errors, []);
    } finally {
      await owner.close();
    }
  });

  // Last: it ends the party's item.
  test('why an item failed reads in the page’s language, not as the worker said it', async () => {
    const owner = await rig.open(rig.door.people.owner, `/party/${partyId}`, 'mouse', 'de-DE');
    try {
      const { page } = owner;
      await rig.step(page, 'german-failure', async () => {
        await page.getByTestId('activity').filter({ hasText: 'Läuft' }).waitFor();
        rig.door.party.workers.finishItem(String(partyId), 'error', {
          kind: 'media_unreadable',
          error: 'Invalid data found when processing input',
        });
        await page.getByText(/^Diese Datei lässt sich nicht abspielen/).waitFor();
        const text = (await page.locator('main').textContent()) ?? '';
        assert.doesNotMatch(text, /Invalid data|cannot be played|Worker (ready|failed)/);
      });
      assert.deepEqual(owner.errors, []);
    } finally {
      await owner.close();
    }
  });
});
