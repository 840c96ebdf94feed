// The Jellyfin simulator's transcoding as a client sees it: PlaybackInfo's verdict on a DeviceProfile
// (a TranscodingUrl with the reasons, or direct play), and the MPEG-TS stream of a transcode, whose
// codec, size, B-frames and keyframe spacing ffprobe reads back.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { defaultTitles } from '../../../sim/jellyfin/library.ts';
import { type JellyfinSim, startJellyfinSim } from '../../../sim/jellyfin/server.ts';
import { transcodePlaybackInfoRequest } from '../../../src/jellyfin/transcoding-request.ts';
import { resolveFfprobe } from '../../../src/media/ffmpeg-binary.ts';
import { mediaBrowserAuthorization } from '../../../src/media/jellyfin-auth-header.ts';
import { makeTempDir } from '../../worker/support/media-fixtures.ts';

const run = promisify(execFile);
const limits = { width: 1280, height: 720, fps: 30, bitrateKbps: 2500 };

let sim: JellyfinSim;
let temp: Awaited<ReturnType<typeof makeTempDir>>;

before(async () => {
  temp = await makeTempDir();
});

after(async () => {
  await temp.remove();
});

async function jellyfin(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${sim.url}${path}`, {
    ...init,
    headers: {
      Authorization: mediaBrowserAuthorization(sim.apiKey, 'sim-test'),
      'Content-Type': 'application/json',
    },
  });
}

async function offer(title: string, body: object): Promise<Record<string, unknown>> {
  const id = sim.library.byName(title).id;
  const response = await jellyfin(`/Items/${id}/PlaybackInfo`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200);
  const info = (await response.json()) as { MediaSources: Record<string, unknown>[] };
  return info.MediaSources[0]!;
}

/** Reads a transcode from `startSeconds` and probes it. */
async function transcoded(transcodingUrl: string, startSeconds: number, name: string) {
  const url = new URL(transcodingUrl, sim.url);
  url.searchParams.set('StartTimeTicks', String(startSeconds * 10_000_000));
  const response = await jellyfin(`${url.pathname}${url.search}`);
  assert.equal(response.status, 200);
  const path = join(temp.dir, `${name}.ts`);
  await writeFile(path, Buffer.from(await response.arrayBuffer()));
  const { stdout } = await run(resolveFfprobe(), [
    ...['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format'],
    ...['-show_entries', 'packet=stream_index,pts_time,flags', path],
  ]);
  const probe = JSON.parse(stdout) as {
    streams: {
      codec_type: string;
      codec_name: string;
      profile?: string;
      has_b_frames?: number;
      width?: number;
    }[];
    packets: { stream_index: number; pts_time: string; flags: string }[];
    format: { duration: string };
  };
  const video = probe.streams.find((stream) => stream.codec_type === 'video')!;
  const keyframes = probe.packets
    .filter((packet) => packet.stream_index === probe.streams.indexOf(video) && packet.flags.startsWith('K'))
    .map((packet) => Number(packet.pts_time));
  return { video, keyframes, durationSeconds: Number(probe.format.duration) };
}

for (const prepareAhead of [false, true]) {
  describe(`the Jellyfin simulator's transcoding${prepareAhead ? ', prepared ahead' : ''}`, () => {
    before(async () => {
      sim = await startJellyfinSim({ transcoding: { prepareAhead } });
    });

    after(async () => {
      await sim.stop();
    });

    test('PlaybackInfo with a profile offers a progressive transcode, with the reasons', async () => {
      const hevc = await offer(defaultTitles.hevc, transcodePlaybackInfoRequest(limits));
      assert.equal(hevc.SupportsDirectPlay, false);
      assert.equal(hevc.TranscodingSubProtocol, 'http');
      assert.match(String(hevc.TranscodingUrl), /^\/videos\/[0-9a-f]{32}\/stream\.ts\?/);
      assert.deepEqual(hevc.TranscodeReasons, ['VideoCodecNotSupported']);
      const h264 = await offer(defaultTitles.basic, {
        DeviceProfile: { DirectPlayProfiles: [{ Type: 'Video', Container: 'mp4', VideoCodec: 'h264' }] },
      });
      assert.equal(h264.SupportsDirectPlay, true);
      assert.equal(h264.TranscodingUrl, undefined);
    });

    test("a transcode is Baseline H.264 with Jellyfin's 5 s keyframes, from the position asked", async () => {
      const hevc = await offer(defaultTitles.hevc, transcodePlaybackInfoRequest(limits));
      if (prepareAhead) await sim.prepareTranscode(new URL(String(hevc.TranscodingUrl), sim.url).toString());
      const whole = await transcoded(String(hevc.TranscodingUrl), 0, `whole-${prepareAhead}`);
      assert.equal(whole.video.codec_name, 'h264');
      assert.equal(whole.video.profile, 'Constrained Baseline');
      assert.equal(whole.video.has_b_frames ?? 0, 0);
      assert.equal(whole.video.width, 320, 'a source smaller than the profile keeps its size');
      const gaps = whole.keyframes.slice(1).map((time, n) => time - whole.keyframes[n]!);
      assert.ok(gaps.length >= 1 && gaps.every((gap) => gap <= 5.05), `keyframe gaps ${gaps}`);
      const later = await transcoded(String(hevc.TranscodingUrl), 4, `later-${prepareAhead}`);
      assert.ok(Math.abs(later.durationSeconds - 2) < 0.5, `${later.durationSeconds} s from 4 s of 6 s`);
    });
  });
}
