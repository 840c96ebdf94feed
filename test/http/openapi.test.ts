// /api/openapi.json against the server main.ts builds (the API with search and metrics, and the
// dashboard on it): every route Fastify registered is described, with its parameters, and every
// answer it documents with a body shows an example. A route added without a description fails here.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { registerDashboard } from '../../src/dashboard/index.ts';
import { type ApiServer, buildApi } from '../../src/http/api.ts';
import { createWatchPartyHarness, type WatchPartyHarness } from '../support/watch-party.ts';

interface Operation {
  security?: unknown;
  parameters?: { name: string; in: string; example?: unknown }[];
  requestBody?: { content: Record<string, { example?: unknown }> };
  responses: Record<string, { content?: Record<string, { example?: unknown }>; headers?: object }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
}

/**
 * Every `METHOD /path` Fastify routes, read from its route tree (HEAD answers come with each GET and
 * are left out). Paths are written as OpenAPI writes them: `:id` becomes `{id}`.
 */
function registeredRoutes(app: ApiServer): string[] {
  const routes: string[] = [];
  const prefixes: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([\s│]*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    prefixes.length = depth;
    prefixes.push(match[2]!);
    const path = prefixes.join('').replace(/:(\w+)/g, '{$1}');
    for (const method of match[3]?.split(', ') ?? []) if (method !== 'HEAD') routes.push(`${method} ${path}`);
  }
  return routes.sort();
}

describe('the OpenAPI document', () => {
  let harness: WatchPartyHarness;
  let api: ApiServer;
  let document: Document;

  before(async () => {
    harness = await createWatchPartyHarness();
    const { service, logger } = harness;
    const search = { search: async () => [] };
    api = buildApi({
      service,
      apiTokens: ['api-token-0123456789'],
      logger,
      search,
      metrics: { token: 'metrics-token-0123456789', contentType: 'text/plain', render: async () => '' },
    });
    registerDashboard(api, {
      db: harness.database.db,
      logger,
      service,
      search,
      posters: null,
      members: { sharedGuilds: () => [], actor: async () => null, readMentions: (_guild, text) => text },
      publicUrl: 'https://party.example.org',
      clientSecret: 'client-secret-0123456789',
      applicationId: '100000000000000001',
      discordBase: 'https://discord.com',
    });
    await api.ready();
    const response = await api.inject({ method: 'GET', url: '/api/openapi.json' });
    assert.equal(response.statusCode, 200);
    document = response.json();
  });
  after(async () => {
    await api?.close();
    await harness?.cleanup();
  });

  test('describes every route the server answers, the dashboard and login ones included', () => {
    const described = Object.entries(document.paths)
      .flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      )
      .sort();
    const registered = registeredRoutes(api);
    assert.ok(registered.length >= 25, `the route tree was read (${registered.length} routes)`);
    for (const route of [
      'GET /login',
      'GET /oauth/callback',
      'POST /logout',
      'GET /dashboard/api/parties/{id}/events',
    ])
      assert.ok(registered.includes(route), `${route} is registered`);
    assert.deepEqual(
      registered.filter((route) => !described.includes(route)),
      [],
      'routes missing from /api/openapi.json',
    );
    assert.deepEqual(
      described.filter((route) => !registered.includes(route)),
      [],
      'described routes the server does not answer',
    );
  });

  test('every operation shows an example answer, and every parameter and request body an example', () => {
    const missing: string[] = [];
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const where = `${method.toUpperCase()} ${path}`;
        const answers = Object.entries(operation.responses);
        for (const [status, answer] of answers)
          for (const [type, body] of Object.entries(answer.content ?? {}))
            if (body.example === undefined) missing.push(`${where} → ${status} ${type}`);
        if (!answers.some(([, answer]) => answer.content || answer.headers))
          missing.push(`${where} → no answer with an example`);
        for (const parameter of operation.parameters ?? [])
          if (parameter.example === undefined) missing.push(`${where} → ${parameter.in} ${parameter.name}`);
        for (const [type, body] of Object.entries(operation.requestBody?.content ?? {}))
          if (body.example === undefined) missing.push(`${where} → request ${type}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  test('a shape many routes answer is written once, under components, and every reference to one resolves', () => {
    const text = JSON.stringify(document);
    const schemas = (document as unknown as { components: { schemas?: Record<string, unknown> } }).components
      .schemas;
    const references = [...text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map(
      ([, name]) => name!,
    );
    assert.ok(
      references.includes('SessionDetails') && references.includes('PartyView'),
      'party details are referenced',
    );
    assert.deepEqual(
      [...new Set(references)].filter((name) => schemas?.[name] === undefined),
      [],
      'references to schemas the document does not hold',
    );
    assert.ok(!text.includes('#/$defs/'), 'no reference points inside a route');
  });

  test('the dashboard routes need a login (and its CSRF token for changes); the page and logging in need nothing', () => {
    const { paths } = document;
    assert.deepEqual(paths['/dashboard/api/parties/{id}']!.get!.security, [{ login: [] }]);
    assert.deepEqual(paths['/dashboard/api/parties/{id}/control']!.post!.security, [{ login: [], csrf: [] }]);
    assert.deepEqual(paths['/login']!.get!.security, []);
    assert.equal(paths['/api/sessions']!.get!.security, undefined, 'the default: the bearer token');
    const callback = paths['/oauth/callback']!.get!.parameters!.map((parameter) => parameter.name);
    assert.deepEqual(callback, ['code', 'state', 'error']);
  });
});
