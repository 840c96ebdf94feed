// The Go Live stall watchdog on a stepped clock: when a stream that should be sending is taken for
// stalled, and the moments (pauses, gaps, reconnects, a streamer alone in DAVE) that are no stall.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StallWatchdog, type StreamReading } from '../../../src/worker/golive/stall-watchdog.ts';

const timings = { intervalMs: 100, stallMs: 1_000, daveStallMs: 3_000 };
const FRAMES_STOPPED_LEAVING = /^watchdog: frames offered but none left for \d+ s$/;
const DAVE_NEVER_READY = 'watchdog: viewers present but the DAVE group never became ready';

/** Drives a watchdog tick by tick; `reading` says what the session would see at each tick. */
function run(
  watchdog: StallWatchdog,
  fromMs: number,
  toMs: number,
  reading: (now: number) => Partial<StreamReading>,
): { at: number; reason: string }[] {
  const stalls: { at: number; reason: string }[] = [];
  for (let now = fromMs; now <= toMs; now += timings.intervalMs) {
    const reason = watchdog.check(now, { ...healthy(now), ...reading(now) });
    if (reason) stalls.push({ at: now, reason });
  }
  return stalls;
}

const stream = { name: 'stream connection 1' };

/** Frames offered and leaving right now. */
function healthy(now: number): StreamReading {
  return { stream, resting: false, daveWaiting: false, viewers: 1, lastOfferedAt: now, lastSentAt: now };
}

describe('StallWatchdog', () => {
  test('frames offered while nothing leaves is a stall once the stall window has passed', () => {
    const watchdog = new StallWatchdog(timings);
    assert.deepEqual(
      run(watchdog, 0, 2_000, () => ({})),
      [],
      'a healthy stream is never a stall',
    );
    const stalls = run(watchdog, 2_100, 4_000, () => ({ lastSentAt: 2_000 }));
    assert.ok(stalls.length > 0);
    assert.match(stalls[0]!.reason, FRAMES_STOPPED_LEAVING);
    assert.ok(stalls[0]!.at > 3_000, `not before the window: stall at ${stalls[0]!.at} ms`);
  });

  test('a pause, a gap between items or a recovery stops the clock, however long it lasts', () => {
    const watchdog = new StallWatchdog(timings);
    run(watchdog, 0, 500, () => ({}));
    assert.deepEqual(
      run(watchdog, 600, 5_000, () => ({ resting: true, lastSentAt: 500 })),
      [],
      'paused',
    );
    // After the pause the clock starts again: the first keyframe may take a moment.
    assert.deepEqual(
      run(watchdog, 5_100, 5_900, () => ({ lastSentAt: 500 })),
      [],
    );
    const watchdog2 = new StallWatchdog(timings);
    run(watchdog2, 0, 500, () => ({}));
    assert.deepEqual(
      run(watchdog2, 600, 5_000, () => ({ lastOfferedAt: 500, lastSentAt: 500 })),
      [],
      'nothing offered',
    );
  });

  test('a new stream connection starts the clocks afresh', () => {
    const watchdog = new StallWatchdog(timings);
    run(watchdog, 0, 900, () => ({ lastSentAt: 0 }));
    const fresh = { name: 'stream connection 2' };
    assert.deepEqual(
      run(watchdog, 1_000, 1_800, () => ({ stream: fresh, lastSentAt: 0 })),
      [],
    );
    assert.match(
      run(watchdog, 1_900, 2_200, () => ({ stream: fresh, lastSentAt: 0 }))[0]?.reason ?? '',
      FRAMES_STOPPED_LEAVING,
    );
  });

  test('no stream connection at all is no stall (it is being replaced)', () => {
    const watchdog = new StallWatchdog(timings);
    assert.deepEqual(
      run(watchdog, 0, 5_000, () => ({ stream: null, lastSentAt: 0 })),
      [],
    );
  });

  test('viewers waiting for a DAVE group that never forms is a stall after the DAVE window', () => {
    const watchdog = new StallWatchdog(timings);
    const stalls = run(watchdog, 0, 4_000, () => ({ daveWaiting: true, lastSentAt: 0 }));
    assert.deepEqual(
      stalls.map((stall) => stall.reason),
      [DAVE_NEVER_READY],
    );
    assert.ok(stalls[0]!.at > timings.daveStallMs);
  });

  test('a streamer alone in its DAVE session may wait; a viewer arriving starts the DAVE clock then', () => {
    const watchdog = new StallWatchdog(timings);
    assert.deepEqual(
      run(watchdog, 0, 10_000, () => ({ daveWaiting: true, viewers: 0, lastSentAt: 0 })),
      [],
    );
    assert.deepEqual(
      run(watchdog, 10_100, 12_000, () => ({ daveWaiting: true, lastSentAt: 0 })),
      [],
      'the viewer has just arrived',
    );
    assert.equal(run(watchdog, 12_100, 14_000, () => ({ daveWaiting: true, lastSentAt: 0 })).length, 1);
  });

  test('timings that are not positive numbers are refused with a clear error', () => {
    assert.throws(() => new StallWatchdog({ ...timings, stallMs: 0 }), /watchdog stallMs must be a positive/);
    assert.throws(
      () => new StallWatchdog({ ...timings, intervalMs: Number.NaN }),
      /watchdog intervalMs must be a positive/,
    );
  });
});
