import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { renderWorkerOpenApi, workerOpenApiPath } from '../../scripts/write-openapi.ts';

test('docs/worker-openapi.json is the document the worker serves (run `npm run docs:openapi`)', () => {
  assert.equal(readFileSync(workerOpenApiPath, 'utf8'), renderWorkerOpenApi());
});
