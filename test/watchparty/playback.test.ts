import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { waitFor } from '../../sim/wait-for.ts';
import type { PlaybackReporter } from '../../src/watchparty/media-library.ts';
import { WorkerUnavailableError } from '../../src/watchparty/worker-pool.ts';
import {
  apiActor,
  createParty,
  createWatchPartyHarness,
  member,
  OTHER_VOICE_CHANNEL_ID,
  OWNER_ID,
  owner,
  type WatchPartyHarness,
  waitForSession,
  watchPartyError,
} from '../support/watch-party.ts';

describe('playing a party', () => {
  let harness: WatchPartyHarness;
  beforeEach(async () => {
    harness = await createWatchPartyHarness();
  });
  afterEach(() => harness.cleanup());

  /** A new harness whose playback goes to `reporter`, with movie-1 playing. */
  async function playingWith(reporter: PlaybackReporter) {
    await harness.cleanup();
    harness = await createWatchPartyHarness({ reporter });
    const { service, workers } = harness;
    const id = await createParty(service);
    await service.addToQueue(id, { itemId: 'movie-1', startIfIdle: true }, owner);
    await waitForSession(service, id, (d) => d.session.status === 'playing');
    return { service, workers, id };
  }

  test('the first item queued into an idle party starts it and the worker plays it', async () => {
    const { service, workers } = harness;
    const id = await createParty(service);
    const result = await service.addToQueue(id, { itemId: 'movie-1', startIfIdle: true }, owner);
    assert.equal(result.started, true);
    const details = await waitForSession(service, id, (d) => d.session.status === 'playing');
    assert.equal(details.current?.title, 'Night of the Comet');
    assert.equal(details.current?.requestedByUserId, OWNER_ID);
    assert.equal(details.worker?.playbackState, 'playing');
    assert.deepEqual(
      workers.calls.map((call) => call.method),
      ['open', 'play'],
    );
    const [play] = workers.callsOf('play', String(id));
    assert.equal(play?.request.playback.itemId, 'movie-1');
    assert.equal(play?.request.queueEntryId, details.current?.id);
    assert.deepEqual(details.recentEvents.map((event) => event.type).reverse(), [
      'created',
      'queued',
      'started',
      'playing',
    ]);
  });

  test('a second item queued while playing waits its turn', async () => {
    const { service, workers } = harness;
    const id = await createParty(service);
    await service.addToQueue(id, { itemId: 'movie-1', startIfIdle: true }, owner);
    const second = await service.addToQueue(id, { itemId: 'movie-2', startIfIdle: true }, owner);
    assert.equal(second.started, false);
    assert.equal(workers.callsOf('play').length, 1);
    assert.deepEqual(
      (await service.getSession(id)).upcoming.map((e) => e.itemId),
      ['movie-2'],
    );
  });

  test('pause, resume and seek reach the worker; illegal ones say why', async () => {
    const { service, workers } = harness;
    const id = await createParty(service);
    await service.addToQueue(id, { itemId: 'movie-1', startIfIdle: true }, owner);
    await waitForSession(service, id, (d) => d.session.status === 'playing');

    await assert.rejects(service.resume(id, owner), watchPartyError('conflict', /already playing/));
    await service.pause(id, owner);
    assert.equal((await service.getSession(id)).session.status, 'paused');
    await assert.rejects(service.pause(id, owner), watchPartyError('conflict', /paused; use resume/));
    await service.seek(id, '1:00:00', owner);
    assert.equal((await service.getSession(id)).session.status, 'paused', 'a seek keeps the party paused');
    await service.resume(id, owner);
    await service.seek(id, '+30', owner);

    const controls = workers.callsOf('control', String(id)).map((call) => call.request);
    assert.deepEqual(controls, [
      { action: 'pause' },
      { action: 'seek', positionSeconds: 3600 },
      { action: 'resume' },
      { action: 'seek', positionSeconds: 3630 },
    ]);
    const details = await service.getSession(id);
    assert.equal(details.session.status, 'playing');
    assert.equal(details.worker?.positionSeconds, 3630);
  });

  test('a seek past the end or a malformed time is refused with the length and the formats', async () => {
    const { service, workers } = harness;
    const id = await createParty(service);
    await service.addToQueue(id, { itemId: 'short-1', startIfIdle: true }, owner);
    await waitForSession(service, id, (d) => d.session.status === 'playing');
    await assert.rejects(service.seek(id, '20:00', owner), watchPartyError('bad_request', /is 9:56 long/));
    await assert.rejects(service.seek(id, 'later', owner), watchPartyError('bad_request', /1:23:45/));
    assert.equal(workers.callsOf('control').length, 0);
  });

  test('when an item ends the next one plays; when the queue runs out the party idles and frees the worker', async () => {
    const { service, workers } = harness;
    const id = await createParty(service);
    await service.addToQueue(id, { itemId: 'movie-1', startIfIdle: true }, owner);
    await service.addToQueue(id, { itemId: 'movie-2' }, owner);
    await waitForSession(service, id, (d) => d.session.status === 'playing');

    workers.finishItem(String(id));
    let details = await waitForSession(service, id, (d) => d.current?.itemId === 'movie-2');
    assert.equal(details.session.status, 'playing');
    assert.deepEqual(
      details.history.map((e) => [e.itemId, e.status]),
      [['movie-1', 'played']],
    );

    // The worker can only report on movie-2 once it has been told to play it.
    await waitFor('movie-2 sent to the worker', () => workers.callsOf('play', String(id)).length === 2);
    workers.finishItem(String(id), 'error');
    details = await waitForSession(service, id, (d) => d.session.status === 'queued');
    assert.equal(details.current, null);
    assert.deepEqual(
      details.history.map((e) => [e.itemId, e.status]),
      [
        ['movie-2', 'failed'],
        ['movie-1', 'played'],
      ],
    );
    assert.equal(workers.workers.has(String(id)), false, 'the streaming account is released');
    assert.equal(workers.callsOf('close', String(id)).length, 1);

    // Queueing into the idle party starts it again.
    await service.addToQueue(id, { itemId: 'movie-3', startIfIdle: true }, owner);
    details = await waitForSession(service, id, (d) => d.session.status === 'playing');
    assert.equal(details.current?.itemId, 'movie-3');
  });

  test('a file cut short counts as played, says where it ended, and the next item plays', async () => {
    const { service, workers } = harness;
    const id = await createParty(service);
    await service.addToQueue(id, { itemId: 'movie-1', startIfIdle: true }, owner);
    await service.addToQueue(id, { itemId: 'movie-2' }, owner);
    await waitForSession(service, id, (d) => d.session.status === 'playing');

    workers.heartbeat(String(id), 6.2);
    workers.finishItem(String(id), 'truncated', {
      kind: 'media_ended_early',
      error: 'the file ended early: no media past 6.2 s of its 596.0 s',
    });
    const details = await waitForSession(service, id, (d) => d.current?.itemId === 'movie-2');
    assert.equal(details.session.status, 'playing');
    assert.deepEqual(
      details.history.map((e) => [e.itemId, e.status]),
      [['movie-1', 'played']],
    );
    assert.match(details.worker?.lastError ?? '', /ended early at 0:06/);
  });

  test('skip plays the next item, and with nothing left idles the party', async () => {
    const { service, workers } = harness;
    const id = await createParty(service);
    await service.addToQueue(id, { itemId: 'movie-1', startIfIdle: true }, owner);
    await service.addToQueue(id, { itemId: 'movie-2' }, owner);
    await waitForSession(service, id, (d) => d.session.status === 'playing');
    await service.skip(id, owner);
    let details = await waitForSession(service, id, (d) => d.session.status === 'playing');
    assert.equal(details.current?.itemId, 'movie-2');
    assert.deepEqual(
      details.history.map((e) => [e.itemId, e.status]),
      [['movie-1', 'skipped']],
    );
    await service.skip(id, owner);
    details = await service.getSession(id);
    assert.equal(details.session.status, 'queued');
    assert.equal(workers.workers.size, 0);
    await assert.rejects(service.skip(id, owner), watchPartyError('conflict', /Nothing is playing/));
  });

  test('stop closes the worker and ends the party for good', async () => {
    const { service, workers } = harness;
    const id = await createParty(service);
    await service.addToQueue(id, { itemId: 'movie-1', startIfIdle: true }, owner);
    await waitForSession(service, id, (d) => d.session.status === 'playing');
    await service.stop(id, owner);
    const details = await service.getSession(id);
    assert.equal(details.session.status, 'stopped');
    assert.deepEqual(
      details.history.map((e) => e.status),
      ['skipped'],
    );
    assert.equal(workers.workers.size, 0);
    await assert.rejects(
      service.addToQueue(id, { itemId: 'movie-2' }, owner),
      watchPartyError('conflict', /stopped/),
    );
    // The voice channel is free for a new party.
    assert.notEqual(await createParty(service), id);
  });

  test('a worker that dies puts the party in error; start retries the same item from where it was', async () => {
    const { service, workers } = harness;
    const id = await createParty(service);
    await service.addToQueue(id, { itemId: 'movie-1', startIfIdle: true }, owner);
    await waitForSession(service, id, (d) => d.session.status === 'playing');
    workers.heartbeat(String(id), 1234);
    await waitForSession(service, id, (d) => d.worker?.positionSeconds === 1234);

    workers.emit(String(id), {
      type: 'worker-restarting',
      attempt: 1,
      reason: 'missed heartbeats',
      positionSeconds: 1234,
    });
    const restarting = await waitForSession(service, id, (d) => d.worker?.workerStatus === 'restarting');
    assert.equal(restarting.session.status, 'playing', 'the pool restarts the worker; the party plays on');
    assert.equal(restarting.recentEvents[0]?.type, 'worker-restarting');

    workers.crash(String(id), 'the worker process exited with code 1');
    let details = await waitForSession(service, id, (d) => d.session.status === 'error');
    // Members read what happened and what to do; the exit reason is the operator's (logs).
    assert.equal(
      details.worker?.lastError,
      'The stream kept crashing, so the party stopped. Use `/watchparty start` to try again.',
    );
    await assert.rejects(service.pause(id, owner), watchPartyError('conflict', /start to try again/));

    await service.start(id, owner);
    details = await waitForSession(service, id, (d) => d.session.status === 'playing');
    assert.equal(details.current?.itemId, 'movie-1');
    const plays = workers.callsOf('play', String(id));
    assert.equal(plays.at(-1)?.request.startPositionSeconds, 1234);
  });

  test("a restarted worker's first report (idle, no item, 0 s) keeps the position; a retry resumes there", async () => {
    const { service, workers } = harness;
    const id = await createParty(service);
    await service.addToQueue(id, { itemId: 'movie-1', startIfIdle: true }, owner);
    await waitForSession(service, id, (d) => d.session.status === 'playing');
    workers.heartbeat(String(id), 1234);
    workers.emit(String(id), {
      type: 'worker-restarting',
      attempt: 1,
      reason: 'missed heartbeats',
      positionSeconds: 1234,
    });
    workers.emit(String(id), {
      type: 'state',
      status: {
        workerStatus: 'ready',
        playbackState: 'idle',
        currentTitle: null,
        positionSeconds: 0,
        durationSeconds: null,
        lastError: null,
        queueEntryId: null,
      },
    });
    await service.settled();
    const details = await service.getSession(id);
    assert.equal(details.worker?.positionSeconds, 1234);
    assert.equal(details.worker?.playbackState, 'reconnecting');
    assert.equal(details.current?.itemId, 'movie-1');

    // The second crash gives up on the worker; start resumes the film where it was, not at 0.
    workers.crash(String(id));
    await waitForSession(service, id, (d) => d.session.status === 'error');
    await service.start(id, owner);
    await waitForSession(service, id, (d) => d.session.status === 'playing');
    assert.equal(workers.callsOf('play', String(id)).at(-1)?.request.startPositionSeconds, 1234);
  });

  test('a retry after a Jellyfin outage plays the entry the party failed on, from its own start', async () => {
    const { service, workers, media } = harness;
    media.addMovie('film', 'Long Film', 600);
    media.addMovie('short', 'Short Film', 10);
    const id = await createParty(service);
    await service.addToQueue(id, { itemId: 'film', startIfIdle: true }, owner);
    await service.addToQueue(id, { itemId: 'short' }, owner);
    await waitForSession(service, id, (d) => d.session.status === 'playing');

    media.down = true;
    await service.seek(id, '1:00', owner);
    // The worker cannot fetch the film from 1:00; the next item cannot even be looked up.
    workers.finishItem(String(id), 'error');
    await waitForSession(service, id, (d) => d.session.status === 'error');
    // The worker's report after its item ended names no entry; it is not the short film's position.
    workers.emit(String(id), {
      type: 'state',
      status: {
        workerStatus: 'ready',
        playbackState: 'error',
        currentTitle: null,
        positionSeconds: 60,
        durationSeconds: null,
        lastError: null,
        queueEntryId: null,
      },
    });
    await service.settled();

    media.down = false;
    await service.start(id, owner);
    const details = await waitForSession(service, id, (d) => d.session.status === 'playing');
    assert.equal(details.current?.itemId, 'short');
    assert.equal(details.worker?.positionSeconds, 0);
    const retried = workers.callsOf('play', String(id)).at(-1)?.request;
    assert.equal(retried?.jellyfinSourceId, 'short');
    assert.equal(retried?.startPositionSeconds, undefined, 'the short film starts from its beginning');
    assert.deepEqual(
      details.history.map((entry) => [entry.itemId, entry.status]),
      [['film', 'failed']],
    );
  });

  test('a full streaming-account pool leaves the item queued and says why', async () => {
    const { service, workers } = harness;
    workers.capacity = 0;
    const id = await createParty(service);
    const result = await service.addToQueue(id, { itemId: 'movie-1', startIfIdle: true }, owner);
    assert.equal(result.started, false);
    assert.equal(result.startError?.code, 'unavailable');
    assert.match(
      result.startError?.message ?? '',
      /Every streaming account is busy with another watch party/,
    );
    assert.doesNotMatch(
      result.startError?.message ?? '',
      /STREAMER_TOKENS/,
      'setting names are for operators',
    );
    assert.match(result.startError?.detail ?? '', /STREAMER_TOKENS/);
    const details = await service.getSession(id);
    assert.equal(details.session.status, 'error');
    assert.equal(details.current?.itemId, 'movie-1');

    workers.capacity = 1;
    await service.start(id, owner);
    await waitForSession(service, id, (d) => d.session.status === 'playing');
  });

  test('an unreachable worker on pause is an unavailable error and changes nothing', async () => {
    const { service, workers } = harness;
    const id = await createParty(service);
    await service.addToQueue(id, { itemId: 'movie-1', startIfIdle: true }, owner);
    await waitForSession(service, id, (d) => d.session.status === 'playing');
    workers.failNext.control = new WorkerUnavailableError('The stream worker is not answering.');
    const refused = await service.pause(id, owner).then(
      () => assert.fail('pause should be refused'),
      (error: unknown) => error,
    );
    assert.ok(
      watchPartyError('unavailable', /^The video stream is not responding\. Try again in a moment/)(refused),
    );
    assert.equal(
      (refused as { detail: unknown }).detail,
      'The stream worker is not answering.',
      'for the log',
    );
    assert.equal((await service.getSession(id)).session.status, 'playing');
  });

  test('a bot restart picks live parties up again where they were', async () => {
    const { workers } = harness;
    const service = harness.service;
    const playingId = await createParty(service, 'playing party');
    await service.addToQueue(playingId, { itemId: 'movie-1', startIfIdle: true }, owner);
    await waitForSession(service, playingId, (d) => d.session.status === 'playing');
    workers.heartbeat(String(playingId), 600);
    await waitForSession(service, playingId, (d) => d.worker?.positionSeconds === 600);

    const pausedParty = await service.createSession(
      {
        guildId: '100000000000000001',
        voiceChannelId: OTHER_VOICE_CHANNEL_ID,
        textChannelId: '300000000000000001',
        ownerUserId: OWNER_ID,
      },
      apiActor,
    );
    await service.addToQueue(pausedParty.id, { itemId: 'movie-2', startIfIdle: true }, apiActor);
    await waitForSession(service, pausedParty.id, (d) => d.session.status === 'playing');
    workers.heartbeat(String(pausedParty.id), 90);
    await waitForSession(service, pausedParty.id, (d) => d.worker?.positionSeconds === 90);
    await service.pause(pausedParty.id, apiActor);

    const restarted = await harness.restart();
    assert.equal(workers.workers.size, 0);
    const resumed = await restarted.resumeLiveSessions();
    assert.deepEqual(resumed.sort(), [playingId, pausedParty.id].sort());

    const playing = await waitForSession(restarted, playingId, (d) => d.session.status === 'playing');
    assert.equal(playing.current?.itemId, 'movie-1');
    assert.equal(workers.callsOf('play', String(playingId)).at(-1)?.request.startPositionSeconds, 600);

    await restarted.settled();
    const paused = await restarted.getSession(pausedParty.id);
    assert.equal(paused.session.status, 'paused');
    assert.equal(paused.worker?.playbackState, 'paused');
    assert.equal(workers.workers.get(String(pausedParty.id))?.playbackState, 'paused');
    assert.equal(workers.callsOf('play', String(pausedParty.id)).at(-1)?.request.startPositionSeconds, 90);
    await restarted.resume(pausedParty.id, apiActor);
  });

  test('reporter failures never break playback, and the reporter hears start and stop', async () => {
    const heard: string[] = [];
    const reporter: PlaybackReporter = {
      async started(_session, itemId) {
        heard.push(`started ${itemId}`);
        throw new Error('Jellyfin is down');
      },
      async progress() {
        throw new Error('Jellyfin is down');
      },
      async stopped(_session, itemId) {
        heard.push(`stopped ${itemId}`);
        throw new Error('Jellyfin is down');
      },
    };
    const { service, workers, id } = await playingWith(reporter);
    workers.heartbeat(String(id), 30);
    await waitForSession(service, id, (d) => d.worker?.positionSeconds === 30);
    await service.stop(id, owner);
    assert.deepEqual(heard, ['started movie-1', 'stopped movie-1']);
  });

  test('a seek, a pause and a resume reach the media server at once, with the new position', async () => {
    const heard: Array<{ positionSeconds: number; paused: boolean }> = [];
    const reporter: PlaybackReporter = {
      async started() {},
      async progress(_session, _itemId, positionSeconds, paused) {
        heard.push({ positionSeconds, paused });
      },
      async stopped() {},
    };
    const { service, workers, id } = await playingWith(reporter);
    workers.heartbeat(String(id), 9.8);
    await waitFor('the heartbeat reported', () => heard.length === 1);
    await service.seek(id, '1:00:00', owner);
    await waitFor('the seek reported', () => heard.length === 2);
    await service.pause(id, owner);
    await waitFor('the pause reported', () => heard.length === 3);
    await service.resume(id, owner);
    await waitFor('the resume reported', () => heard.length === 4);
    assert.deepEqual(
      heard.slice(1).map(({ positionSeconds, paused }) => [Math.floor(positionSeconds), paused]),
      [
        [3600, false],
        [3600, true],
        [3600, false],
      ],
    );
  });
});

