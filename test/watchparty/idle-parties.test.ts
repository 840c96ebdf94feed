// Idle parties in the domain, with a voice audience the test controls: the settings that turn a step
// off, a count that starts over when the bot does, and a join that races the timer.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { waitFor } from '../../sim/wait-for.ts';
import { idleNotice } from '../../src/watchparty/idle-notice.ts';
import { IdleParties, type IdlePartiesOptions } from '../../src/watchparty/idle-parties.ts';
import type {
  VoiceAudience,
  VoiceAudienceChange,
  VoiceChannelRef,
  VoiceListener,
} from '../../src/watchparty/voice-audience.ts';
import { ManualTimers } from '../support/manual-timers.ts';
import {
  createParty,
  createWatchPartyHarness,
  owner,
  type WatchPartyHarness,
} from '../support/watch-party.ts';

/** One voice channel's people, set by the test; every change is told to subscribers. */
class ScriptedAudience implements VoiceAudience {
  readonly #present = new Map<string, VoiceListener[]>();
  readonly #subscribers = new Set<VoiceAudienceChange>();
  /** Answers listeners() without telling anyone: a join the gateway has not delivered yet. */
  silentlyPresent: VoiceListener[] | null = null;

  listeners({ voiceChannelId }: VoiceChannelRef): VoiceListener[] {
    return this.silentlyPresent ?? this.#present.get(voiceChannelId) ?? [];
  }

  subscribe(onChange: VoiceAudienceChange): () => void {
    this.#subscribers.add(onChange);
    return () => this.#subscribers.delete(onChange);
  }

  set(channel: VoiceChannelRef, people: VoiceListener[]): void {
    this.#present.set(channel.voiceChannelId, people);
    for (const onChange of this.#subscribers) onChange(channel);
  }
}

describe('idle parties', () => {
  let harness: WatchPartyHarness;
  let timers: ManualTimers;
  let audience: ScriptedAudience;
  let running: IdleParties[];

  beforeEach(async () => {
    harness = await createWatchPartyHarness();
    timers = new ManualTimers();
    audience = new ScriptedAudience();
    running = [];
  });
  afterEach(async () => {
    for (const parties of running) parties.stop();
    await harness.cleanup();
  });

  async function idleParties(settings: Pick<IdlePartiesOptions, 'pauseAfterMinutes' | 'stopAfterMinutes'>) {
    const parties = new IdleParties({
      service: harness.service,
      audience,
      logger: harness.logger,
      schedule: timers.schedule,
      ...settings,
    });
    running.push(parties);
    await parties.start();
    await parties.settled();
    return parties;
  }

  async function playingParty(): Promise<number> {
    const sessionId = await createParty(harness.service);
    await harness.service.addToQueue(sessionId, { itemId: 'movie-1', startIfIdle: true }, owner);
    return sessionId;
  }

  async function minutesPass(parties: IdleParties, minutes: number) {
    timers.advanceMinutes(minutes);
    await parties.settled();
    await harness.service.settled();
  }

  const status = async (sessionId: number) => (await harness.service.getSession(sessionId)).session.status;

  test('IDLE_PAUSE_MINUTES=0 never pauses: the party plays on until the stop, which says how long it waited', async () => {
    const sessionId = await playingParty();
    const parties = await idleParties({ pauseAfterMinutes: 0, stopAfterMinutes: 10 });
    await minutesPass(parties, 9);
    assert.equal(await status(sessionId), 'playing');
    await minutesPass(parties, 1);
    const details = await harness.service.getSession(sessionId);
    assert.equal(details.session.status, 'stopped');
    assert.deepEqual(idleNotice(details), { kind: 'stopped', emptyMinutes: 10 });
    assert.equal(harness.workers.workers.size, 0);
  });

  test('a pause that would come at or after the stop is left out; IDLE_STOP_MINUTES=0 never stops', async () => {
    const sessionId = await playingParty();
    const parties = await idleParties({ pauseAfterMinutes: 10, stopAfterMinutes: 10 });
    await minutesPass(parties, 10);
    assert.equal(await status(sessionId), 'stopped');
    parties.stop();

    const next = await playingParty();
    const pausing = await idleParties({ pauseAfterMinutes: 5, stopAfterMinutes: 0 });
    await minutesPass(pausing, 24 * 60);
    const details = await harness.service.getSession(next);
    assert.equal(details.session.status, 'paused');
    assert.deepEqual(idleNotice(details), { kind: 'paused' });
  });

  test('after a restart the count starts again from the restart, for parties already streaming', async () => {
    const sessionId = await playingParty();
    const before = await idleParties({ pauseAfterMinutes: 5, stopAfterMinutes: 30 });
    await minutesPass(before, 4);
    before.stop();
    const after = await idleParties({ pauseAfterMinutes: 5, stopAfterMinutes: 30 });
    await minutesPass(after, 4);
    assert.equal(await status(sessionId), 'playing');
    await minutesPass(after, 1);
    assert.equal(await status(sessionId), 'paused');
  });

  test('a person already back when the timer fires keeps the party playing, and the next empty channel counts anew', async () => {
    const sessionId = await playingParty();
    const parties = await idleParties({ pauseAfterMinutes: 5, stopAfterMinutes: 30 });
    audience.silentlyPresent = [{ userId: '400000000000000009', displayName: 'erin' }];
    await minutesPass(parties, 30);
    assert.equal(await status(sessionId), 'playing');

    // That count is over: when the channel empties again, a new one starts from then.
    audience.silentlyPresent = null;
    audience.set((await harness.service.getSession(sessionId)).session, []);
    await waitFor('a new idle count', () => timers.pendingCount === 2);
    await minutesPass(parties, 4);
    assert.equal(await status(sessionId), 'playing');
    await minutesPass(parties, 1);
    assert.equal(await status(sessionId), 'paused');
  });

  test('a pause by a person is not read as an idle pause', async () => {
    const sessionId = await playingParty();
    const session = await harness.service.getSession(sessionId);
    audience.set(session.session, [{ userId: owner.userId, displayName: 'alice' }]);
    await harness.service.pause(sessionId, owner);
    assert.equal(idleNotice(await harness.service.getSession(sessionId)), null);
  });
});
