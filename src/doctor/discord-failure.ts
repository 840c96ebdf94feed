// How a failed Discord read reads in the table: what happened, in words, and what to do about it.
// `who` names the setting whose token was used, so the line says which one Discord refused.
import { type CheckLine, fail } from './check-line.ts';
import { DiscordReadError } from './discord-reader.ts';

export function discordFailureLine(
  check: string,
  who: string,
  error: unknown,
  refusedFix: string,
): CheckLine {
  const failure = error instanceof DiscordReadError ? error : null;
  if (failure?.kind === 'refused') {
    return fail(check, `Discord refused ${who} (401 Unauthorized)`, refusedFix);
  }
  if (failure?.kind === 'unreachable' || failure === null) {
    return fail(
      check,
      `Discord did not answer (${failure?.message ?? 'network error'})`,
      "Check this machine's internet connection (and DISCORD_API_BASE, which only the simulator needs).",
    );
  }
  return fail(
    check,
    `Discord answered unexpectedly (${failure.message})`,
    'Try again in a minute; if it keeps failing, see discordstatus.com.',
  );
}