describe('who may do what, through the service', () => {
  let harness: WatchPartyHarness;
  beforeEach(async () => {
    harness = await createWatchPartyHarness();
  });
  afterEach(() => harness.cleanup());

  test('a listener without rights may queue but not skip, and is told who can', async () => {
    const { service, workers } = harness;
    const id = await createParty(service);
    const listener = member('600000000000000001');
    await service.addToQueue(id, { itemId: 'movie-1', startIfIdle: true }, listener);
    await waitForSession(service, id, (d) => d.session.status === 'playing');
    await assert.rejects(service.skip(id, listener), watchPartyError('forbidden', /Only the party's owner/));
    await assert.rejects(service.stop(id, listener), watchPartyError('forbidden', /Manage Channels/));
    await assert.rejects(service.clearQueue(id, listener), watchPartyError('forbidden', /owner/));
    assert.equal((await service.getSession(id)).session.status, 'playing');
    assert.equal(workers.callsOf('control').length, 0);
  });

  test('someone outside the voice channel can neither queue nor control, even the owner', async () => {
    const { service } = harness;
    const id = await createParty(service);
    await service.addToQueue(id, { itemId: 'movie-1' }, owner);
    const outsider = member('600000000000000002', { voiceChannelId: OTHER_VOICE_CHANNEL_ID });
    await assert.rejects(
      service.addToQueue(id, { itemId: 'movie-2' }, outsider),
      watchPartyError('forbidden', /Join/),
    );
    const ownerOutside = member(OWNER_ID, { voiceChannelId: null });
    await assert.rejects(service.removeFromQueue(id, 1, ownerOutside), watchPartyError('forbidden', /Join/));
    assert.equal((await service.getSession(id)).upcoming.length, 1);
  });

  test("the caller's party is the one in their voice channel, else the only one in the server", async () => {
    const { service } = harness;
    await assert.rejects(
      service.findCallersParty({ guildId: '100000000000000001', voiceChannelId: null }),
      watchPartyError('not_found', /No watch party/),
    );
    const id = await createParty(service);
    assert.equal(
      (await service.findCallersParty({ guildId: '100000000000000001', voiceChannelId: null })).id,
      id,
    );
    assert.equal(
      (
        await service.findCallersParty({
          guildId: '100000000000000001',
          voiceChannelId: OTHER_VOICE_CHANNEL_ID,
        })
      ).id,
      id,
    );
  });
});
