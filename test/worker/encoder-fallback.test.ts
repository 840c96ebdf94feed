// A GPU encoder that fails mid-film: the worker continues with x264 at the same position and the
// viewer keeps receiving frames. This machine has no GPU, so an ffmpeg wrapper plays the device: it
// passes the VAAPI self-test, encodes the first two seconds of a VAAPI run with x264 (as the GPU
// would have), then exits with a VAAPI driver error; every other run is the real ffmpeg.
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { waitFor } from '../../sim/wait-for.ts';
import { createLogger } from '../../src/logger.ts';
import { resolveFfmpeg, resolveFfprobe } from '../../src/media/ffmpeg-binary.ts';
import { CaptureSink } from '../../src/worker/capture-sink.ts';
import { VideoEncoderSelection } from '../../src/worker/media/encoder-selection.ts';
import type { SourceProxy } from '../../src/worker/media/source-proxy.ts';
import { streamEncoding } from '../../src/worker/media/stream-encoding.ts';
import { WorkerSession } from '../../src/worker/worker-session.ts';
import type { WorkerEvent } from '../../src/worker-contract/http.ts';
import {
  type MediaServer,
  makeClip,
  makeTempDir,
  playRequest,
  startMediaServer,
  startSourceProxy,
} from './support/media-fixtures.ts';

const CLIP_SECONDS = 6;
const FPS = 30;
/** Media the failing GPU run delivers before the device gives out. */
const GPU_SECONDS = 2;

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let server: MediaServer;
let proxy: SourceProxy;
let wrapper: string;
let runsLog: string;
let renderNode: string;

/**
 * The wrapper: a VAAPI run becomes the same run with x264 (device options dropped, the upload and
 * device scaler replaced by the CPU's), cut at GPU_SECONDS, followed by the driver's error.
 */
function writeWrapper(dir: string): void {
  wrapper = join(dir, 'ffmpeg-with-failing-vaapi');
  runsLog = `${wrapper}.runs`;
  writeFileSync(runsLog, '');
  writeFileSync(
    wrapper,
    `#!/bin/sh
real='${resolveFfmpeg()}'
case " $* " in *" lavfi "*) exit 0 ;; esac
echo "$*" >> '${runsLog}'
case " $* " in *" h264_vaapi "*) ;; *) exec "$real" "$@" ;; esac
skip=
for arg do
  shift
  if [ -n "$skip" ]; then skip=; continue; fi
  case "$arg" in
    -vaapi_device|-idr_interval) skip=1; continue ;;
    h264_vaapi) arg=libx264 ;;
    pipe:1) set -- "$@" -t ${GPU_SECONDS} ;;
    *hwupload*) arg=$(printf '%s' "$arg" | sed 's/format=nv12,hwupload,scale_vaapi=w=\\([0-9]*\\):h=\\([0-9]*\\)/scale=\\1:\\2,format=yuv420p/') ;;
  esac
  set -- "$@" "$arg"
done
"$real" "$@"
echo "[h264_vaapi @ 0x55e1c0] Failed to sync to picture completion: 1 (operation failed)." >&2
exit 1
`,
  );
  chmodSync(wrapper, 0o755);
}

before(async () => {
  temp = await makeTempDir();
  server = await startMediaServer();
  server.serve(
    'bframes',
    await makeClip(temp.dir, 'bframes.mp4', { seconds: CLIP_SECONDS, kind: 'bframes' }),
  );
  proxy = await startSourceProxy(server);
  writeWrapper(temp.dir);
  renderNode = join(temp.dir, 'renderD128');
  writeFileSync(renderNode, '');
});

after(async () => {
  await proxy.close();
  await server.close();
  await temp.remove();
});

describe('a GPU encoder failing mid-film', () => {
  test('x264 takes over where it stopped, and the viewer keeps receiving frames', async () => {
    const lines: { level: number; msg: string; [key: string]: unknown }[] = [];
    const logger = createLogger({
      level: 'info',
      pretty: false,
      destination: { write: (line: string) => lines.push(JSON.parse(line)) },
    });
    const sink = new CaptureSink();
    const session = new WorkerSession(
      { sessionId: '7', guildId: '10', voiceChannelId: '20', textChannelId: '30' },
      sink,
      {
        ffmpegPath: wrapper,
        ffprobePath: resolveFfprobe(),
        proxy,
        encoding: streamEncoding('720p30'),
        playbackRate: 3,
        videoEncoders: new VideoEncoderSelection({
          setting: 'vaapi',
          vaapiDevice: renderNode,
          ffmpegPath: wrapper,
          logger,
        }),
      },
      logger,
    );
    await session.open();
    const events: WorkerEvent[] = [];
    session.subscribe((event) => events.push(event));
    try {
      session.play(playRequest(server.streamUrl('bframes'), { durationSeconds: CLIP_SECONDS }));
      await waitFor('the film to pass the failure', () => session.status().positionSeconds > GPU_SECONDS + 1);
      assert.equal(session.stats().encoder, 'x264', 'the stats say x264 encodes now');
      const ended = await waitFor('the item to end', () =>
        events.find((e): e is Extract<WorkerEvent, { type: 'ended' }> => e.type === 'ended'),
      );
      assert.equal(ended.reason, 'finished');
      assert.equal(ended.error, null);

      const probed = lines.find((line) => line.msg === 'source probed');
      assert.equal(probed?.encoder, 'vaapi', 'the film started on the GPU');
      const fallback = lines.find((line) => line.msg.startsWith('GPU encoder failed'));
      assert.equal(fallback?.failed, 'vaapi');
      assert.equal(fallback?.encoder, 'x264');
      assert.match(String(fallback?.cause), /Failed to sync to picture completion/);

      const runs = readFileSync(runsLog, 'utf8').split('\n').filter(Boolean);
      assert.equal(runs.length, 2, 'one GPU run, one x264 run');
      assert.match(runs[0]!, / -vaapi_device \S+renderD128 .* -c:v h264_vaapi /);
      const resumedAt = Number(/ -ss (\S+) /.exec(runs[1]!)?.[1]);
      assert.match(runs[1]!, / -c:v libx264 /);
      assert.ok(
        Math.abs(resumedAt - GPU_SECONDS) < 0.1,
        `x264 resumed at ${resumedAt} s, where the GPU stopped (${GPU_SECONDS} s)`,
      );

      const video = sink.frames.filter((frame) => frame.kind === 'video');
      for (let i = 1; i < video.length; i++) {
        const gap = video[i]!.ptsMs - video[i - 1]!.ptsMs;
        assert.ok(gap > 0, `no frame repeated (${video[i - 1]!.ptsMs} → ${video[i]!.ptsMs} ms)`);
        assert.ok(
          gap < 2 * (1000 / FPS),
          `no frames missing (${video[i - 1]!.ptsMs} → ${video[i]!.ptsMs} ms)`,
        );
      }
      const expected = CLIP_SECONDS * FPS;
      assert.ok(Math.abs(video.length - expected) <= 3, `${video.length} video frames of ${expected}`);
      // The GPU run delivered its first GPU_SECONDS of frames, the next one is x264's first.
      assert.equal(video[GPU_SECONDS * FPS]?.keyframe, true, "x264's first frame is a keyframe");
    } finally {
      await session.close('test over');
    }
  });
});
