// The stream's media clock across a pause, on a stepped clock: viewers must see the RTP time move on
// by the time the pause really took, and a seek that already moved the timestamps further must not
// be pushed on a second time.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PauseTimeline } from '../../../src/worker/golive/pause-timeline.ts';

const FRAME_MS = 40;

/** A timeline on a clock the test sets by hand. */
function steppedTimeline(): { timeline: PauseTimeline; clock: { now: number } } {
  const clock = { now: 0 };
  return { timeline: new PauseTimeline(() => clock.now), clock };
}

/**
 * Sends `frames` frames FRAME_MS apart on both clocks, the first one now and with `fromPtsMs`;
 * returns the stream time of each. The clock is left at the last frame.
 */
function play(timeline: PauseTimeline, clock: { now: number }, fromPtsMs: number, frames: number): number[] {
  const times: number[] = [];
  for (let i = 0; i < frames; i += 1) {
    if (i > 0) clock.now += FRAME_MS;
    times.push(timeline.streamTimeMs(fromPtsMs + i * FRAME_MS));
  }
  return times;
}

describe('PauseTimeline', () => {
  test('without a pause the stream time is the presentation time', () => {
    const { timeline, clock } = steppedTimeline();
    assert.deepEqual(play(timeline, clock, 0, 4), [0, 40, 80, 120]);
  });

  test('after a pause the stream time jumps by the wall-clock gap, and stays shifted', () => {
    const { timeline, clock } = steppedTimeline();
    const before = play(timeline, clock, 0, 25);
    const pausedAt = clock.now;
    timeline.pause();
    clock.now += 7_000;
    timeline.resume();
    const resumedAt = clock.now;
    // The player holds its position: the next frame's pts is the one after the last frame sent.
    const after = play(timeline, clock, 25 * FRAME_MS, 3);
    assert.equal((after[0] ?? 0) - (before.at(-1) ?? 0), resumedAt - pausedAt);
    assert.deepEqual(
      after.map((time) => time - (after[0] ?? 0)),
      [0, 40, 80],
      'frames after the jump keep their spacing',
    );
  });

  test('a second pause adds its own gap to the first', () => {
    const { timeline, clock } = steppedTimeline();
    play(timeline, clock, 0, 2);
    timeline.pause();
    clock.now += 1_000;
    timeline.resume();
    play(timeline, clock, 80, 2);
    timeline.pause();
    clock.now += 3_000;
    timeline.resume();
    const [first] = play(timeline, clock, 160, 1);
    // Wall time from the first frame to this one: two frame intervals and the two pauses.
    assert.equal(first, 2 * FRAME_MS + 4_000);
  });

  test('no jump when the timestamps already moved further than the wall clock (a seek forward)', () => {
    const { timeline, clock } = steppedTimeline();
    play(timeline, clock, 0, 3);
    timeline.pause();
    clock.now += 2_000;
    timeline.resume();
    const [first, second] = play(timeline, clock, 60_000, 2);
    assert.deepEqual([first, second], [60_000, 60_040]);
  });

  test('resumes are measured once: frames after the first one are not shifted again', () => {
    const { timeline, clock } = steppedTimeline();
    play(timeline, clock, 0, 1);
    timeline.pause();
    clock.now += 500;
    timeline.resume();
    const times = play(timeline, clock, 40, 3);
    assert.deepEqual(
      times.map((time) => time - (times[0] ?? 0)),
      [0, 40, 80],
    );
  });
});
