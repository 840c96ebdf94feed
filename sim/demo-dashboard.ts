// The demo's web-dashboard scene: alice opens the party page in headless Chromium, logs in with
// Discord (the simulator's account picker), moves the position bar back to the start, pauses and
// resumes from the page while the timeline shows Discord's panel following, and the page is
// photographed mid-film on a desktop and on a phone-sized screen.
import { join } from 'node:path';
import { launchChromium, logInWithDiscord } from './dashboard-browser.ts';
import type { Stack } from './stack/index.ts';
import type { PanelView } from './stack/panel.ts';

export interface DemoTimeline {
  say(who: string, what: string): void;
  /** Waits for Discord's panel to satisfy `predicate` and prints it. */
  panel(what: string, predicate: (panel: PanelView) => boolean): Promise<PanelView>;
}

export const dashboardScreenshots = ['dashboard.png', 'dashboard-phone.png'] as const;

export async function runDashboardScene(
  stack: Stack,
  timeline: DemoTimeline,
  outputDir: string,
): Promise<void> {
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
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    const activity = (words: string) => page.getByTestId('activity').filter({ hasText: words }).waitFor();

    timeline.say(alice.username, 'opens the dashboard in a browser and logs in with Discord');
    await logInWithDiscord(page, url, alice.username);
    await activity('Playing');
    timeline.say('page', `${await page.locator('#now-title').textContent()}: Playing`);

    timeline.say(alice.username, 'moves the position bar back to the start (Home key) on the web page');
    const bar = page.getByRole('slider', { name: 'Position in the film' });
    // Home only seeks when it changes the bar: wait until the bar shows the film under way.
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
    timeline.say(alice.username, 'clicks [Pause] on the web page');
    await page.getByRole('button', { name: 'Pause' }).click();
    await timeline.panel('paused from the web page', (panel) => panel.state.includes('Paused'));
    timeline.say(alice.username, 'clicks [Resume] on the web page');
    await page.getByRole('button', { name: 'Resume' }).click();
    await timeline.panel('resumed from the web page', (panel) => panel.state.includes('Playing'));
    await activity('Playing');
    const health = page.getByRole('list', { name: 'Stream health' });
    await health.waitFor();
    timeline.say('page', `stream: ${(await health.getByRole('listitem').allTextContents()).join(' · ')}`);

    const [desktop, phone] = dashboardScreenshots.map((name) => join(outputDir, name));
    await page.screenshot({ path: desktop });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: phone, fullPage: true });
    timeline.say('output', `${desktop}, ${phone}`);
    if (errors.length > 0) throw new Error(`the dashboard logged console errors: ${errors.join('; ')}`);
  } finally {
    await browser.close();
  }
}
