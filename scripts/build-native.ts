// Compiles native/media-send.c (the Go Live send path's packet sealing and batched sends) into
// native/build/media-send.node. Runs on `npm install`/`npm ci`; `npm run build:native` runs it again
// after the C source changes. Without a C compiler the worker falls back to Node's crypto and dgram
// (slower, same bytes), so a failed build only warns, unless --required (CI, the Docker image) or
// ORB_REQUIRE_NATIVE=1 says the fast path must be there.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const sourcePath = fileURLToPath(new URL('../native/media-send.c', import.meta.url));
const modulePath = fileURLToPath(new URL('../native/build/media-send.node', import.meta.url));
const required = process.argv.includes('--required') || process.env.ORB_REQUIRE_NATIVE === '1';

try {
  const { include_dir: napiInclude } = createRequire(import.meta.url)('node-api-headers') as {
    include_dir: string;
  };
  mkdirSync(new URL('../native/build/', import.meta.url), { recursive: true });
  execFileSync(
    process.env.CC || 'cc',
    [
      '-O2',
      '-fPIC',
      '-shared',
      '-fvisibility=hidden',
      '-Wall',
      '-Wextra',
      '-I',
      napiInclude,
      sourcePath,
      '-o',
      modulePath,
    ],
    { stdio: 'inherit' },
  );
  console.log(`built ${modulePath}`);
} catch (error) {
  const reason = error instanceof Error ? error.message : String(error);
  console.warn(`could not build the native media sender (${reason})`);
  if (required) process.exit(1);
  console.warn('the stream worker will seal and send packets with Node crypto and dgram (slower)');
}
