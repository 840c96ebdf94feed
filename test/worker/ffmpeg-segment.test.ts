// One ffmpeg run as the player sees it when it fails: its last words, kept for the logs and the
// failure text, must not carry the loopback proxy URL (which reads Jellyfin with the worker's key).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveFfmpeg } from '../../src/media/ffmpeg-binary.ts';
import { FfmpegSegment, type SegmentExit } from '../../src/worker/media/ffmpeg-segment.ts';

test('a failed run explains itself without the input URL or any address', async () => {
  const input = 'http://127.0.0.1:9/proxy-route-id';
  const exit = await new Promise<SegmentExit>((resolve) => {
    new FfmpegSegment(
      resolveFfmpeg(),
      ['-hide_banner', '-nostdin', '-loglevel', 'warning', '-i', input, '-f', 'null', '-'],
      {
        tracks: () => {},
        packet: () => {},
        formatError: (message) => assert.fail(message),
        exit: resolve,
      },
    );
  });
  assert.notEqual(exit.exitCode, 0);
  assert.equal(exit.killedByUs, false);
  const said = exit.stderrTail.join('\n');
  assert.match(said, /Connection refused/);
  assert.doesNotMatch(said, /127\.0\.0\.1|proxy-route-id|:9\b/);
});
