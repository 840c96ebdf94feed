// ffmpeg, resolved as the stream workers resolve it (src/media/ffmpeg-binary.ts), must encode H.264
// with libx264 and Opus with libopus.
import { execa } from 'execa';
import { resolveFfmpeg } from '../media/ffmpeg-binary.ts';
import { type CheckLine, fail, ok } from './check-line.ts';

const check = 'ffmpeg';
const neededEncoders = ['libx264', 'libopus'] as const;
const installFix =
  'Install an ffmpeg built with libx264 and libopus (the Docker image and ./orb bring one), ' +
  'or set FFMPEG_PATH to such a binary.';

export async function checkFfmpeg(env: NodeJS.ProcessEnv = process.env): Promise<CheckLine> {
  const result = await execa(resolveFfmpeg(env), ['-hide_banner', '-encoders'], {
    reject: false,
    timeout: 10_000,
    stdin: 'ignore',
  });
  if (result.failed && result.stdout === '') {
    const reason = (result as { code?: string }).code === 'ENOENT' ? 'not found' : 'could not be run';
    return fail(check, `ffmpeg ${reason}${env.FFMPEG_PATH ? ' at FFMPEG_PATH' : ''}`, installFix);
  }
  // Lines look like ` V....D libx264   libx264 H.264 / AVC …`: flags, then the encoder's name.
  const encoders = new Set(
    result.stdout.split('\n').flatMap((line) => {
      const name = /^\s*[VAS][A-Z.]{5}\s+(\S+)/.exec(line)?.[1];
      return name ? [name] : [];
    }),
  );
  const missing = neededEncoders.filter((name) => !encoders.has(name));
  if (missing.length > 0)
    return fail(check, `this ffmpeg has no ${missing.join(' or ')} encoder`, installFix);
  return ok(check, 'encodes with libx264 and libopus');
}
