// The tests of `npm run check`: every test file that starts neither ffmpeg nor a child process, so
// the inner loop stays short (`npm test` runs them all). A test file is slow when it, or a helper
// under test/ it imports, imports one of the modules below (tests reach ffmpeg, workers and the bot
// process through them), or when it is listed in MAKES_SIM_MEDIA. `--list` prints the selection.
import { spawnSync } from 'node:child_process';
import { globSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

/** Import specifiers that mean ffmpeg, ffprobe or a child process (worker, bot, compiler). */
const SLOW_IMPORTS = [
  /^node:child_process$/,
  /^execa$/,
  /\/src\/media\/ffmpeg-binary\.ts$/,
  /\/sim\/stack\//,
  /\/test\/worker\/support\/media-fixtures\.ts$/,
  /\/test\/worker-pool\/support\/bot-process\.ts$/,
  /\/test\/worker\/golive\/clip\.ts$/,
  // Chromium, and esbuild's service process building the page.
  /\/sim\/dashboard-browser\.ts$/,
  /\/scripts\/build-dashboard\.ts$/,
];

/**
 * Tests that ask the Jellyfin simulator for PlaybackInfo, a stream or a poster, which it makes with
 * ffmpeg (sim/jellyfin/media.ts): no import gives that away.
 */
const MAKES_SIM_MEDIA = new Set(['test/discord/real-catalog.test.ts', 'test/sim/jellyfin/simulator.test.ts']);

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

const verdicts = new Map<string, boolean>();

/** Whether `file` (absolute) or a test/ helper it imports, transitively, imports a slow module. */
function isSlow(file: string): boolean {
  const known = verdicts.get(file);
  if (known !== undefined) return known;
  verdicts.set(file, false); // an import cycle between helpers is judged by its other imports
  let slow = false;
  for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2]!;
    const target = specifier.startsWith('.') ? resolve(dirname(file), specifier) : specifier;
    if (SLOW_IMPORTS.some((pattern) => pattern.test(target))) slow = true;
    else if (target.startsWith(join(root, 'test/'))) slow = isSlow(target);
    if (slow) break;
  }
  verdicts.set(file, slow);
  return slow;
}

const fast = globSync('test/**/*.test.ts', { cwd: root })
  .sort()
  .filter((file) => !MAKES_SIM_MEDIA.has(file) && !isSlow(join(root, file)));

if (process.argv.includes('--list')) {
  for (const file of fast) console.log(file);
} else {
  const run = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...fast], {
    cwd: root,
    stdio: 'inherit',
  });
  process.exitCode = run.status ?? 1;
}
