// A 23.976 fps frame lasts 1001/24 ms, which no whole number of milliseconds is. ffmpeg's Matroska
// carries each frame's time rounded to the millisecond, and the transport turns that into a 90 kHz
// RTP time: every frame must land within half a millisecond of its exact time, for a whole film,
// so the viewer's clock runs at 23.976 and never drifts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ClockRate, rtpTimestamp } from '../../src/worker/golive/rtp.ts';

describe('RTP times of a 23.976 fps film', () => {
  test('stay within half a millisecond of exact over three hours, and wrap cleanly', () => {
    const frameMs = 1001 / 24;
    const ticksPerFrame = (ClockRate.video * 1001) / 24_000;
    const base = 2 ** 32 - 1_000_000; // wraps within the first minute
    const frames = Math.round((3 * 3600 * 24_000) / 1001);
    let worstTicks = 0;
    for (let frame = 0; frame < frames; frame += 1) {
      const matroskaMs = Math.round(frame * frameMs);
      const rtp = rtpTimestamp(base, matroskaMs, ClockRate.video);
      const exact = (base + frame * ticksPerFrame) % 2 ** 32;
      const error = ((rtp - exact + 2 ** 31) % 2 ** 32) - 2 ** 31;
      worstTicks = Math.max(worstTicks, Math.abs(error));
    }
    assert.ok(worstTicks <= ClockRate.video / 2000, `worst error ${worstTicks} ticks`);
  });
});
