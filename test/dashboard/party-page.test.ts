// A party run from the web page in a real Chromium, next to the same party in Discord: log in with
// Discord, see the party, pause from the page and see Discord's panel change, queue in Discord and
// see the page follow, reorder and search-and-queue from the page, and be refused as a member
// without control, in the words Discord uses. No page may log a console error.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { embedText } from '../discord/harness.ts';
import { type DashboardRig, type MemberPage, openDashboardRig, steadyStream } from './harness.ts';

describe('the dashboard in a browser', () => {
  let rig: DashboardRig;
  let partyId: number;
  let owner: MemberPage;

  before(async () => {
    rig = await openDashboardRig({ streamStats: steadyStream() });
    partyId = await rig.startParty('Friday films');
  });
  after(async () => {
    await owner?.close();
    await rig?.close();
  });

  test('a member logs in with Discord and sees the party playing', async () => {
    owner = await rig.open(rig.door.people.owner, `/party/${partyId}`);
    const { page } = owner;
    await rig.step(page, 'see-party', async () => {
      await page.getByRole('heading', { name: 'Friday films' }).waitFor();
      await page.getByRole('heading', { name: 'Night of the Comet' }).waitFor();
      assert.equal(await page.getByTestId('activity').textContent(), 'Playing');
      assert.ok(await page.getByRole('slider', { name: 'Position in the film' }).isEnabled());
    });
    await rig.step(page, 'stream-health', async () => {
      const health = page.getByRole('list', { name: 'Stream health' });
      await health.waitFor();
      const lines = await health.getByRole('listitem').allTextContents();
      assert.match(lines[0] ?? '', /^\d+ fps$/);
      assert.match(lines[1] ?? '', /^\d+ kbit\/s$/);
      assert.deepEqual(lines.slice(2), [
        'DAVE epoch 3',
        '2 viewers',
        '0 worker restarts',
        '0 stream reconnects',
        'passed through',
      ]);
    });
  });

  test("stream health counts the party's worker restarts, apart from the stream's reconnects", async () => {
    const { page } = owner;
    const { workers } = rig.door.party;
    await rig.step(page, 'worker-restart', async () => {
      // The supervisor's report when the worker process dies and a new one takes over.
      workers.emit(String(partyId), {
        type: 'worker-restarting',
        attempt: 1,
        reason: 'the worker process exited with code 137',
        positionSeconds: 12,
      });
      await page.getByTestId('activity').filter({ hasText: 'Reconnecting' }).waitFor();
      // The new worker plays on: the stream's figures are back, with the restart counted.
      workers.reportPlaying(String(partyId));
      const health = page.getByRole('list', { name: 'Stream health' });
      await health.getByText('1 worker restart', { exact: true }).waitFor();
      await health.getByText('0 stream reconnects', { exact: true }).waitFor();
    });
  });

  test('the position bar seeks, from the keyboard too', async () => {
    const { page } = owner;
    const { workers } = rig.door.party;
    await rig.step(page, 'seek-bar', async () => {
      const bar = page.getByRole('slider', { name: 'Position in the film' });
      await bar.press('End');
      await page.getByTestId('message').filter({ hasText: 'Jumped.' }).waitFor();
      await bar.press('Home');
      await page.getByText('0:00 / 1:35:00').waitFor();
    });
    const seeks = workers.callsOf('control', String(partyId)).map((call) => call.request);
    assert.deepEqual(seeks.slice(-2), [
      { action: 'seek', positionSeconds: 5699 },
      { action: 'seek', positionSeconds: 0 },
    ]);
  });

  test("pausing on the page pauses the party, and Discord's panel says so", async () => {
    const { page } = owner;
    await rig.step(page, 'pause', async () => {
      await page.getByRole('button', { name: 'Pause' }).click();
      await page.getByRole('button', { name: 'Resume' }).waitFor();
      assert.equal(await page.getByTestId('activity').textContent(), 'Paused');
    });
    const panel = await rig.door.panel((message) => /Paused/.test(embedText(message)));
    assert.match(embedText(panel), /Night of the Comet/);
    await rig.step(page, 'resume', async () => {
      await page.getByRole('button', { name: 'Resume' }).click();
      await page.getByRole('button', { name: 'Pause' }).waitFor();
    });
  });

  test('/watchparty queue in Discord shows on the page without a reload', async () => {
    const { sim, people } = rig.door;
    const { page } = owner;
    await sim.interactions
      .command({ user: people.listener }, 'watchparty', 'queue', { media: 'movie-2' })
      .reply();
    await sim.interactions
      .command({ user: people.listener }, 'watchparty', 'queue', { media: 'movie-3' })
      .reply();
    await rig.step(page, 'queue-from-discord', async () => {
      const items = page.getByTestId('queue-item');
      await items.nth(1).waitFor();
      assert.deepEqual(await items.locator('.title').allTextContents(), [
        'The Fifth Element (1997)',
        'Arrival (2016)',
      ]);
    });
  });

  test('the queue is reordered from the page (a button, a drag), and searched and added to', async () => {
    const { page } = owner;
    await rig.step(page, 'reorder', async () => {
      await page.getByRole('button', { name: 'Play Arrival next' }).click();
      await page.getByTestId('queue-item').first().getByText('Arrival (2016)').waitFor();
    });
    const upcoming = (await rig.door.party.service.getSession(partyId)).upcoming.map((entry) => entry.title);
    assert.deepEqual(upcoming, ['Arrival', 'The Fifth Element']);

    await rig.step(page, 'drag-to-reorder', async () => {
      const items = page.getByTestId('queue-item');
      await items.nth(1).getByTestId('drag-grip').dragTo(items.nth(0));
      await items.first().getByText('The Fifth Element (1997)').waitFor();
    });
    const dragged = (await rig.door.party.service.getSession(partyId)).upcoming.map((entry) => entry.title);
    assert.deepEqual(dragged, ['The Fifth Element', 'Arrival']);

    await rig.step(page, 'search-and-queue', async () => {
      await page.getByRole('searchbox').fill('bunny');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('button', { name: 'Queue Big Buck Bunny (2008)' }).click();
      await page.getByTestId('queue-item').nth(2).getByText('Big Buck Bunny (2008)').waitFor();
    });
  });

  test('on a touch screen, a finger drags an item by its grip to its new place', async () => {
    const phone = await rig.open(rig.door.people.owner, `/party/${partyId}`, 'touch');
    try {
      const { page } = phone;
      const before = (await rig.door.party.service.getSession(partyId)).upcoming.map((entry) => entry.title);
      assert.deepEqual(before, ['The Fifth Element', 'Arrival', 'Big Buck Bunny']);
      await rig.step(page, 'touch-drag', async () => {
        const items = page.getByTestId('queue-item');
        await items.nth(2).getByText('Big Buck Bunny (2008)').waitFor();
        await page.getByRole('list', { name: 'Up next' }).scrollIntoViewIfNeeded();
        const grip = (await items.nth(2).getByTestId('drag-grip').boundingBox())!;
        const target = (await items.nth(0).boundingBox())!;
        const start = { x: grip.x + grip.width / 2, y: grip.y + grip.height / 2 };
        const end = { x: start.x, y: target.y + target.height / 2 };
        // Real touch input through Chromium's input pipeline: the page sees pointerType "touch".
        const cdp = await page.context().newCDPSession(page);
        const touch = (type: 'touchStart' | 'touchMove' | 'touchEnd', point?: { x: number; y: number }) =>
          cdp.send('Input.dispatchTouchEvent', { type, touchPoints: point ? [point] : [] });
        await touch('touchStart', start);
        for (let step = 1; step <= 8; step++)
          await touch('touchMove', { x: start.x, y: start.y + ((end.y - start.y) * step) / 8 });
        await touch('touchEnd');
        await items.first().getByText('Big Buck Bunny (2008)').waitFor();
      });
      const after = (await rig.door.party.service.getSession(partyId)).upcoming.map((entry) => entry.title);
      assert.deepEqual(after, ['Big Buck Bunny', 'The Fifth Element', 'Arrival']);
      assert.deepEqual(phone.errors, []);
    } finally {
      await phone.close();
    }
  });

  test('a member without control is refused in the words Discord uses, and nothing changes', async () => {
    const listener = await rig.open(rig.door.people.listener, `/party/${partyId}`);
    try {
      const { page } = listener;
      await rig.step(page, 'refused', async () => {
        await page.getByRole('button', { name: 'Pause' }).click();
        const message = page.getByTestId('message');
        await message.filter({ hasText: /^Only the party's owner/ }).waitFor();
        assert.equal(
          await message.textContent(),
          "Only the party's owner @alice, the @DJ role or members with Manage Channels can pause in this party.",
        );
        assert.equal(await page.getByTestId('activity').textContent(), 'Playing');
      });
      assert.equal((await rig.door.party.service.getSession(partyId)).session.status, 'playing');
      // Chromium logs every 4xx answer; the refusal's 403 is the only line, and it is expected.
      assert.deepEqual(
        listener.errors.map((line) => line.replace(rig.baseUrl, '')),
        [
          'Failed to load resource: the server responded with a status of 403 (Forbidden) (/dashboard/api/parties/1/control)',
        ],
      );
    } finally {
      await listener.close();
    }
  });

  test('the audio and subtitles are switched from the page where the film is', async () => {
    const { page } = owner;
    await rig.step(page, 'tracks', async () => {
      await page.getByLabel('Audio').selectOption('2');
      await page.getByTestId('message').filter({ hasText: 'Audio switched.' }).waitFor();
      await page.getByLabel('Subtitles').selectOption('off');
      await page.getByTestId('message').filter({ hasText: 'Subtitles switched.' }).waitFor();
    });
    const { current } = await rig.door.party.service.getSession(partyId);
    assert.equal(current?.audioStreamIndex, 2);
    assert.equal(current?.subtitleStreamIndex, -1);
    assert.equal(await page.getByLabel('Audio').inputValue(), '2');
  });

  test('no page logged a console error', () => {
    assert.deepEqual(owner.errors, []);
  });
});
