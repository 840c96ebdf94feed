// The Discord simulator's OAuth2 code flow, as an application sees it: the account picker, the
// redirect with code and state, the token exchange with its checks, and the Bearer token that reads
// /users/@me and /users/@me/guilds.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type DiscordSim, startDiscordSim } from '../../../sim/discord/index.ts';

const REDIRECT = 'http://127.0.0.1:9/oauth/callback';

describe('sim/discord OAuth2', () => {
  let sim: DiscordSim;

  before(async () => {
    sim = await startDiscordSim();
    sim.oauth.registerRedirect(REDIRECT);
  });
  after(async () => {
    await sim?.stop();
  });

  const authorize = (extra: Record<string, string> = {}) =>
    fetch(
      `${sim.baseUrl}/oauth2/authorize?${new URLSearchParams({
        response_type: 'code',
        client_id: sim.applicationId,
        scope: 'identify guilds',
        redirect_uri: REDIRECT,
        state: 'abc',
        ...extra,
      })}`,
      { redirect: 'manual' },
    );

  const exchange = (fields: Record<string, string>) =>
    fetch(`${sim.apiBase}/v10/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: sim.applicationId,
        client_secret: sim.oauth.clientSecret,
        redirect_uri: REDIRECT,
        ...fields,
      }),
    });

  async function codeFor(userId: string): Promise<string> {
    const response = await authorize({ sim_user: userId });
    assert.equal(response.status, 302);
    const back = new URL(response.headers.get('location')!);
    assert.equal(`${back.origin}${back.pathname}`, REDIRECT);
    assert.equal(back.searchParams.get('state'), 'abc');
    return back.searchParams.get('code')!;
  }

  test('without a chosen user, authorize shows an account picker of the guild members', async () => {
    const alice = sim.addUser({ username: 'alice' });
    const page = await (await authorize()).text();
    assert.match(page, /Continue as alice/);
    assert.match(page, new RegExp(`sim_user=${alice.id}`));
    assert.doesNotMatch(page, new RegExp(`Continue as ${sim.bot.username}`), 'bots cannot log in');
  });

  test('an unregistered redirect URI or another client id is refused', async () => {
    assert.equal((await authorize({ redirect_uri: 'https://evil.example/cb' })).status, 400);
    assert.equal((await authorize({ client_id: '1' })).status, 400);
  });

  test('a code is traded once, with the right secret and redirect, for a token that reads the user and guilds', async () => {
    const bob = sim.addUser({ username: 'bob' });
    const wrongSecret = await exchange({ code: await codeFor(bob.id), client_secret: 'nope' });
    assert.equal(wrongSecret.status, 401);
    const code = await codeFor(bob.id);
    assert.equal((await exchange({ code, redirect_uri: 'http://127.0.0.1:9/other' })).status, 400);
    const fresh = await codeFor(bob.id);
    const token = (await (await exchange({ code: fresh })).json()) as {
      access_token: string;
      token_type: string;
    };
    assert.equal(token.token_type, 'Bearer');
    assert.equal((await exchange({ code: fresh })).status, 400, 'a code works once');

    const auth = { headers: { authorization: `Bearer ${token.access_token}` } };
    const me = (await (await fetch(`${sim.apiBase}/v10/users/@me`, auth)).json()) as { username: string };
    assert.equal(me.username, 'bob');
    const guilds = (await (await fetch(`${sim.apiBase}/v10/users/@me/guilds`, auth)).json()) as {
      id: string;
    }[];
    assert.deepEqual(
      guilds.map((guild) => guild.id),
      [sim.guildId],
    );
    const stranger = await fetch(`${sim.apiBase}/v10/users/@me`, {
      headers: { authorization: 'Bearer made-up' },
    });
    assert.equal(stranger.status, 401);
  });
});
