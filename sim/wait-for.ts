// The one polling wait of the tests and the demo. It lives in sim/ rather than test/ because the demo
// (sim/demo.ts) waits on the simulators too, and sim/ never imports test/.

/** What a check returns while the awaited thing has not happened yet. */
type NotYet = undefined | null | false | 0 | '';

/**
 * Polls `check` every `intervalMs` until it returns something truthy, and resolves with it; rejects
 * after `timeoutMs`, naming `what` it waited for. Generous by default: a loaded 2-core machine forms
 * DAVE groups, starts ffmpeg and reconnects slowly.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | NotYet | Promise<T | NotYet>,
  timeoutMs = 20_000,
  intervalMs = 10,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
