// A WatchPartyService wired to a temporary database, a fake worker pool and a fake media library,
// plus the small helpers tests of every door need: actors and waiting for a session state.
import assert from 'node:assert/strict';
import { createLogger, type Logger } from '../../src/logger.ts';
import { WatchPartyError } from '../../src/watchparty/errors.ts';
import type { PlaybackReporter } from '../../src/watchparty/media-library.ts';
import type { FilmNightSettings } from '../../src/watchparty/party-film-night.ts';
import type { Actor, MemberActor } from '../../src/watchparty/permissions.ts';
import { WatchPartyService } from '../../src/watchparty/service.ts';
import type { SessionDetails } from '../../src/watchparty/views.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { FakeMediaLibrary } from './fake-media-library.ts';
import { FakeWorkerPool } from './fake-worker-pool.ts';

export const GUILD_ID = '100000000000000001';
export const VOICE_CHANNEL_ID = '200000000000000001';
export const OTHER_VOICE_CHANNEL_ID = '200000000000000002';
export const TEXT_CHANNEL_ID = '300000000000000001';
export const OWNER_ID = '400000000000000001';
export const DJ_ROLE_ID = '500000000000000001';

export interface WatchPartyHarness {
  service: WatchPartyService;
  database: TestDatabase;
  workers: FakeWorkerPool;
  media: FakeMediaLibrary;
  logger: Logger;
  /** A new service on the same database file and worker pool, as after a bot restart. */
  restart(): Promise<WatchPartyService>;
  cleanup(): Promise<void>;
}

export async function createWatchPartyHarness(
  options: { reporter?: PlaybackReporter; djRoleId?: string; filmNight?: FilmNightSettings } = {},
): Promise<WatchPartyHarness> {
  const database = await createTestDatabase();
  const workers = new FakeWorkerPool();
  const media = new FakeMediaLibrary();
  const logger = createLogger({ level: 'silent', pretty: false });
  const services: WatchPartyService[] = [];
  const build = (db = database.db) => {
    const service = new WatchPartyService({
      db,
      workers,
      media,
      logger,
      reporter: options.reporter,
      djRoleId: options.djRoleId ?? DJ_ROLE_ID,
      ...options.filmNight,
    });
    services.push(service);
    return service;
  };
  const harness: WatchPartyHarness = {
    service: build(),
    database,
    workers,
    media,
    logger,
    async restart() {
      await harness.service.close();
      // The bot's worker children die with it; the new process finds none running.
      await workers.shutdown();
      harness.service = build(database.reopen());
      return harness.service;
    },
    async cleanup() {
      for (const service of services) await service.close();
      await database.cleanup();
    },
  };
  return harness;
}

export function member(
  userId: string,
  options: { voiceChannelId?: string | null; roleIds?: string[]; canManageChannels?: boolean } = {},
): MemberActor {
  return {
    kind: 'member',
    userId,
    voiceChannelId: options.voiceChannelId === undefined ? VOICE_CHANNEL_ID : options.voiceChannelId,
    roleIds: options.roleIds ?? [],
    canManageChannels: options.canManageChannels ?? false,
  };
}

export const owner = member(OWNER_ID);
export const apiActor: Actor = { kind: 'api', label: 'test' };

/** Creates a party owned by OWNER_ID in VOICE_CHANNEL_ID; returns its id. */
export async function createParty(service: WatchPartyService, title?: string): Promise<number> {
  const session = await service.createSession(
    {
      guildId: GUILD_ID,
      voiceChannelId: VOICE_CHANNEL_ID,
      textChannelId: TEXT_CHANNEL_ID,
      ownerUserId: OWNER_ID,
      title,
    },
    owner,
  );
  return session.id;
}

/**
 * Resolves with the session once `predicate` holds, checking now and after every change the service
 * announces; rejects after `timeoutMs` with the last state seen, so a failure says what happened.
 */
export async function waitForSession(
  service: WatchPartyService,
  sessionId: number,
  predicate: (details: SessionDetails) => boolean,
  timeoutMs = 10_000,
): Promise<SessionDetails> {
  let last: SessionDetails | undefined;
  return new Promise<SessionDetails>((resolve, reject) => {
    let settled = false;
    const check = async () => {
      if (settled) return;
      last = await service.getSession(sessionId);
      if (settled || !predicate(last)) return;
      settled = true;
      finish();
      resolve(last);
    };
    const unsubscribe = service.onSessionChanged((changed) => {
      if (changed === sessionId) check().catch(fail);
    });
    const timer = setTimeout(
      () =>
        fail(
          new Error(
            `session ${sessionId} never reached the expected state; last: ${JSON.stringify(last?.session)}`,
          ),
        ),
      timeoutMs,
    );
    function finish() {
      clearTimeout(timer);
      unsubscribe();
    }
    function fail(error: unknown) {
      if (settled) return;
      settled = true;
      finish();
      reject(error);
    }
    check().catch(fail);
  });
}

/** For assert.rejects/throws: a WatchPartyError with this code (and message pattern, and field). */
export function watchPartyError(code: WatchPartyError['code'], pattern?: RegExp, field?: string) {
  return (error: unknown) => {
    assert.ok(error instanceof WatchPartyError, `expected a WatchPartyError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (pattern) assert.match(error.message, pattern);
    if (field !== undefined) assert.equal(error.field, field);
    return true;
  };
}
