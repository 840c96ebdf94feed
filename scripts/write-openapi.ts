// `npm run docs:openapi`: writes the worker contract's OpenAPI document, generated from the zod
// schemas in src/worker-contract/http.ts, to docs/worker-openapi.json.
import { writeFileSync } from 'node:fs';
import { workerOpenApiDocument } from '../src/worker/contract-server.ts';

export const workerOpenApiPath = new URL('../docs/worker-openapi.json', import.meta.url);

export function renderWorkerOpenApi(): string {
  return `${JSON.stringify(workerOpenApiDocument(), null, 2)}\n`;
}

if (import.meta.main) {
  writeFileSync(workerOpenApiPath, renderWorkerOpenApi());
  console.log(`wrote ${workerOpenApiPath.pathname}`);
}
