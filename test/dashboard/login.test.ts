// Logging in to the dashboard over plain HTTP, as a browser would, to pin what protects a member:
// the OAuth2 state bound to a cookie, a signed HttpOnly SameSite=Lax login cookie, the CSRF token
// and Origin check on every change, logout, and refusals as plain sentences.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SimUser } from '../../sim/discord/index.ts';
import type { PartyView, WhoAmI } from '../../src/dashboard/schemas.ts';
import { type DashboardRig, openDashboardRig } from './harness.ts';

interface Login {
  cookie: string;
  csrfToken: string;
  setCookie: string;
}

const cookiePair = (setCookie: string) => setCookie.split(';')[0]!;

interface ErrorAnswer {
  error: { code: string; message: string; field?: string };
}
const errorOf = async (response: Response) => ((await response.json()) as ErrorAnswer).error;
const whoAmI = async (rig: DashboardRig, cookie: string) =>
  (await (await fetch(`${rig.baseUrl}/dashboard/api/me`, { headers: { cookie } })).json()) as WhoAmI;

async function startLogin(rig: DashboardRig) {
  const response = await fetch(`${rig.baseUrl}/login`, { redirect: 'manual' });
  assert.equal(response.status, 302);
  const authorize = new URL(response.headers.get('location')!);
  return { authorize, stateCookie: cookiePair(response.headers.getSetCookie()[0]!) };
}

async function logIn(rig: DashboardRig, user: SimUser): Promise<Login> {
  const { authorize, stateCookie } = await startLogin(rig);
  authorize.searchParams.set('sim_user', user.id);
  const consent = await fetch(authorize, { redirect: 'manual' });
  assert.equal(consent.status, 302);
  const callback = await fetch(consent.headers.get('location')!, {
    redirect: 'manual',
    headers: { cookie: stateCookie },
  });
  assert.equal(callback.status, 302, await callback.text());
  const setCookie = callback.headers.getSetCookie().find((line) => line.startsWith('orb_login='))!;
  const cookie = cookiePair(setCookie);
  const who = await whoAmI(rig, cookie);
  assert.ok(who.me, 'logged in');
  return { cookie, csrfToken: who.me.csrfToken, setCookie };
}

