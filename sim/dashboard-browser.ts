// The dashboard as a member meets it, for the browser tests and the demo: Debian's Chromium through
// playwright-core, and "Log in with Discord" through the Discord simulator's account picker.
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

/** CHROMIUM_PATH, else Debian's package (scripts/bootstrap.sh installs it). */
export function chromiumPath(): string | null {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  return existsSync(path) ? path : null;
}

export function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (executablePath === null)
    throw new Error('Chromium is not installed: ./orb installs it on Debian, or set CHROMIUM_PATH.');
  return chromium.launch({ executablePath });
}

/**
 * Opens `url` logged out, logs in with Discord as `username`, and waits to be back on `url`; `link`
 * is the login link's words in the browser's language.
 */
export async function logInWithDiscord(
  page: Page,
  url: string,
  username: string,
  link = 'Log in with Discord',
): Promise<void> {
  await page.goto(url);
  await page.getByRole('link', { name: link }).click();
  await page.getByRole('link', { name: `Continue as ${username}` }).click();
  await page.waitForURL(url);
}
