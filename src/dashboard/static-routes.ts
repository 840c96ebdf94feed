// The page itself: the bundle scripts/build-dashboard.ts wrote at install time, read once at start
// and served from memory. Every page path answers the same HTML; the front end routes.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

export const dashboardBuildFolder = fileURLToPath(new URL('../../web/dist/', import.meta.url));

const assets = [
  { name: 'app.js', type: 'text/javascript; charset=utf-8' },
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
}
