// The media engine end to end inside one process: real ffmpeg on generated clips, real HTTP through
// the worker's credential-adding proxy, frames captured with their timestamps. Clips play at 3×
// real time (the pacer's rate knob) to keep the suite fast; ordering and counts do not depend on it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { waitFor } from '../../sim/wait-for.ts';
import { createLogger } from '../../src/logger.ts';
import type { CapturedFrame, CaptureSink, CaptureSinkOptions } from '../../src/worker/capture-sink.ts';
import type { SourceProxy } from '../../src/worker/media/source-proxy.ts';
import { streamEncoding } from '../../src/worker/media/stream-encoding.ts';
import { PlaybackConflictError, type WorkerSession } from '../../src/worker/worker-session.ts';
import type { PlayRequest, WorkerEvent } from '../../src/worker-contract/http.ts';
import {
  keyframeTimes,
  type MediaServer,
  makeClip,
  makeTempDir,
  openCaptureSession,
  playRequest,
  startMediaServer,
  startSourceProxy,
} from './support/media-fixtures.ts';

const CLIP_SECONDS = 6;
const FPS = 30;
const logger = createLogger({ level: 'silent', pretty: false });

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let server: MediaServer;
let proxy: SourceProxy;
let copyableKeyframes: number[];

before(async () => {
  temp = await makeTempDir();
  server = await startMediaServer();
  const [copyable, bframes] = await Promise.all([
    makeClip(temp.dir, 'copyable.mp4', { seconds: CLIP_SECONDS, kind: 'copyable' }),
    makeClip(temp.dir, 'bframes.mp4', { seconds: CLIP_SECONDS, kind: 'bframes' }),
  ]);
  server.serve('copyable', copyable);
  server.serve('bframes', bframes);
  server.serve('not-media', new URL(import.meta.url).pathname);
  copyableKeyframes = await keyframeTimes(copyable);
  proxy = await startSourceProxy(server);
});

after(async () => {
  await proxy.close();
  await server.close();
  await temp.remove();
});

interface Harness {
  session: WorkerSession;
  sink: CaptureSink;
  events: WorkerEvent[];
  ended(): Promise<Extract<WorkerEvent, { type: 'ended' }>>;
}

async function openSession(sinkOptions?: CaptureSinkOptions): Promise<Harness> {
  const { session, sink } = await openCaptureSession(
    { proxy, encoding: streamEncoding('720p30'), playbackRate: 3 },
    logger,
    sinkOptions,
  );
  const events: WorkerEvent[] = [];
  session.subscribe((event) => events.push(event));
  return {
    session,
    sink,
    events,
    ended: () =>
      waitFor('the item to end', () =>
        events.find((e): e is Extract<WorkerEvent, { type: 'ended' }> => e.type === 'ended'),
      ),
  };
}

/** Whether an Annex B access unit holds a NAL unit of this type (7 SPS, 8 PPS). */
function hasNal(accessUnit: Buffer, type: number): boolean {
  for (let i = 0; i + 3 < accessUnit.length; i++) {
    if (accessUnit[i] === 0 && accessUnit[i + 1] === 0 && accessUnit[i + 2] === 1) {
      if ((accessUnit[i + 3]! & 0x1f) === type) return true;
    }
  }
  return false;
}

function ofKind(frames: CapturedFrame[], kind: CapturedFrame['kind']): CapturedFrame[] {
  return frames.filter((frame) => frame.kind === kind);
}

function assertStrictlyIncreasing(frames: CapturedFrame[], label: string): void {
  for (let i = 1; i < frames.length; i++) {
    assert.ok(
      frames[i]!.ptsMs > frames[i - 1]!.ptsMs,
      `${label} pts went from ${frames[i - 1]!.ptsMs} to ${frames[i]!.ptsMs}`,
    );
  }
}

function assertWithinPercent(actual: number, expected: number, percent: number, label: string): void {
  assert.ok(
    Math.abs(actual - expected) <= (expected * percent) / 100,
    `${label}: ${actual} frames, expected ${expected} ± ${percent}%`,
  );
}

