// JELLYFIN_USER, when set: a user Jellyfin knows, whose watch history parties then share. Checked
// only once Jellyfin itself answers, so a server that is down reads as one failure, not two.
import {
  type JellyfinClient,
  JellyfinError,
  JellyfinUserNotFoundError,
  resolveJellyfinUser,
} from '../jellyfin/index.ts';
import { type CheckLine, fail, ok } from './check-line.ts';

const check = 'Jellyfin user';

export async function checkJellyfinUser(client: JellyfinClient, userName: string): Promise<CheckLine> {
  try {
    await resolveJellyfinUser(client, userName);
    return ok(check, `${userName}: parties share this user's resume positions, watched state and Next Up`);
  } catch (error) {
    if (error instanceof JellyfinUserNotFoundError) {
      return fail(check, error.message, 'Set JELLYFIN_USER to one of the names above, or leave it unset.');
    }
    if (!(error instanceof JellyfinError)) throw error;
    return fail(
      check,
      `Jellyfin would not list its users (${error.status === null ? 'no answer' : `HTTP ${error.status}`})`,
      'Use an API key from Dashboard → API Keys (it may list users), or leave JELLYFIN_USER unset.',
    );
  }
}
