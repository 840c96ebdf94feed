// Film night sources made by ffmpeg: a 23.976 film, 59.94 television, a variable rate, an interlaced
// anamorphic DVD,
// HDR10, 5.1 mixes with a tone in one channel, a quiet soundtrack; and idet's verdict on a video.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { resolveFfmpeg } from '../../../src/media/ffmpeg-binary.ts';

const run = promisify(execFile);

export type FilmSource = 'film' | 'tv5994' | 'vfr' | 'dvd' | 'hdr' | 'centre' | 'rear' | 'front' | 'quiet';

function lavfi(source: string, seconds: number): string[] {
  return ['-f', 'lavfi', '-i', `${source}:duration=${seconds}`];
}

const H264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];

/** 5.1 with a 1 kHz tone in one channel only (pan's channel names) and a small picture. */
function surround(channel: 'FC' | 'BL' | 'FL', seconds: number): string[] {
  return [
    ...lavfi('testsrc2=size=160x120:rate=25', seconds),
    ...lavfi('sine=frequency=1000:sample_rate=48000', seconds),
    ...['-filter_complex', `[1:a]pan=5.1|${channel}=c0[a]`, '-map', '0:v', '-map', '[a]'],
    ...H264,
    ...['-c:a', 'flac'],
  ];
}

function recipe(name: FilmSource, seconds: number): string[] {
  switch (name) {
    case 'film':
      // B-frames, so the worker transcodes it (a copy would keep the rate without any choice made).
      return [
        ...lavfi('testsrc2=size=640x360:rate=24000/1001', seconds),
        ...lavfi('sine=frequency=440:sample_rate=48000', seconds),
        ...H264,
        ...['-bf', '2', '-c:a', 'aac', '-ac', '2'],
      ];
    case 'tv5994':
      return [...lavfi('testsrc2=size=320x240:rate=60000/1001', seconds), ...H264];
    case 'vfr':
      // A variable rate in Matroska (which states no average): 30 fps with every fourth frame left
      // out, so frames come 33 or 67 ms apart, 22.5 a second on average.
      return [
        ...lavfi('testsrc2=size=320x240:rate=30', seconds),
        ...['-vf', "select='not(eq(mod(n\\,4)\\,3))'", '-fps_mode', 'vfr', ...H264],
      ];
    case 'dvd':
      // 480i: 59.94 moments woven into 29.97 frames of two fields each (so motion combs), MPEG-2
      // coded interlaced, top field first, 16:9 on 720x480 pixels (SAR 32:27).
      return [
        ...lavfi('testsrc2=size=720x480:rate=60000/1001', seconds),
        ...['-vf', 'tinterlace=mode=interleave_top,setfield=tff', '-aspect', '16:9'],
        ...['-c:v', 'mpeg2video', '-b:v', '6M', '-flags', '+ilme+ildct', '-top', '1', '-f', 'mpeg'],
      ];
    case 'hdr':
      return [
        ...lavfi('testsrc2=size=320x240:rate=25', seconds),
        ...['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p10le'],
        ...['-color_primaries', 'bt2020', '-color_trc', 'smpte2084', '-colorspace', 'bt2020nc'],
      ];
    case 'centre':
      return surround('FC', seconds);
    case 'rear':
      return surround('BL', seconds);
    case 'front':
      return surround('FL', seconds);
    case 'quiet':
      // The whole soundtrack far below a normal mix (peaks about -40 dBFS).
      return [
        ...lavfi('testsrc2=size=160x120:rate=25', seconds),
        ...lavfi('sine=frequency=440:sample_rate=48000', seconds),
        ...['-af', 'volume=-22dB', '-ac', '2', ...H264, '-c:a', 'flac'],
      ];
  }
}

/** Writes the source into `dir` and returns its path. */
export async function makeFilmSource(dir: string, name: FilmSource, seconds: number): Promise<string> {
  const file = join(dir, `${name}.${name === 'dvd' ? 'mpg' : 'mkv'}`);
  await run(resolveFfmpeg(), ['-hide_banner', '-v', 'error', '-y', ...recipe(name, seconds), file]);
  return file;
}

/**
 * Share of frames ffmpeg's idet calls interlaced (its multi-frame verdict, which needs a few frames
 * to settle: clips of 5 s or more keep those few well under 5 %).
 */
export async function interlacedShare(file: string): Promise<number> {
  const { stderr } = await run(resolveFfmpeg(), [
    ...['-hide_banner', '-i', file, '-map', '0:v', '-vf', 'idet', '-f', 'null', '-'],
  ]);
  const line = /Multi frame detection: TFF:\s*(\d+)\s*BFF:\s*(\d+)\s*Progressive:\s*(\d+)/.exec(stderr);
  if (!line) throw new Error(`idet printed no verdict for ${file}`);
  const [tff, bff, progressive] = line.slice(1).map(Number) as [number, number, number];
  return (tff + bff) / (tff + bff + progressive);
}
