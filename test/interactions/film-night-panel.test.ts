// The panel's film-night parts, from a real party's details: Skip intro during the intro, the credits
// line with or without the countdown (AUTO_SKIP_CREDITS), Play now; and the queue reply's resume
// buttons' custom ids, refused when tampered with.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { decodeCustomId, encodeCustomId } from '../../src/interactions/custom-id.ts';
import { filmNightButtons, filmNightLine } from '../../src/interactions/film-night-panel.ts';
import { startChoiceRows } from '../../src/interactions/start-choice.ts';
import type { MediaSegment } from '../../src/watchparty/segments.ts';
import {
  createParty,
  createWatchPartyHarness,
  owner,
  type WatchPartyHarness,
  waitForSession,
} from '../support/watch-party.ts';

const segments: MediaSegment[] = [
  { kind: 'intro', startSeconds: 10, endSeconds: 90 },
  { kind: 'credits', startSeconds: 5600, endSeconds: 5700 },
];

describe('film night on the panel', () => {
  let harness: WatchPartyHarness;
  beforeEach(async () => {
    harness = await createWatchPartyHarness({
      filmNight: { segments: { segmentsOf: async () => segments } },
    });
  });
  afterEach(() => harness.cleanup());

  async function at(positionSeconds: number, queueNext = true) {
    const { service, workers } = harness;
    const id = await createParty(service);
    await service.addToQueue(id, { itemId: 'movie-1', startIfIdle: true }, owner);
    if (queueNext) await service.addToQueue(id, { itemId: 'movie-2' }, owner);
    await waitForSession(service, id, (d) => d.session.status === 'playing');
    workers.heartbeat(String(id), positionSeconds);
    await service.settled();
    return service.getSession(id);
  }

  const labels = (details: Awaited<ReturnType<typeof at>>) =>
    filmNightButtons(details, details.playback).map((button) => button.label);

  test('before the intro there is nothing to skip', async () => {
    assert.deepEqual(labels(await at(5)), []);
  });

  test('during the intro: Skip intro, and no credits line', async () => {
    const details = await at(30);
    assert.deepEqual(labels(details), ['Skip intro']);
    assert.equal(filmNightLine(details, details.playback, true), null);
  });

  test('in the credits: the countdown and Play now; without AUTO_SKIP_CREDITS only what is next', async () => {
    const details = await at(5603);
    assert.deepEqual(labels(details), ['Play now']);
    assert.match(
      filmNightLine(details, details.playback, true) ?? '',
      /^🎬 Credits · up next in [67] s: \*\*The Fifth Element\*\*$/,
    );
    assert.equal(
      filmNightLine(details, details.playback, false),
      '🎬 Credits · up next: **The Fifth Element**',
    );
  });

  test('in the credits with nothing queued there is nothing to count down to', async () => {
    const details = await at(5650, false);
    assert.deepEqual(labels(details), []);
    assert.equal(filmNightLine(details, details.playback, true), null);
  });
});

describe('resume buttons of the queue reply', () => {
  test('Start over while it resumes, Resume at once it starts over, none with nothing to resume', () => {
    const label = (rows: ReturnType<typeof startChoiceRows>) =>
      rows.flatMap((row) => row.components.map((b) => b.label));
    assert.deepEqual(label(startChoiceRows(7, 42, 3730, null)), ['Start over']);
    assert.deepEqual(label(startChoiceRows(7, 42, null, 3730)), ['Resume at 1:02:10']);
    assert.deepEqual(label(startChoiceRows(7, 42, null, null)), []);
  });

  test('their custom ids round-trip; a tampered entry id is refused', () => {
    const id = encodeCustomId({ kind: 'entry-start', choice: 'start-over', sessionId: 7, entryId: 42 });
    assert.deepEqual(decodeCustomId(id), {
      kind: 'entry-start',
      choice: 'start-over',
      sessionId: 7,
      entryId: 42,
    });
    assert.equal(decodeCustomId('wp1:resume-at:7:0'), null);
    assert.equal(decodeCustomId('wp1:resume-at:7'), null);
    assert.equal(decodeCustomId('wp1:resume-at:7:4x'), null);
  });
});