/** At every video frame, the newest audio already sent is within a frame or two of it. */
function assertAligned(frames: CapturedFrame[]): void {
  let lastAudioPts: number | null = null;
  for (const frame of frames) {
    if (frame.kind === 'audio') lastAudioPts = frame.ptsMs;
    else if (lastAudioPts !== null) {
      assert.ok(
        Math.abs(frame.ptsMs - lastAudioPts) <= 60,
        `video at ${frame.ptsMs} ms went out next to audio at ${lastAudioPts} ms`,
      );
    }
  }
}

function play(harness: Harness, itemId: string, overrides?: Parameters<typeof playRequest>[1]): PlayRequest {
  const request = playRequest(server.streamUrl(itemId), overrides);
  harness.session.play(request);
  return request;
}

describe('the player', () => {
  test('plays every frame of a copyable clip in order, with audio and video aligned', async () => {
    const harness = await openSession();
    play(harness, 'copyable');
    const ended = await harness.ended();
    assert.equal(ended.reason, 'finished');
    assert.equal(ended.error, null);
    const video = ofKind(harness.sink.frames, 'video');
    const audio = ofKind(harness.sink.frames, 'audio');
    assertWithinPercent(video.length, CLIP_SECONDS * FPS, 2, 'video');
    assertWithinPercent(audio.length, CLIP_SECONDS * 50, 2, 'audio');
    assertStrictlyIncreasing(video, 'video');
    assertStrictlyIncreasing(audio, 'audio');
    assert.equal(video[0]!.keyframe, true);
    assertAligned(harness.sink.frames);
    assert.ok(Math.abs(ended.positionSeconds - CLIP_SECONDS) < 0.2, `ended at ${ended.positionSeconds} s`);
    assert.equal(harness.sink.items[0]?.item.title, 'Test clip');
    assert.ok(
      server.authorizations.every((value) => value?.startsWith('MediaBrowser Token=')),
      'every request to the media server carried the MediaBrowser header',
    );
    await harness.session.close('test over');
  });

  test('transcodes a clip with B-frames and still delivers aligned, ordered frames', async () => {
    const harness = await openSession();
    play(harness, 'bframes');
    const ended = await harness.ended();
    assert.equal(ended.reason, 'finished');
    const video = ofKind(harness.sink.frames, 'video');
    assertWithinPercent(video.length, CLIP_SECONDS * FPS, 2, 'video');
    assertStrictlyIncreasing(video, 'video');
    assertStrictlyIncreasing(ofKind(harness.sink.frames, 'audio'), 'audio');
    assertAligned(harness.sink.frames);
    // Fixed GOP of 1 s (a viewer's keyframe request is answered within a second): one per second.
    const keyframes = video.filter((frame) => frame.keyframe).length;
    assert.ok(keyframes >= CLIP_SECONDS && keyframes <= CLIP_SECONDS + 1, `${keyframes} keyframes`);
    await harness.session.close('test over');
  });

  for (const path of ['copyable', 'bframes']) {
    test(`pause holds the position; resume shows a keyframe at the held position (${path})`, async () => {
      const harness = await openSession({ keepData: true });
      play(harness, path);
      await waitFor('1.5 s of playback', () => harness.session.status().positionSeconds >= 1.5);
      const paused = harness.session.control({ action: 'pause' });
      assert.equal(paused.playbackState, 'paused');
      const framesAtPause = harness.sink.frames.length;
      const heldPosition = harness.session.status().positionSeconds;
      await new Promise((resolve) => setTimeout(resolve, 700));
      assert.equal(harness.sink.frames.length, framesAtPause, 'no frames while paused');
      assert.equal(harness.session.status().positionSeconds, heldPosition);
      assert.throws(() => harness.session.control({ action: 'pause' }), PlaybackConflictError);

      const lastPtsBefore = Math.max(...harness.sink.frames.map((frame) => frame.ptsMs));
      assert.equal(harness.session.control({ action: 'resume' }).playbackState, 'playing');
      assert.throws(() => harness.session.control({ action: 'resume' }), PlaybackConflictError);
      const firstVideo = await waitFor('a video frame after resume', () =>
        harness.sink.frames.slice(framesAtPause).find((frame) => frame.kind === 'video'),
      );
      // The transport drops video after a pause until an IDR: anything else is a frozen picture.
      assert.equal(firstVideo.keyframe, true, 'the first video frame after resume is a keyframe');
      assert.ok(
        firstVideo.data && hasNal(firstVideo.data, 7) && hasNal(firstVideo.data, 8),
        'with SPS and PPS',
      );
      const resumedAt = harness.session.status().positionSeconds;
      if (path === 'bframes') {
        assert.ok(
          Math.abs(resumedAt - heldPosition) <= 0.5,
          `resumed at ${resumedAt} s, held ${heldPosition} s`,
        );
      } else {
        // Copy mode can only start at the source keyframe at or before the held position.
        assert.ok(
          copyableKeyframes.some((time) => Math.abs(time - resumedAt) < 0.1 && time <= heldPosition + 0.1),
          `resumed at ${resumedAt} s, no source keyframe there before ${heldPosition} s`,
        );
      }
      const ended = await harness.ended();
      assert.equal(ended.reason, 'finished');
      const after = harness.sink.frames.slice(framesAtPause);
      assert.ok(
        after.every((frame) => frame.ptsMs > lastPtsBefore),
        'sink timestamps continue after the pause',
      );
      assertStrictlyIncreasing(ofKind(harness.sink.frames, 'video'), 'video');
      assertStrictlyIncreasing(ofKind(harness.sink.frames, 'audio'), 'audio');
      assertAligned(after);
      assertWithinPercent(
        ofKind(after, 'video').length,
        (CLIP_SECONDS - resumedAt) * FPS,
        5,
        'video after resume',
      );
      assert.deepEqual(
        harness.sink.pauses.map((p) => p.paused),
        [true, false],
      );
      await harness.session.close('test over');
    });
  }

  for (const path of ['copyable', 'bframes']) {
    test(`seek to the middle lands within 0.5 s on a keyframe and keeps the timeline continuous (${path})`, async () => {
      const harness = await openSession();
      play(harness, path);
      await waitFor('1 s of playback', () => harness.session.status().positionSeconds >= 1);
      const target = CLIP_SECONDS / 2 + 0.2;
      const framesBefore = harness.sink.frames.length;
      const lastPtsBefore = Math.max(...harness.sink.frames.map((frame) => frame.ptsMs));
      harness.session.control({ action: 'seek', positionSeconds: target });
      const firstVideo = await waitFor('a video frame after the seek', () =>
        harness.sink.frames.slice(framesBefore).find((frame) => frame.kind === 'video'),
      );
      assert.equal(firstVideo.keyframe, true, 'the first video frame after a seek is a keyframe');
      const landed = harness.session.status().positionSeconds;
      assert.ok(Math.abs(landed - target) <= 0.5, `landed at ${landed} s for ${target} s`);
      if (path === 'copyable') {
        // Copy mode starts at the source keyframe at or before the target, and says so.
        assert.ok(
          copyableKeyframes.some((time) => Math.abs(time - landed) < 0.1),
          `no source keyframe near ${landed}`,
        );
      }
      const ended = await harness.ended();
      assert.equal(ended.reason, 'finished');
      const after = harness.sink.frames.slice(framesBefore);
      assert.ok(
        after.every((frame) => frame.ptsMs > lastPtsBefore - 60),
        'sink timestamps continue after the seek',
      );
      assertStrictlyIncreasing(ofKind(harness.sink.frames, 'video'), 'video');
      assertStrictlyIncreasing(ofKind(harness.sink.frames, 'audio'), 'audio');
      assertAligned(after);
      const expectedAfter = (CLIP_SECONDS - landed) * FPS;
      assertWithinPercent(ofKind(after, 'video').length, expectedAfter, 5, 'video after the seek');
      await harness.session.close('test over');
    });
  }

  test('starts at startPositionSeconds, paused when paused before the first frame', async () => {
    const harness = await openSession();
    play(harness, 'bframes', { startPositionSeconds: 4 });
    harness.session.control({ action: 'pause' });
    assert.equal(harness.session.status().playbackState, 'paused');
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(harness.sink.frames.length, 0);
    assert.equal(harness.session.status().positionSeconds, 4);
    harness.session.control({ action: 'resume' });
    const ended = await harness.ended();
    assert.equal(ended.reason, 'finished');
    assertWithinPercent(ofKind(harness.sink.frames, 'video').length, 2 * FPS, 5, 'video from 4 s');
    await harness.session.close('test over');
  });

  test('skip and stop end the item with their reasons; then nothing is left to control', async () => {
    const harness = await openSession();
    play(harness, 'copyable', { queueEntryId: 1 });
    await waitFor('playing', () => harness.session.status().playbackState === 'playing');
    harness.session.control({ action: 'skip' });
    const skipped = await harness.ended();
    assert.deepEqual([skipped.queueEntryId, skipped.reason], [1, 'skipped']);

    harness.events.length = 0;
    play(harness, 'copyable', { queueEntryId: 2 });
    await waitFor('playing', () => harness.session.status().playbackState === 'playing');
    harness.session.control({ action: 'stop' });
    const stopped = await harness.ended();
    assert.deepEqual([stopped.queueEntryId, stopped.reason], [2, 'stopped']);
    assert.equal(harness.session.status().playbackState, 'ended');
    assert.throws(() => harness.session.control({ action: 'pause' }), PlaybackConflictError);
    assert.throws(() => harness.session.control({ action: 'skip' }), PlaybackConflictError);
    await harness.session.close('test over');
  });

  test('falls back to downloadUrl when streamUrl fails', async () => {
    const harness = await openSession();
    play(harness, 'missing', { downloadUrl: server.streamUrl('copyable') });
    await waitFor('playing', () => harness.session.status().playbackState === 'playing');
    harness.session.control({ action: 'stop' });
    assert.equal((await harness.ended()).reason, 'stopped');
    await harness.session.close('test over');
  });

  test('when both URLs fail, the item ends with an error naming each cause', async () => {
    const harness = await openSession();
    play(harness, 'missing', { downloadUrl: 'http://127.0.0.1:9/Items/missing/Download' });
    const ended = await harness.ended();
    assert.equal(ended.reason, 'error');
    assert.match(ended.error ?? '', /stream URL: .*HTTP 404/);
    assert.match(
      ended.error ?? '',
      /download URL: the address is not one of the worker's Jellyfin media routes/,
    );
    assert.equal(harness.session.status().playbackState, 'error');
    assert.equal(harness.session.status().lastError, ended.error);
    await harness.session.close('test over');
  });

  test('a file that is not media ends with an error, not a crash', async () => {
    const harness = await openSession();
    play(harness, 'not-media');
    const ended = await harness.ended();
    assert.equal(ended.reason, 'error');
    assert.match(ended.error ?? '', /cannot read the media|no video stream/);
    await harness.session.close('test over');
  });
});

describe('the session', () => {
  test('reports a sink that gives up as a fatal error and refuses to play after it', async () => {
    const harness = await openSession();
    play(harness, 'copyable');
    await waitFor('playing', () => harness.session.status().playbackState === 'playing');
    harness.sink.fail(new Error('kicked from the voice channel'));
    const fatal = harness.events.find((event) => event.type === 'error');
    assert.deepEqual(fatal, {
      type: 'error',
      message: 'the stream failed: kicked from the voice channel',
      fatal: true,
    });
    assert.equal((await harness.ended()).reason, 'error');
    assert.equal(harness.session.status().workerStatus, 'failed');
    assert.throws(() => play(harness, 'copyable'), PlaybackConflictError);
    await harness.session.close('test over');
  });
});