describe('dashboard login and request protection', () => {
  let rig: DashboardRig;
  let partyId: number;

  before(async () => {
    rig = await openDashboardRig();
    partyId = await rig.startParty('Late show');
  });
  after(async () => {
    await rig?.close();
  });

  test('/login sends the browser to Discord with the scopes, the redirect URI and a state bound to a cookie', async () => {
    const { authorize, stateCookie } = await startLogin(rig);
    assert.equal(authorize.origin, rig.door.sim.baseUrl);
    assert.equal(authorize.pathname, '/oauth2/authorize');
    assert.equal(authorize.searchParams.get('scope'), 'identify guilds');
    assert.equal(authorize.searchParams.get('client_id'), rig.door.sim.applicationId);
    assert.equal(authorize.searchParams.get('redirect_uri'), `${rig.baseUrl}/oauth/callback`);
    assert.match(authorize.searchParams.get('state') ?? '', /^[\w-]{20,}$/);
    assert.match(stateCookie, /^orb_oauth_state=/);
  });

  test("a login cookie is HttpOnly, SameSite=Lax and not Secure on plain http; it opens the member's guilds and parties", async () => {
    const login = await logIn(rig, rig.door.people.owner);
    assert.match(login.setCookie, /; HttpOnly/);
    assert.match(login.setCookie, /; SameSite=Lax/);
    assert.doesNotMatch(login.setCookie, /Secure/);
    const who = await whoAmI(rig, login.cookie);
    assert.deepEqual(
      who.me?.guilds.map((guild) => [guild.name, guild.parties.map((party) => party.title)]),
      [['Movie Night', ['Late show']]],
    );
  });

  test('a callback whose state does not match the cookie logs nobody in', async () => {
    const { authorize, stateCookie } = await startLogin(rig);
    authorize.searchParams.set('sim_user', rig.door.people.owner.id);
    authorize.searchParams.set('state', 'forged-state-from-another-site');
    const consent = await fetch(authorize, { redirect: 'manual' });
    const callback = await fetch(consent.headers.get('location')!, {
      redirect: 'manual',
      headers: { cookie: stateCookie },
    });
    assert.equal(callback.status, 400);
    assert.match(await callback.text(), /This login link is old or was opened in another browser/);
    assert.ok(!callback.headers.getSetCookie().some((line) => line.startsWith('orb_login=')));
  });

  /** Discord's consent for `user` with `scope` instead of what the dashboard asked: where it sends the browser. */
  async function consent(user: SimUser, changes: Record<string, string>) {
    const { authorize, stateCookie } = await startLogin(rig);
    authorize.searchParams.set('sim_user', user.id);
    for (const [name, value] of Object.entries(changes)) authorize.searchParams.set(name, value);
    const answer = await fetch(authorize, { redirect: 'manual' });
    return { answer, stateCookie, back: new URL(answer.headers.get('location') ?? '/', rig.baseUrl) };
  }

  /** Trades a code at the simulator as the dashboard does, then reads with the token. */
  async function tokenReads(code: string) {
    const { sim } = rig.door;
    const token = await fetch(`${sim.baseUrl}/api/v10/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: `${rig.baseUrl}/oauth/callback`,
        client_id: sim.applicationId,
        client_secret: sim.oauth.clientSecret,
      }),
    });
    assert.equal(token.status, 200);
    const { access_token: accessToken, scope } = (await token.json()) as {
      access_token: string;
      scope: string;
    };
    const read = async (path: string) => {
      const response = await fetch(`${sim.baseUrl}/api/v10${path}`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      return { status: response.status, body: (await response.json()) as unknown };
    };
    return { scope, me: await read('/users/@me'), guilds: await read('/users/@me/guilds') };
  }

  test('the simulator holds a token to its scopes: the dashboard asks for exactly identify and guilds, and without guilds the guild list is refused', async () => {
    const { authorize } = await startLogin(rig);
    assert.deepEqual(authorize.searchParams.get('scope')?.split(' ').sort(), ['guilds', 'identify']);
    const { owner } = rig.door.people;

    const full = await consent(owner, {});
    const both = await tokenReads(full.back.searchParams.get('code')!);
    assert.equal(both.scope, 'identify guilds');
    assert.equal(both.me.status, 200);
    assert.equal(both.guilds.status, 200);

    const narrow = await consent(owner, { scope: 'identify' });
    const identifyOnly = await tokenReads(narrow.back.searchParams.get('code')!);
    assert.equal(identifyOnly.scope, 'identify');
    assert.equal(identifyOnly.me.status, 200);
    assert.deepEqual(identifyOnly.guilds, { status: 401, body: { message: '401: Unauthorized', code: 0 } });

    const guildsOnly = await tokenReads(
      (await consent(owner, { scope: 'guilds' })).back.searchParams.get('code')!,
    );
    assert.equal(guildsOnly.me.status, 401, '/users/@me needs identify');
    assert.equal(guildsOnly.guilds.status, 200);
  });

  test('a login granted without guilds logs nobody in, with a plain sentence', async () => {
    const { back, stateCookie } = await consent(rig.door.people.owner, { scope: 'identify' });
    const callback = await fetch(back, { redirect: 'manual', headers: { cookie: stateCookie } });
    assert.equal(callback.status, 400);
    assert.match(await callback.text(), /Discord could not confirm who you are right now/);
    assert.ok(!callback.headers.getSetCookie().some((line) => line.startsWith('orb_login=')));
  });

  test('Discord refuses an unknown scope (back to the site with invalid_scope) and a redirect URI it does not know', async () => {
    const { back, stateCookie, answer } = await consent(rig.door.people.owner, {
      scope: 'identify guilds.everything',
    });
    assert.equal(answer.status, 302);
    assert.equal(`${back.origin}${back.pathname}`, `${rig.baseUrl}/oauth/callback`);
    assert.equal(back.searchParams.get('error'), 'invalid_scope');
    assert.equal(back.searchParams.get('code'), null);
    const callback = await fetch(back, { redirect: 'manual', headers: { cookie: stateCookie } });
    assert.equal(callback.status, 400);
    assert.match(await callback.text(), /Discord did not let you in/);

    const elsewhere = await consent(rig.door.people.owner, {
      redirect_uri: 'https://evil.example/oauth/callback',
    });
    assert.equal(elsewhere.answer.status, 400);
    assert.match(await elsewhere.answer.text(), /Invalid OAuth2 redirect_uri/);
  });

  test('changes need the CSRF token and no foreign Origin; without a login they need a login', async () => {
    const login = await logIn(rig, rig.door.people.owner);
    const pause = (headers: Record<string, string>) =>
      fetch(`${rig.baseUrl}/dashboard/api/parties/${partyId}/control`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ action: 'pause' }),
      });
    const stale = await pause({ cookie: login.cookie });
    assert.equal(stale.status, 403);
    assert.equal((await errorOf(stale)).message, 'This page is out of date: reload it and try again.');
    const foreign = await pause({
      cookie: login.cookie,
      'x-csrf-token': login.csrfToken,
      origin: 'https://evil.example',
    });
    assert.equal(foreign.status, 403);
    const anonymous = await pause({ 'x-csrf-token': login.csrfToken });
    assert.equal(anonymous.status, 401);
    assert.equal((await errorOf(anonymous)).message, 'Log in with Discord to use the dashboard.');
    const tampered = await pause({ cookie: `${login.cookie}x`, 'x-csrf-token': login.csrfToken });
    assert.equal(tampered.status, 401);
    assert.equal(
      (await rig.door.party.service.getSession(partyId)).session.status,
      'playing',
      'nothing paused',
    );

    const allowed = await pause({
      cookie: login.cookie,
      'x-csrf-token': login.csrfToken,
      origin: rig.baseUrl,
    });
    assert.equal(allowed.status, 200);
    assert.equal(((await allowed.json()) as PartyView).details.session.status, 'paused');
  });

  test('bad input is a 400 naming the field', async () => {
    const login = await logIn(rig, rig.door.people.owner);
    const response = await fetch(`${rig.baseUrl}/dashboard/api/parties/${partyId}/control`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: login.cookie, 'x-csrf-token': login.csrfToken },
      body: JSON.stringify({ action: 'seek' }),
    });
    assert.equal(response.status, 400);
    assert.equal((await errorOf(response)).field, 'position');
  });

  test('logout ends the login for good', async () => {
    const login = await logIn(rig, rig.door.people.listener);
    const out = await fetch(`${rig.baseUrl}/logout`, {
      method: 'POST',
      headers: { cookie: login.cookie, 'x-csrf-token': login.csrfToken },
    });
    assert.equal(out.status, 204);
    const who = await whoAmI(rig, login.cookie);
    assert.equal(who.me, null);
  });
});

describe('dashboard shutdown', () => {
  test("a browser's open event stream does not hold up the server's shutdown", async () => {
    const rig = await openDashboardRig();
    try {
      const { sim, people, party } = rig.door;
      await sim.interactions.command({ user: people.owner }, 'watchparty', 'create').reply();
      const login = await logIn(rig, people.owner);
      const partyId = (await party.service.listSessions())[0]!.id;
      const stream = await fetch(`${rig.baseUrl}/dashboard/api/parties/${partyId}/events`, {
        headers: { cookie: login.cookie },
      });
      assert.equal(stream.headers.get('content-type'), 'text/event-stream; charset=utf-8');
      const reader = stream.body!.getReader();
      assert.match(new TextDecoder().decode((await reader.read()).value), /^event: party\ndata: \{/);
      const closed = await Promise.race([
        rig.api.close().then(() => 'closed'),
        new Promise((resolve) => setTimeout(() => resolve('still waiting'), 3_000)),
      ]);
      assert.equal(closed, 'closed');
      assert.equal((await reader.read()).done, true, 'the stream ended');
    } finally {
      await rig.close();
    }
  });
});
