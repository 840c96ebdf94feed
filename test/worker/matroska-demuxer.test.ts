// Our Matroska reader against ffprobe on the same bytes: ffmpeg's real pipe output (the exact
// arguments the player uses), fed in awkward chunk sizes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { resolveFfmpeg, resolveFfprobe } from '../../src/media/ffmpeg-binary.ts';
import { segmentArgs } from '../../src/worker/media/ffmpeg-args.ts';
import { parseAvcDecoderConfig, toAnnexB } from '../../src/worker/media/h264-annexb.ts';
import {
  MatroskaDemuxer,
  type MatroskaPacket,
  type MatroskaTrack,
} from '../../src/worker/media/matroska-demuxer.ts';
import { streamEncoding } from '../../src/worker/media/stream-encoding.ts';
import { makeClip, makeTempDir } from './support/media-fixtures.ts';

const run = promisify(execFile);

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let mkv: Buffer;
let probed: { stream_index: number; pts_time: string; flags: string; size: string }[];

before(async () => {
  temp = await makeTempDir();
  const clip = await makeClip(temp.dir, 'clip.mp4', { seconds: 3, kind: 'bframes' });
  const args = segmentArgs({
    url: clip,
    mode: 'transcode',
    startSeconds: 0,
    encoding: streamEncoding('720p30'),
    source: {
      videoStreamIndex: 0,
      audioStreamIndex: 1,
      audioChannels: 2,
      audioStreams: [{ index: 1, channels: 2 }],
      durationSeconds: 3,
      startTimeSeconds: 0,
      video: {
        codec: 'h264',
        width: 320,
        height: 240,
        pixelAspect: 1,
        frameRate: { rate: { num: 30, den: 1 }, variable: false },
        fieldOrder: 'progressive',
        hdr: null,
      },
      copyBlocker: 'B-frames',
    },
  });
  const output = join(temp.dir, 'out.mkv');
  // Same argv as the player, but into a file instead of pipe:1, and without the HTTP-only input
  // options (each takes one value) that a local file refuses, the protocol whitelist included.
  const httpOnly = new Set([
    '-protocol_whitelist',
    '-reconnect',
    '-reconnect_streamed',
    '-reconnect_on_network_error',
    '-reconnect_delay_max',
    '-rw_timeout',
  ]);
  const fileArgs = args
    .slice(0, -1)
    .filter((arg, i, all) => !httpOnly.has(arg) && !httpOnly.has(all[i - 1]!));
  await run(resolveFfmpeg(), [...fileArgs, output]);
  mkv = await readFile(output);
  const { stdout } = await run(resolveFfprobe(), [
    ...['-v', 'error', '-show_entries', 'packet=stream_index,pts_time,flags,size', '-of', 'json', output],
  ]);
  probed = JSON.parse(stdout).packets;
});

after(() => temp.remove());

function demux(chunkSize: number): { tracks: MatroskaTrack[]; packets: MatroskaPacket[] } {
  const tracks: MatroskaTrack[] = [];
  const packets: MatroskaPacket[] = [];
  const demuxer = new MatroskaDemuxer({
    tracks: (found) => tracks.push(...found),
    packet: (packet) => packets.push({ ...packet, data: Buffer.from(packet.data) }),
  });
  for (let offset = 0; offset < mkv.length; offset += chunkSize)
    demuxer.push(mkv.subarray(offset, offset + chunkSize));
  return { tracks, packets };
}

describe('the Matroska demuxer', () => {
  for (const chunkSize of [1, 4096, 1 << 20]) {
    test(`reads every packet ffprobe sees, with the same timestamps and keyframes (${chunkSize}-byte chunks)`, () => {
      const { tracks, packets } = demux(chunkSize);
      assert.deepEqual(
        tracks.map((t) => [t.number, t.kind, t.codecId]),
        [
          [1, 'video', 'V_MPEG4/ISO/AVC'],
          [2, 'audio', 'A_OPUS'],
        ],
      );
      assert.equal(packets.length, probed.length);
      const video = packets.filter((p) => p.track === 1);
      const probedVideo = probed.filter((p) => p.stream_index === 0);
      assert.equal(video.length, probedVideo.length);
      video.forEach((packet, i) => {
        const expected = probedVideo[i]!;
        assert.equal(packet.timestampMs, Math.round(Number(expected.pts_time) * 1000));
        assert.equal(packet.keyframe, expected.flags.startsWith('K'));
        assert.equal(packet.data.length, Number(expected.size));
      });
    });
  }

  test('turns video into Annex B with SPS/PPS on every keyframe and no AUD', () => {
    const { tracks, packets } = demux(4096);
    const avc = parseAvcDecoderConfig(tracks[0]!.codecPrivate!);
    const video = packets.filter((p) => p.track === 1);
    const keyframes = video.filter((p) => p.keyframe);
    assert.ok(keyframes.length >= 2, 'a fixed 2 s GOP gives a keyframe at 0 s and 2 s');
    for (const packet of video) {
      const annexB = toAnnexB(packet.data, packet.keyframe, avc);
      assert.deepEqual([...annexB.subarray(0, 4)], [0, 0, 0, 1]);
      const nalTypes: number[] = [];
      for (let i = 0; i + 4 < annexB.length; i++) {
        if (annexB[i] === 0 && annexB[i + 1] === 0 && annexB[i + 2] === 0 && annexB[i + 3] === 1) {
          nalTypes.push(annexB[i + 4]! & 0x1f);
        }
      }
      assert.ok(!nalTypes.includes(9), 'no access unit delimiter');
      if (packet.keyframe) {
        assert.equal(nalTypes[0], 7, 'a keyframe starts with its SPS');
        assert.ok(nalTypes.includes(8) && nalTypes.includes(5), 'then PPS and the IDR slice');
      }
    }
  });
});
