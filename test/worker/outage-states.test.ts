// What a worker reports when viewers stop getting the picture: a source that stalls (the Jellyfin
// simulator answering slowly after a seek) makes it `buffering` and then `playing` again; a stream
// that reconnects makes it `reconnecting`, with the film held so viewers resume where it stopped.
// Real ffmpeg, the real proxy, the simulator's media; frames are captured.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultTitles } from '../../sim/jellyfin/library.ts';
import { type JellyfinSim, startJellyfinSim } from '../../sim/jellyfin/server.ts';
import { waitFor } from '../../sim/wait-for.ts';
import { createLogger } from '../../src/logger.ts';
import type { CaptureSink } from '../../src/worker/capture-sink.ts';
import type { SourceProxy } from '../../src/worker/media/source-proxy.ts';
import { streamEncoding } from '../../src/worker/media/stream-encoding.ts';
import type { WorkerSession } from '../../src/worker/worker-session.ts';
import type { SessionStatusResponse, WorkerEvent } from '../../src/worker-contract/http.ts';
import { openCaptureSession, playRequest, startSourceProxy } from './support/media-fixtures.ts';

const logger = createLogger({ level: 'silent', pretty: false });

let sim: JellyfinSim;
let proxy: SourceProxy;
let streamUrl: string;
let durationSeconds: number;

before(async () => {
  sim = await startJellyfinSim();
  const film = sim.library.byName(defaultTitles.basic);
  await sim.mediaFile(film.id);
  durationSeconds = film.runtimeSeconds ?? 10;
  streamUrl = `${sim.url}/Videos/${film.id}/stream?static=true`;
  proxy = await startSourceProxy(sim);
});

after(async () => {
  await proxy?.close();
  await sim?.stop();
});

interface Harness {
  session: WorkerSession;
  sink: CaptureSink;
  /** Every state the session reported, in order. */
  states: SessionStatusResponse[];
  /** The first state reported after `from` (an index into `states`) that has this playback state. */
  stateAfter(
    from: number,
    playbackState: SessionStatusResponse['playbackState'],
  ): Promise<SessionStatusResponse>;
}

async function playFilm(): Promise<Harness> {
  const { session, sink } = await openCaptureSession({ proxy, encoding: streamEncoding('720p30') }, logger);
  const states: SessionStatusResponse[] = [];
  session.subscribe((event: WorkerEvent) => {
    if (event.type === 'state') states.push(event.status);
  });
  session.play(playRequest(streamUrl, { durationSeconds }));
  const harness: Harness = {
    session,
    sink,
    states,
    stateAfter: (from, playbackState) =>
      waitFor(`the worker to report ${playbackState}`, () =>
        states.slice(from).find((status) => status.playbackState === playbackState),
      ),
  };
  await harness.stateAfter(0, 'playing');
  return harness;
}

describe('a worker reports outages as states', { timeout: 60_000 }, () => {
  test('a seek the media server answers slowly: buffering at the held position, then playing', async () => {
    const { session, sink, states, stateAfter } = await playFilm();
    try {
      await waitFor('a second of the film', () => session.status().positionSeconds >= 1);
      // The new ffmpeg's first request waits 4 s, far longer than the checks below take.
      const slow = sim.faults.set({ path: '/Videos/', latencyMs: 4_000 });
      const before = states.length;
      session.control({ action: 'seek', positionSeconds: 5 });

      const buffering = await stateAfter(before, 'buffering');
      assert.equal(buffering.positionSeconds, 5, 'the position is the seek target, not beyond');
      const framesWhileWaiting = sink.frames.length;
      await sleep(500);
      assert.equal(session.status().playbackState, 'buffering');
      assert.equal(session.status().positionSeconds, 5, 'the position holds while nothing is shown');
      assert.equal(sink.frames.length, framesWhileWaiting, 'nothing was sent while buffering');
      slow();

      const playing = await stateAfter(states.indexOf(buffering), 'playing');
      assert.ok(playing.positionSeconds >= 5, `playing again from ${playing.positionSeconds} s`);
      await waitFor('frames after the stall', () => sink.frames.length > framesWhileWaiting + 10);
    } finally {
      await session.close('test over');
    }
  });

  test('a stream reconnect: reconnecting with the film held, then playing from where it stopped', async () => {
    const { session, sink, states, stateAfter } = await playFilm();
    try {
      await waitFor('a second of the film', () => session.status().positionSeconds >= 1);
      const before = states.length;
      sink.interrupt(true);
      const reconnecting = await stateAfter(before, 'reconnecting');
      const heldAt = reconnecting.positionSeconds;
      const framesAtDrop = sink.frames.length;
      assert.equal(sink.pauses.at(-1)?.paused, true, 'viewers are told the stream is paused');

      await sleep(700);
      assert.equal(session.status().playbackState, 'reconnecting');
      assert.equal(session.status().positionSeconds, heldAt, 'the film does not run on unseen');
      assert.equal(sink.frames.length, framesAtDrop, 'nothing is sent into a dropped stream');

      // A member pausing meanwhile wins over the outage; the film stays held until both are over.
      session.control({ action: 'pause' });
      sink.interrupt(false);
      assert.equal(session.status().playbackState, 'paused');
      session.control({ action: 'resume' });

      await stateAfter(states.indexOf(reconnecting), 'playing');
      await waitFor('frames after the reconnect', () => sink.frames.length > framesAtDrop + 10);
      const resumedAt = session.status().positionSeconds;
      assert.ok(
        resumedAt >= heldAt && resumedAt < heldAt + 1.5,
        `resumed at ${resumedAt} s after holding at ${heldAt} s`,
      );
    } finally {
      await session.close('test over');
    }
  });
});
