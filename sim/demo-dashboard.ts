// The demo's web-dashboard scene: alice opens the party page in headless Chromium and logs in with
// Discord (the simulator's account picker) while the party is being set up, because a cold Chromium
// on a busy machine can take longer than the demo's short first film. Later, mid-film, she pauses
// from the page, moves the position bar back to the start and resumes, while the timeline shows
// Discord's panel following; the page is photographed on a desktop and on a phone-sized screen.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, logInWithDiscord } from './dashboard-browser.ts';
import type { Stack } from './stack/index.ts';
import type { PanelView } from './stack/panel.ts';

export interface DemoTimeline {
  say(who: string, what: string): void;
  /** Waits for Discord's panel to satisfy `predicate` and prints it. */
  panel(what: string, predicate: (panel: PanelView) => boolean): Promise<PanelView>;
}

export const dashboardScreenshots = ['dashboard.png', 'dashboard-phone.png'] as const;

export class DashboardScene {
  readonly #browser: Browser;
  readonly #page: Page;
  readonly #timeline: DemoTimeline;
  readonly #who: string;
  /** Console errors and what the page answered, kept to explain a step that did not happen. */
  readonly #errors: string[] = [];
  readonly #answers: string[] = [];

  private constructor(browser: Browser, page: Page, timeline: DemoTimeline, who: string) {
    this.#browser = browser;
    this.#who = who;
    this.#page = page;
    this.#timeline = timeline;
    page.on('console', (message) => {
      if (message.type() === 'error') this.#errors.push(message.text());
    });
    page.on('pageerror', (error) => this.#errors.push(error.message));
    page.on('response', (response) => {
      const { pathname } = new URL(response.url());
      if (response.request().method() !== 'GET') this.#answers.push(`${pathname} → ${response.status()}`);
    });
  }

  /** Launches Chromium and logs alice in on the page of the guild's one party. */
  static async open(stack: Stack, timeline: DemoTimeline): Promise<DashboardScene> {
    const { alice } = stack.people;
    const response = await fetch(`${stack.api.url}/sessions`, {
      headers: { authorization: `Bearer ${stack.api.token}` },
    });
    const { sessions } = (await response.json()) as { sessions: { id: number }[] };
    const url = `${stack.dashboardUrl}/party/${sessions[0]?.id}`;
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      context.setDefaultTimeout(30_000);
      const scene = new DashboardScene(browser, await context.newPage(), timeline, alice.username);
      timeline.say(alice.username, 'opens the dashboard in a browser and logs in with Discord');
      await logInWithDiscord(scene.#page, url, alice.username);
      return scene;
    } catch (error) {
      await browser.close();
      throw error;
    }
  }

  /** Pauses, seeks to the start and resumes from the page, then photographs it. */
  async play(outputDir: string): Promise<void> {
    const page = this.#page;
    const timeline = this.#timeline;
    try {
      await this.#activity('Playing');
      timeline.say('page', `${await page.locator('#now-title').textContent()}: Playing`);

      timeline.say(this.#who, 'clicks [Pause] on the web page');
      await page.getByRole('button', { name: 'Pause' }).click();
      await timeline.panel('paused from the web page', (panel) => panel.state.includes('Paused'));

      timeline.say(this.#who, 'moves the position bar back to the start (Home key) on the web page');
      const bar = page.getByRole('slider', { name: 'Position in the film' });
      // Home seeks only when it changes the bar, so the bar must first show the paused position.
      await bar.evaluate(
        (input) =>
          new Promise<void>((resolve) => {
            const check = () =>
              Number((input as { value: string }).value) > 0 ? resolve() : setTimeout(check, 50);
            check();
          }),
      );
      await bar.press('Home');
      await timeline.panel('sought from the web page', (panel) => panel.progress.startsWith('0:00'));

      timeline.say(this.#who, 'clicks [Resume] on the web page');
      await page.getByRole('button', { name: 'Resume' }).click();
      await timeline.panel('resumed from the web page', (panel) => panel.state.includes('Playing'));
      await this.#activity('Playing');
      const health = page.getByRole('list', { name: 'Stream health' });
      // Health comes every 2 s: the photograph should show the stream running again.
      await health
        .getByRole('listitem')
        .filter({ hasText: /^[1-9]\d* fps$/ })
        .waitFor();
      timeline.say('page', `stream: ${(await health.getByRole('listitem').allTextContents()).join(' · ')}`);

      const [desktop, phone] = dashboardScreenshots.map((name) => join(outputDir, name));
      await page.screenshot({ path: desktop });
      await page.setViewportSize({ width: 390, height: 844 });
      await page.screenshot({ path: phone, fullPage: true });
      timeline.say('output', `${desktop}, ${phone}`);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${await this.#whatThePageSaid()}`, { cause: error });
    }
    if (this.#errors.length > 0)
      throw new Error(`the dashboard logged console errors: ${this.#errors.join('; ')}`);
  }

  close(): Promise<void> {
    return this.#browser.close();
  }

  #activity(words: string): Promise<void> {
    return this.#page.getByTestId('activity').filter({ hasText: words }).waitFor();
  }

  async #whatThePageSaid(): Promise<string> {
    const status = await this.#page
      .getByRole('status')
      .allTextContents()
      .catch(() => []);
    return [
      `the page's requests: ${this.#answers.join(', ') || 'none'}`,
      `the page said: ${status.join(' | ') || 'nothing'}`,
      `console errors: ${this.#errors.join('; ') || 'none'}`,
    ].join('\n');
  }
}
