// The page itself: the bundle scripts/build-dashboard.ts wrote at install time (the script, its
// on-demand chunks, the stylesheet), read once at start and served from memory. Every page path
// answers the same HTML; the front end routes.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { ApiRequestError, parseInput } from '../http/errors.ts';
import { chunkParamsSchema } from './schemas.ts';

export const dashboardBuildFolder = fileURLToPath(new URL('../../web/dist/', import.meta.url));

const script = 'text/javascript; charset=utf-8';
const assets = [
  { name: 'app.js', type: script },
  { name: 'app.css', type: 'text/css; charset=utf-8' },
] as const;

export class MissingDashboardBuildError extends Error {
  constructor(file: string) {
    super(`The dashboard's page is not built (${file} is missing): run npm run build:dashboard.`);
    this.name = 'MissingDashboardBuildError';
  }
}

function readBuilt(name: string): Buffer {
  try {
    return readFileSync(`${dashboardBuildFolder}${name}`);
  } catch {
    throw new MissingDashboardBuildError(name);
  }
}

function readBuiltFolder(name: string): string[] {
  try {
    return readdirSync(`${dashboardBuildFolder}${name}`).filter((file) => file.endsWith('.js'));
  } catch {
    throw new MissingDashboardBuildError(`${name}/`);
  }
}

export function registerStaticRoutes(app: FastifyInstance): void {
  const page = readBuilt('index.html');
  const headers = {
    'content-security-policy':
      "default-src 'self'; img-src 'self' http: https: data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
  };
  for (const path of ['/', '/party/:id']) {
    app.get(path, async (_request, reply) =>
      reply
        .headers({ ...headers, 'cache-control': 'no-cache' })
        .type('text/html; charset=utf-8')
        .send(page),
    );
  }
  for (const asset of assets) {
    const body = readBuilt(asset.name);
    app.get(`/assets/${asset.name}`, async (_request, reply) =>
      reply
        .headers({ ...headers, 'cache-control': 'no-cache' })
        .type(asset.type)
        .send(body),
    );
  }
  // What the script loads on demand (each language's catalog), whatever the build split off.
  const chunks = new Map(
    readBuiltFolder('chunks').map((file) => [file, readBuilt(`chunks/${file}`)] as const),
  );
  app.get('/assets/chunks/:file', async (request, reply) => {
    const { file } = parseInput(chunkParamsSchema, request.params);
    const body = chunks.get(file);
    if (body === undefined) throw new ApiRequestError(404, 'not_found', 'The page has no such script.');
    return reply
      .headers({ ...headers, 'cache-control': 'no-cache' })
      .type(script)
      .send(body);
  });
}
