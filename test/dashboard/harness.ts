// The dashboard under test: the Discord door of test/discord (the real discord.js bot on sim/discord,
// the real service with a fake worker pool and media library) plus the bot's HTTP server with the
// dashboard on it, and Debian's Chromium driven by playwright-core. Each member browses in a browser
// context of their own, logs in through the simulator's OAuth2 account picker, and every page is
// watched for console errors; a failing step keeps a screenshot.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { buildDashboard } from '../../scripts/build-dashboard.ts';
import { launchChromium, logInWithDiscord } from '../../sim/dashboard-browser.ts';
import type { SimUser } from '../../sim/discord/index.ts';
import { freePort } from '../../sim/free-port.ts';
import { discordMembers, registerDashboard } from '../../src/dashboard/index.ts';
import type { StreamStatsSource } from '../../src/dashboard/stream-health.ts';
import { type ApiServer, buildApi } from '../../src/http/api.ts';
import { localeOf } from '../../src/i18n/locales.ts';
import { t } from '../../src/i18n/translate.ts';
import { type DiscordDoor, openDiscordDoor } from '../discord/harness.ts';

export const artifactsFolder =
  process.env.ORB_TEST_ARTIFACTS ?? path.join(tmpdir(), 'orb-dashboard-artifacts');

export interface MemberPage {
  page: Page;
  /** Console errors and uncaught exceptions the page has had so far. */
  errors: string[];
  close(): Promise<void>;
}

export interface DashboardRig {
  door: DiscordDoor;
  api: ApiServer;
  /** `http://127.0.0.1:PORT`, the dashboard's PUBLIC_URL. */
  baseUrl: string;
  /**
   * A browser of the member's own, logged in through Discord's (simulated) login, on `path`; with
   * `touch`, a phone's touch screen instead of a mouse; with `locale` (`de-DE`), a browser set to
   * that language, whose login page is worded in it.
   */
  open(user: SimUser, path: string, input?: 'mouse' | 'touch', locale?: string): Promise<MemberPage>;
  /** The owner creates a party called `title` from Discord and queues movie-1 in it; answers its id. */
  startParty(title: string): Promise<number>;
  /** Runs a step; when it fails, the page's screenshot is kept in artifactsFolder first. */
  step<T>(page: Page, name: string, work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A streaming party's figures as a worker reports them: 24 frames and 250 kB a second, DAVE epoch 3. */
export function steadyStream(startedAt = Date.now()): StreamStatsSource {
  return async () => {
    const ms = Date.now() - startedAt;
    const stream = {
      videoFramesSent: Math.floor(ms * 0.024),
      bytesSent: ms * 250,
      daveEpoch: 3,
      viewers: 2,
      reconnects: 0,
    };
    return [{ sessionId: '1', stats: { encoder: 'copy', stream } }];
  };
}

export async function openDashboardRig(
  options: { streamStats?: StreamStatsSource } = {},
): Promise<DashboardRig> {
  let browser: Promise<Browser> | null = null;
  await buildDashboard();
  const door = await openDiscordDoor();
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  door.sim.oauth.registerRedirect(`${baseUrl}/oauth/callback`);
  const { service, logger, database } = door.party;
  const api = buildApi({ service, apiTokens: [], logger });
  registerDashboard(api, {
    db: database.db,
    logger,
    service,
    search: door.search,
    posters: null,
    members: discordMembers(door.bot.client),
    publicUrl: baseUrl,
    clientSecret: door.sim.oauth.clientSecret,
    applicationId: door.sim.applicationId,
    discordBase: door.sim.baseUrl,
    streamStats: options.streamStats,
    healthIntervalMs: 200,
  });
  await api.listen({ host: '127.0.0.1', port });

  const rig: DashboardRig = {
    door,
    api,
    baseUrl,
    async open(user, where, input = 'mouse', locale = undefined) {
      // Started on first use, so tests that speak HTTP only do not pay for a browser.
      browser ??= launchChromium();
      const touch = input === 'touch';
      const context = await (await browser).newContext({
        viewport: { width: 390, height: 844 },
        hasTouch: touch,
        isMobile: touch,
        ...(locale === undefined ? {} : { locale }),
      });
      // Every wait here is for something the page should show at once; fail fast, with a screenshot.
      context.setDefaultTimeout(5_000);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(`${message.text()} (${message.location().url})`);
      });
      page.on('pageerror', (error) => errors.push(error.message));
      await rig.step(page, `login-${user.username}`, () =>
        logInWithDiscord(page, `${baseUrl}${where}`, user.username, t(localeOf(locale), 'web.login.button')),
      );
      return { page, errors, close: () => context.close() };
    },
    async startParty(title) {
      const { sim, people, party } = door;
      await sim.interactions.command({ user: people.owner }, 'watchparty', 'create', { title }).reply();
      await sim.interactions
        .command({ user: people.owner }, 'watchparty', 'queue', { media: 'movie-1' })
        .reply();
      const [session] = await party.service.listSessions();
      assert.ok(session, 'the party was created');
      return session.id;
    },
    async step(page, name, work) {
      try {
        return await work();
      } catch (error) {
        mkdirSync(artifactsFolder, { recursive: true });
        const file = path.join(artifactsFolder, `${name}-${Date.now()}.png`);
        await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
        assert.fail(`${name} failed (screenshot: ${file}): ${(error as Error).message}`);
      }
    },
    async close() {
      await (await browser)?.close();
      await api.close();
      await door.close();
    },
  };
  return rig;
}
