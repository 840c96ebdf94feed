// How fast the dashboard follows a party, in headless Chromium against the Discord simulator (the
// rig of test/dashboard: real bot, real service, fake worker pool): the party page's first render
// after navigation, a pause or resume typed in Discord until the page shows it, and one clicked on
// the page until the bot edits Discord's panel (the panels' edit spacing is the tests' 50 ms here,
// 1.2 s in production). Targets: first render and Discord → page under 1 s.
// `npm run bench -- dashboard [--json] [--changes N]`
import type { APIMessage } from 'discord-api-types/v10';
import { openDashboardRig } from '../test/dashboard/harness.ts';
import { embedText } from '../test/discord/harness.ts';
import { round } from './_round.ts';
import type { BenchOptions } from './run.ts';

/** What the page's code reads in the browser (bench/ is type-checked without the DOM's types). */
interface PageGlobals {
  document: { querySelector(selector: string): { textContent: string | null } | null };
}

function option(args: string[], name: string, fallback: number): number {
  const index = args.indexOf(name);
  const value = index >= 0 ? Number(args[index + 1]) : Number.NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

function p95(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)] ?? 0;
}

const median = (samples: readonly number[]) =>
  [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)] ?? 0;

export async function run({ json, args }: BenchOptions): Promise<void> {
  const changes = Math.max(20, option(args, '--changes', 20));
  const rig = await openDashboardRig();
  try {
    const { sim, people } = rig.door;
    const partyId = await rig.startParty('Bench night');
    const member = await rig.open(people.owner, `/party/${partyId}`);
    const { page } = member;
    const activity = page.getByTestId('activity');

    const renders: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const started = performance.now();
      await page.goto(`${rig.baseUrl}/party/${partyId}`);
      await page.getByRole('heading', { name: 'Night of the Comet' }).waitFor();
      renders.push(performance.now() - started);
    }

    // Checked in the page on every animation frame, so the figure is the page's, not a poll's.
    const showing = (words: string) =>
      page.waitForFunction(
        (text) =>
          (globalThis as unknown as PageGlobals).document.querySelector('[data-testid="activity"]')
            ?.textContent === text,
        words,
        { polling: 'raf' },
      );
    const discordToPage: number[] = [];
    for (let i = 0; i < changes; i += 1) {
      const pausing = (await activity.textContent()) === 'Playing';
      const started = performance.now();
      await sim.interactions
        .command({ user: people.owner }, 'watchparty', pausing ? 'pause' : 'resume')
        .reply();
      await showing(pausing ? 'Paused' : 'Playing');
      discordToPage.push(performance.now() - started);
    }

    const pageToPanel: number[] = [];
    for (let i = 0; i < changes; i += 1) {
      const pausing = (await activity.textContent()) === 'Playing';
      const mark = sim.rest.mark();
      const started = performance.now();
      await page.getByRole('button', { name: pausing ? 'Pause' : 'Resume' }).click();
      await sim.rest.waitFor(
        (call) =>
          call.method === 'PATCH' &&
          call.path.startsWith(`/channels/${sim.textChannel.id}/messages/`) &&
          Array.isArray((call.body as Partial<APIMessage> | undefined)?.embeds) &&
          (pausing ? /Paused/ : /Playing/).test(embedText(call.body as APIMessage)),
        5_000,
        mark,
      );
      pageToPanel.push(performance.now() - started);
      await showing(pausing ? 'Paused' : 'Playing');
    }
    if (member.errors.length > 0)
      throw new Error(`the page logged console errors: ${member.errors.join('; ')}`);
    await member.close();

    const figures = {
      changes,
      firstRenderMs: round(median(renders), 1),
      discordToPageP95Ms: round(p95(discordToPage), 1),
      pageToPanelP95Ms: round(p95(pageToPanel), 1),
    };
    console.log('measure                 ms');
    console.log(`first render (median)   ${figures.firstRenderMs}`);
    console.log(`Discord → page p95      ${figures.discordToPageP95Ms}   (${changes} changes)`);
    console.log(`page → panel p95        ${figures.pageToPanelP95Ms}   (${changes} changes)`);
    console.log('targets: first render < 1000 ms, Discord → page p95 < 1000 ms');
    if (json) console.log(JSON.stringify(figures));
  } finally {
    await rig.close();
  }
}
