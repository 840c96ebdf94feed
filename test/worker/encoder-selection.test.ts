// Which encoder a worker keeps after its start-up self-test, with a stub ffmpeg standing in for the
// GPUs this machine lacks: it fails every GPU encoder but those a test lets pass, as ffmpeg does
// without the device, and writes down each run.
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLogger, type Logger } from '../../src/logger.ts';
import { VideoEncoderSelection } from '../../src/worker/media/encoder-selection.ts';
import type { VideoEncoderSetting } from '../../src/worker-contract/environment.ts';
import { makeTempDir } from './support/media-fixtures.ts';

let temp: Awaited<ReturnType<typeof makeTempDir>>;
/** Stands in for a render node that exists. */
let renderNode: string;

before(async () => {
  temp = await makeTempDir();
  renderNode = join(temp.dir, 'renderD128');
  writeFileSync(renderNode, '');
});

after(async () => {
  await temp.remove();
});

interface StubFfmpeg {
  path: string;
  /** The encoder each run was asked for, in order. */
  runs(): string[];
}

/** An ffmpeg that encodes with the listed GPU encoders only; the others fail as without a device. */
function stubFfmpeg(name: string, passing: string[]): StubFfmpeg {
  const path = join(temp.dir, name);
  const log = `${path}.runs`;
  writeFileSync(log, '');
  const passes = passing.map((encoder) => `*"-c:v h264_${encoder} "*) exit 0 ;;`).join('\n  ');
  writeFileSync(
    path,
    `#!/bin/sh
for arg in "$@"; do case "$arg" in libx264|h264_*) echo "$arg" >> '${log}' ;; esac; done
case " $* " in
  ${passes}
  *h264_vaapi*) echo "Device creation failed: -542398533." >&2; exit 1 ;;
  *h264_nvenc*) echo "[h264_nvenc @ 0x55d0] Cannot load libcuda.so.1" >&2; exit 1 ;;
  *h264_qsv*) echo "Error creating a MFX session: -9." >&2; exit 1 ;;
esac
exit 0
`,
  );
  chmodSync(path, 0o755);
  return { path, runs: () => readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

function recordingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = createLogger({
    level: 'info',
    pretty: false,
    destination: { write: (line: string) => lines.push(JSON.parse(line) as LogLine) },
  });
  return { logger, lines };
}

async function choose(setting: VideoEncoderSetting, ffmpeg: StubFfmpeg, vaapiDevice = renderNode) {
  const { logger, lines } = recordingLogger();
  const selection = new VideoEncoderSelection({ setting, vaapiDevice, ffmpegPath: ffmpeg.path, logger });
  const encoder = await selection.encoder();
  return { encoder, selection, lines };
}

describe('choosing the video encoder at start', () => {
  test('auto on a machine without a working GPU tries VAAPI, NVENC and Quick Sync, then keeps x264', async () => {
    const ffmpeg = stubFfmpeg('no-gpu', []);
    const { encoder, lines } = await choose('auto', ffmpeg);
    assert.deepEqual(encoder, { name: 'x264' });
    assert.deepEqual(ffmpeg.runs(), ['h264_vaapi', 'h264_nvenc', 'h264_qsv']);
    const chosen = lines.find((line) => line.msg.startsWith('video encoder chosen'));
    assert.equal(chosen?.encoder, 'x264');
    assert.deepEqual(chosen?.trials, [
      { encoder: 'vaapi', passed: false, reason: 'Device creation failed: -542398533.' },
      { encoder: 'nvenc', passed: false, reason: '[h264_nvenc @ 0x55d0] Cannot load libcuda.so.1' },
      { encoder: 'qsv', passed: false, reason: 'Error creating a MFX session: -9.' },
    ]);
    assert.equal(
      lines.some((line) => line.level >= 40),
      false,
      'auto without a GPU is no warning',
    );
  });

  test('auto keeps the first GPU encoder that passes, in the order VAAPI, NVENC, Quick Sync', async () => {
    const nvidia = stubFfmpeg('nvidia', ['nvenc', 'qsv']);
    assert.deepEqual((await choose('auto', nvidia)).encoder, { name: 'nvenc' });
    assert.deepEqual(
      nvidia.runs(),
      ['h264_vaapi', 'h264_nvenc'],
      'Quick Sync is not tried after NVENC passed',
    );
    const intel = stubFfmpeg('intel', ['vaapi', 'qsv']);
    assert.deepEqual((await choose('auto', intel)).encoder, { name: 'vaapi', device: renderNode });
    assert.deepEqual(intel.runs(), ['h264_vaapi']);
  });

  test('VAAPI without its render node is not run at all', async () => {
    const ffmpeg = stubFfmpeg('no-node', ['vaapi']);
    const { encoder, lines } = await choose('vaapi', ffmpeg, join(temp.dir, 'renderD200'));
    assert.deepEqual(encoder, { name: 'x264' });
    assert.deepEqual(ffmpeg.runs(), []);
    const warning = lines.find((line) => line.level === 40);
    assert.match(warning?.msg ?? '', /VIDEO_ENCODER=vaapi failed its self-test; encoding with x264/);
    assert.match(JSON.stringify(warning?.trials), /no device at .*renderD200/);
  });

  test('an explicit GPU encoder that fails its self-test falls back to x264 with a warning', async () => {
    const ffmpeg = stubFfmpeg('broken-qsv', ['vaapi', 'nvenc']);
    const { encoder, lines } = await choose('qsv', ffmpeg);
    assert.deepEqual(encoder, { name: 'x264' });
    assert.deepEqual(ffmpeg.runs(), ['h264_qsv'], 'only the chosen encoder is tried');
    const warning = lines.find((line) => line.level === 40);
    assert.match(warning?.msg ?? '', /VIDEO_ENCODER=qsv failed its self-test; encoding with x264/);
    assert.match(JSON.stringify(warning?.trials), /MFX session/);
  });

  test('an explicit GPU encoder that passes is kept', async () => {
    const ffmpeg = stubFfmpeg('working-qsv', ['qsv']);
    assert.deepEqual((await choose('qsv', ffmpeg)).encoder, { name: 'qsv' });
  });

  test('x264 runs no self-test', async () => {
    const ffmpeg = stubFfmpeg('x264-only', []);
    const { encoder, selection } = await choose('x264', ffmpeg);
    assert.deepEqual(encoder, { name: 'x264' });
    assert.equal(selection.state.status, 'chosen');
    assert.deepEqual(ffmpeg.runs(), []);
  });

  test('a GPU that fails mid-film is given up for good: later items start with x264', async () => {
    const ffmpeg = stubFfmpeg('flaky-nvenc', ['nvenc']);
    const { selection } = await choose('nvenc', ffmpeg);
    assert.deepEqual(selection.fallBack('nvenc', 'Error submitting video frame to the encoder'), {
      name: 'x264',
    });
    assert.deepEqual(await selection.encoder(), { name: 'x264' });
    assert.equal(selection.state.status, 'fallen-back');
  });
});
