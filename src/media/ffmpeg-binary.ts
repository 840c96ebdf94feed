// Which ffmpeg to run: FFMPEG_PATH, then the ffmpeg-static binary when its download succeeded at
// install time (it cannot on machines without internet), then `ffmpeg` on PATH. ffprobe follows
// the same order with FFPROBE_PATH and the ffprobe sitting next to the chosen ffmpeg.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

function ffmpegStaticBinary(): string | null {
  try {
    const path = require('ffmpeg-static') as string | null;
    return path && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

export function resolveFfmpeg(env: NodeJS.ProcessEnv = process.env): string {
  return env.FFMPEG_PATH || ffmpegStaticBinary() || 'ffmpeg';
}

export function resolveFfprobe(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FFPROBE_PATH) return env.FFPROBE_PATH;
  const ffmpeg = resolveFfmpeg(env);
  if (ffmpeg.includes('/')) {
    const sibling = join(dirname(ffmpeg), 'ffprobe');
    if (existsSync(sibling)) return sibling;
  }
  return 'ffprobe';
}
