// What the worker's probe reports of a source, made up for tests that only build ffmpeg arguments.
import { parseFrameRate, sourceFrameRate } from '../../../src/worker/media/frame-rate.ts';
import type { PictureFacts } from '../../../src/worker/media/output-picture.ts';
import type { SourceInfo } from '../../../src/worker/media/probe.ts';

/**
 * A 60 s 1080p H.264 film at 23.976 fps with its audio on stream 1, which cannot be copied through
 * (`copyBlocker`); `video` changes its picture.
 */
export function probedFilm(
  video: Partial<PictureFacts> = {},
  options: { audioChannels?: number; copyBlocker?: string } = {},
): SourceInfo {
  const { audioChannels = 2, copyBlocker = 'B-frames' } = options;
  const rate = parseFrameRate('24000/1001');
  return {
    videoStreamIndex: 0,
    audioStreamIndex: 1,
    audioChannels,
    audioStreams: [{ index: 1, channels: audioChannels }],
    durationSeconds: 60,
    startTimeSeconds: 0,
    video: {
      codec: 'h264',
      width: 1920,
      height: 1080,
      pixelAspect: 1,
      frameRate: sourceFrameRate(rate, rate),
      fieldOrder: 'progressive',
      hdr: null,
      ...video,
    },
    copyBlocker,
  };
}
