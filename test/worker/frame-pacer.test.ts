// The pacer on a clock stepped by hand (mocked timers + injected now): when each frame goes out,
// what timestamps the sink sees, and how pause, starvation, seek and the end behave.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { CaptureSink } from '../../src/worker/capture-sink.ts';
import {
  AUDIO_LEAD_MS,
  FramePacer,
  type SinkTimeline,
  type TimedFrame,
} from '../../src/worker/media/frame-pacer.ts';

let now = 0;
let sink: CaptureSink;
let timeline: SinkTimeline;
let drained: number;

function advance(ms: number): void {
  now += ms;
  mock.timers.tick(ms);
}

const audio = (mediaMs: number): TimedFrame => ({
  kind: 'audio',
  mediaMs,
  data: Buffer.alloc(3),
  keyframe: true,
});
const video = (mediaMs: number, keyframe = false): TimedFrame => ({
  kind: 'video',
  mediaMs,
  data: Buffer.alloc(5),
  keyframe,
});

function createPacer(startMs = 0): FramePacer {
  return new FramePacer(
    {
      sink,
      timeline,
      hasAudio: true,
      now: () => now,
      onDrained: () => drained++,
      onBufferLevel: () => {},
      onFirstFrame: () => {},
    },
    startMs,
  );
}

/** What the sink got, as [kind, pts, arrival] with arrival on the stepped clock. */
function sent() {
  return sink.frames.map((frame) => [frame.kind, frame.ptsMs, frame.arrivedMs] as const);
}

beforeEach(() => {
  mock.timers.enable({ apis: ['setTimeout'] });
  now = 0;
  drained = 0;
  timeline = { lastOutputMs: null };
  sink = new CaptureSink();
  // Arrival times on the stepped clock rather than performance.now().
  mock.method(performance, 'now', () => now);
});

afterEach(() => {
  mock.timers.reset();
  mock.restoreAll();
});

