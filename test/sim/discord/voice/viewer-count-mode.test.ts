// The viewer's count mode: a benchmark with many streams counts and times what arrives, and judges
// each frame as a decoder would, without decrypting or writing anything.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DivergenceLog } from '../../../../sim/discord/voice/divergences.ts';
import type { MediaSession } from '../../../../sim/discord/voice/media-session.ts';
import { type FrameSource, Viewer } from '../../../../sim/discord/voice/viewer.ts';

const START_CODE = Buffer.from([0, 0, 0, 1]);
const idr = Buffer.concat([START_CODE, Buffer.from([0x65, 0x88, 0x84, 0x21])]);
const predicted = Buffer.concat([START_CODE, Buffer.from([0x41, 0x9a, 0x02, 0x03])]);

function source(ssrc: number): FrameSource {
  return {
    label: 'stream',
    senderId: '800000000000000001',
    // No DAVE group: in watch mode a clear frame is shown as it is.
    media: { group: null, viewer: null } as unknown as MediaSession,
    ssrc,
    declaredSize: null,
  };
}

test('in count mode the viewer counts and times frames, judges them intact or not, and writes nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'orb-viewer-count-'));
  try {
    const viewer = new Viewer(dir, new DivergenceLog('orb-transport'));
    viewer.setMode('count');
    const stream = source(1111);
    viewer.onVideoFrame(stream, { rtpTimestamp: 0, data: idr, complete: true }, 1000.25);
    viewer.onVideoFrame(stream, { rtpTimestamp: 3750, data: predicted, complete: true }, 1041.75);
    viewer.onVideoFrame(stream, { rtpTimestamp: 7500, data: predicted, complete: false }, 1083.5);
    viewer.onVideoFrame(stream, { rtpTimestamp: 11_250, data: predicted, complete: true }, 1125.125);
    viewer.onAudioFrame(stream, Buffer.from([0xf8, 0xff, 0xfe]), 960, 1001.5);
    await viewer.close();

    assert.deepEqual(
      viewer.videoFrames.map((frame) => [frame.rtpTimestamp, frame.intact, frame.receivedAtMs]),
      [
        [0, true, 1000.25],
        [3750, true, 1041.75],
        // after the incomplete frame, a decoder shows the next one corrupted until a keyframe
        [11_250, false, 1125.125],
      ],
    );
    assert.deepEqual(
      viewer.audioFrames.map((frame) => frame.receivedAtMs),
      [1001.5],
    );

    viewer.forgetFramesBefore(1041.75);
    assert.deepEqual(
      viewer.videoFrames.map((frame) => frame.rtpTimestamp),
      [3750, 11_250],
    );
    assert.equal(viewer.audioFrames.length, 0);
    assert.equal(viewer.videoFramesReceived, 3, 'the counters keep counting what was forgotten');
    assert.equal(viewer.videoFramesWritten, 0);
    assert.equal(readFileSync(join(dir, 'video.h264')).length, 0);
    assert.equal(readFileSync(join(dir, 'video-transport-only.h264')).length, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('in watch mode (the default) the same frames are written for a decoder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'orb-viewer-watch-'));
  try {
    const viewer = new Viewer(dir, new DivergenceLog('discord'));
    assert.equal(viewer.mode, 'watch');
    viewer.onVideoFrame(source(2222), { rtpTimestamp: 0, data: idr, complete: true }, 1000);
    await viewer.close();
    assert.equal(viewer.videoFramesWritten, 1);
    assert.deepEqual(readFileSync(join(dir, 'video.h264')), idr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
