// Builds the dashboard's page (web/src) into web/dist with esbuild: one script, one stylesheet, the
// HTML, and in chunks/ what the script loads on demand (each language's catalog). Runs on `npm ci` next to the native build, so the bot serves files made on install and
// fetches nothing at run time. `--watch`-less on purpose: the tests build before they browse.
import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const source = fileURLToPath(new URL('../web/src/', import.meta.url));
export const dashboardOutput = fileURLToPath(new URL('../web/dist/', import.meta.url));

export async function buildDashboard(): Promise<void> {
  await mkdir(dashboardOutput, { recursive: true });
  await build({
    entryPoints: [
      { in: `${source}main.tsx`, out: 'app' },
      { in: `${source}app.css`, out: 'app' },
    ],
    outdir: dashboardOutput,
    bundle: true,
    splitting: true,
    // Stable names, so a rebuild overwrites the same files.
    chunkNames: 'chunks/[name]',
    minify: true,
    format: 'esm',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    logLevel: 'warning',
  });
  await copyFile(`${source}index.html`, `${dashboardOutput}index.html`);
}

if (import.meta.main) await buildDashboard();