describe('the frame pacer', () => {
  test('sends each frame when it is due (audio up to 45 ms early, with the frame before it); audio runs on a 20 ms sample clock despite ms rounding', () => {
    const pacer = createPacer();
    for (const ms of [0, 21, 40, 61]) pacer.push(audio(ms));
    pacer.push(video(0, true));
    pacer.push(video(33));
    pacer.push(video(67));
    advance(0);
    advance(20);
    advance(13);
    advance(7);
    advance(20);
    advance(7);
    assert.deepEqual(sent(), [
      ['audio', 100, 0],
      ['video', 100, 0],
      ['audio', 120, 0],
      ['audio', 140, 0],
      ['video', 133, 33],
      ['audio', 160, 33],
      ['video', 167, 67],
    ]);
    assert.deepEqual(
      sink.frames.filter((frame) => frame.kind === 'audio').map((frame) => frame.aheadMs),
      [0, 20, 40, 27],
      'each early audio packet says how early it is',
    );
    assert.equal(pacer.positionMs, 80);
  });

  test('audio rides along with video: one wake-up per video frame, no frame late, audio at most 45 ms early', () => {
    const pacer = createPacer();
    const videoMs = Array.from({ length: 30 }, (_, frame) => Math.round((frame * 1000) / 30));
    for (let ms = 0; ms < 1_000; ms += 20) pacer.push(audio(ms));
    for (const ms of videoMs) pacer.push(video(ms, ms === 0));
    advance(0);
    for (let ms = 0; ms < 1_000; ms++) advance(1);
    assert.equal(sink.frames.length, 80);
    const wakeUps = new Set(sink.frames.map((frame) => frame.arrivedMs));
    assert.deepEqual([...wakeUps], videoMs, 'frames go out only at video frame times');
    for (const frame of sink.frames) {
      const dueMs = frame.ptsMs - 100;
      assert.ok(frame.arrivedMs <= dueMs, `${frame.kind} at pts ${frame.ptsMs} was late`);
      assert.ok(
        dueMs - frame.arrivedMs <= AUDIO_LEAD_MS,
        `${frame.kind} at pts ${frame.ptsMs} went too early`,
      );
      assert.equal(
        frame.aheadMs,
        dueMs - frame.arrivedMs,
        `aheadMs of the ${frame.kind} at pts ${frame.ptsMs}`,
      );
    }
  });

  test('the position is what viewers have heard: audio riding ahead does not move it past the clock', () => {
    const pacer = createPacer();
    for (const ms of [0, 20, 40, 60]) pacer.push(audio(ms));
    for (const ms of [0, 33, 67]) pacer.push(video(ms, ms === 0));
    advance(0);
    // The audio of 20 and 40 ms went along with the first video frame; the clock is at 0.
    assert.equal(pacer.positionMs, 20, 'the clock plus the 20 ms packet being heard, not 60');
    advance(33);
    assert.deepEqual(
      sink.frames.filter((frame) => frame.kind === 'audio').map((frame) => frame.aheadMs),
      [0, 20, 40, 27],
    );
    assert.equal(pacer.positionMs, 53, 'at 33 ms: not 80, where the audio sent so far ends');
    advance(34);
    assert.equal(pacer.positionMs, 80, 'at 67 ms everything sent so far is heard');
  });

  test('pause sends nothing and holds the position; resume continues the timeline without a jump', () => {
    const pacer = createPacer();
    for (let ms = 0; ms < 200; ms += 20) pacer.push(audio(ms));
    pacer.push(video(0, true));
    advance(0);
    advance(40);
    pacer.pause();
    const held = pacer.positionMs;
    advance(1_000);
    assert.equal(sink.frames.length, 4);
    assert.equal(pacer.positionMs, held);
    pacer.resume();
    advance(0);
    advance(59);
    assert.equal(sink.frames.length, 7, 'the packet after the early ones waits for its own time');
    advance(1);
    assert.deepEqual(sent().slice(4), [
      ['audio', 160, 1_040],
      ['audio', 180, 1_040],
      ['audio', 200, 1_040],
      ['audio', 220, 1_100],
      ['audio', 240, 1_100],
      ['audio', 260, 1_100],
    ]);
    assert.deepEqual(
      sink.pauses.map((p) => p.paused),
      [true, false],
    );
  });

  test('a starved source holds the clock instead of bursting when data returns', () => {
    const pacer = createPacer();
    pacer.push(video(0, true));
    pacer.push(audio(0));
    pacer.push(audio(20));
    advance(0);
    advance(20);
    advance(500);
    for (let ms = 40; ms <= 200; ms += 20) pacer.push(audio(ms));
    advance(0);
    assert.deepEqual(
      sent().slice(3),
      [
        ['audio', 140, 520],
        ['audio', 160, 520],
        ['audio', 180, 520],
      ],
      'the clock resumes where it held: only what is due, and audio within its lead, goes',
    );
    advance(59);
    assert.equal(sink.frames.length, 6, 'the packet after the early ones waits for its own time');
    advance(1);
    assert.deepEqual(sent().slice(6), [
      ['audio', 200, 580],
      ['audio', 220, 580],
      ['audio', 240, 580],
    ]);
  });

  test('the clock waits for both audio and video (or a preroll timeout) before it starts', () => {
    const pacer = createPacer();
    pacer.push(audio(0));
    pacer.push(audio(20));
    advance(30);
    assert.equal(sink.frames.length, 0, 'audio alone does not start the clock');
    pacer.push(video(0, true));
    advance(0);
    assert.deepEqual(sent(), [
      ['audio', 100, 30],
      ['video', 100, 30],
      ['audio', 120, 30],
    ]);
    pacer.stop();
    const audioOnly = createPacer();
    sink.frames.length = 0;
    audioOnly.push(audio(0));
    advance(500);
    assert.equal(sink.frames.length, 1, 'after the preroll wait it starts with what it has');
  });

  test('a new segment (seek) continues the sink timeline and starts at a keyframe', () => {
    const pacer = createPacer();
    pacer.push(audio(0));
    pacer.push(video(0, true));
    advance(0);
    pacer.startSegment(30_000);
    assert.equal(pacer.positionMs, 30_000);
    pacer.push(video(29_980));
    pacer.push(video(30_000, true));
    pacer.push(audio(30_000));
    advance(0);
    const afterSeek = sent().slice(2);
    assert.deepEqual(
      afterSeek.map(([kind]) => kind),
      ['audio', 'video'],
      'the non-keyframe before the keyframe was dropped',
    );
    for (const [, pts] of afterSeek) assert.ok(pts > 100, `pts ${pts} continues after the earlier 100`);
    assert.equal(pacer.positionMs, 30_020);
  });

  test('reports the end once the source has ended and every frame went out', () => {
    const pacer = createPacer();
    pacer.push(video(0, true));
    for (let ms = 0; ms <= 60; ms += 20) pacer.push(audio(ms));
    pacer.endSegment();
    advance(0);
    assert.equal(drained, 0);
    advance(60);
    assert.equal(drained, 1);
    advance(1_000);
    assert.equal(drained, 1);
  });
});
