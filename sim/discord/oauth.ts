// The simulator's OAuth2 authorization code flow, answered as Discord answers it, so "Log in with
// Discord" runs locally: GET /oauth2/authorize shows an account picker (there is no human already
// logged in to pick for) whose links name the chosen user with `sim_user`, and then redirects to the
// registered redirect URI with a one-use code and the caller's state; POST /oauth2/token trades the
// code (checking client id, secret and redirect URI) for a Bearer access token carrying the scopes
// asked for. As on Discord, the token opens /users/@me only with `identify` and /users/@me/guilds
// only with `guilds` (otherwise 401 "401: Unauthorized", as with no token), and an unknown scope
// sends the browser back with `error=invalid_scope`.
import { randomBytes } from 'node:crypto';
import type { RestRequest, RestResponse, RestRouter } from './rest.ts';
import type { SimWorld } from './world.ts';

/** Discord's codes last about ten minutes. */
const CODE_TTL_MS = 10 * 60 * 1000;
const TOKEN_TTL_SECONDS = 7 * 24 * 60 * 60;

/** Discord's OAuth2 scopes; anything else is `invalid_scope`. */
const knownScopes = new Set([
  'activities.read',
  'activities.write',
  'applications.builds.read',
  'applications.builds.upload',
  'applications.commands',
  'applications.commands.permissions.update',
  'applications.commands.update',
  'applications.entitlements',
  'applications.store.update',
  'bot',
  'connections',
  'dm_channels.read',
  'email',
  'gdm.join',
  'guilds',
  'guilds.join',
  'guilds.members.read',
  'identify',
  'messages.read',
  'openid',
  'relationships.read',
  'role_connections.write',
  'rpc',
  'rpc.activities.write',
  'rpc.notifications.read',
  'rpc.voice.read',
  'rpc.voice.write',
  'voice',
  'webhook.incoming',
]);

/** The scope a user's access token needs for each call the simulator answers with one. */
const scopeNeeded: Readonly<Record<string, string>> = {
  'GET /users/@me': 'identify',
  'GET /users/@me/guilds': 'guilds',
};

interface PendingCode {
  userId: string;
  redirectUri: string;
  scopes: string[];
  expiresAt: number;
}

export class SimOAuth {
  /** The application's client secret, as the developer portal shows it. */
  readonly clientSecret = randomBytes(16).toString('hex');
  readonly #world: SimWorld;
  readonly #redirectUris = new Set<string>();
  readonly #codes = new Map<string, PendingCode>();
  readonly #tokens = new Map<string, { userId: string; scopes: string[] }>();

  constructor(world: SimWorld) {
    this.#world = world;
  }

  /** Adds a redirect URI to the application's list (the portal's OAuth2 → Redirects). */
  registerRedirect(uri: string): void {
    this.#redirectUris.add(uri);
  }

  /** The user an `Authorization: Bearer` header stands for on `call` (`GET /users/@me`), or null. */
  bearerUser(header: string, call: string): string | null {
    const token = this.#tokens.get(header.replace(/^Bearer /, ''));
    if (!token) return null;
    const needed = scopeNeeded[call];
    return needed === undefined || token.scopes.includes(needed) ? token.userId : null;
  }

  install(router: RestRouter): void {
    router.route('GET', '/oauth2/authorize', (request) => this.#authorize(request));
    router.route('POST', '/oauth2/token', (request) => this.#token(request));
  }

  #authorize(request: RestRequest): RestResponse {
    const {
      client_id: clientId,
      redirect_uri: redirectUri,
      response_type: type,
      scope,
      state,
    } = request.query;
    if (clientId !== this.#world.applicationId)
      return page(400, 'Unknown application', '<p>Invalid client_id.</p>');
    if (!redirectUri || !this.#redirectUris.has(redirectUri))
      return page(400, 'Invalid redirect', '<p>Invalid OAuth2 redirect_uri.</p>');
    if (type !== 'code' || !scope)
      return page(400, 'Invalid request', '<p>Needs response_type=code and a scope.</p>');
    const scopes = scope.split(' ').filter((name) => name !== '');
    if (!scopes.every((name) => knownScopes.has(name)))
      return backTo(redirectUri, state, {
        error: 'invalid_scope',
        error_description: 'The requested scope is invalid, unknown, or malformed.',
      });
    const chosen = request.query.sim_user;
    const user = chosen === undefined ? undefined : this.#world.user(chosen);
    if (!user || user.bot) {
      const links = [...this.#world.guild.members.keys()]
        .map((id) => this.#world.user(id))
        .filter((member) => member !== undefined && !member.bot)
        .map((member) => {
          const query = new URLSearchParams({ ...request.query, sim_user: member!.id });
          return `<li><a href="/oauth2/authorize?${escapeHtml(query.toString())}">Continue as ${escapeHtml(member!.username)}</a></li>`;
        });
      return page(200, 'Choose an account', `<ul>${links.join('')}</ul>`);
    }
    const code = randomBytes(15).toString('hex');
    this.#codes.set(code, { userId: user.id, redirectUri, scopes, expiresAt: Date.now() + CODE_TTL_MS });
    return backTo(redirectUri, state, { code });
  }

  #token(request: RestRequest): RestResponse {
    const form = (request.body ?? {}) as Record<string, string | undefined>;
    if (form.client_id !== this.#world.applicationId || form.client_secret !== this.clientSecret)
      return { status: 401, body: { error: 'invalid_client' } };
    if (form.grant_type !== 'authorization_code')
      return { status: 400, body: { error: 'unsupported_grant_type' } };
    const pending = this.#codes.get(form.code ?? '');
    // A code is good once, before it expires, for the redirect URI it was issued to.
    this.#codes.delete(form.code ?? '');
    if (!pending || pending.expiresAt < Date.now())
      return {
        status: 400,
        body: { error: 'invalid_grant', error_description: 'Invalid "code" in request.' },
      };
    if (pending.redirectUri !== form.redirect_uri)
      return {
        status: 400,
        body: { error: 'invalid_grant', error_description: 'Invalid "redirect_uri" in request.' },
      };
    const accessToken = randomBytes(20).toString('hex');
    this.#tokens.set(accessToken, { userId: pending.userId, scopes: pending.scopes });
    return {
      status: 200,
      body: {
        access_token: accessToken,
        token_type: 'Bearer',
        expires_in: TOKEN_TTL_SECONDS,
        refresh_token: randomBytes(20).toString('hex'),
        scope: pending.scopes.join(' '),
      },
    };
  }
}

/** Sends the browser back to the application with `answer` and the caller's state. */
function backTo(
  redirectUri: string,
  state: string | undefined,
  answer: Record<string, string>,
): RestResponse {
  const back = new URL(redirectUri);
  for (const [name, value] of Object.entries(answer)) back.searchParams.set(name, value);
  if (state !== undefined) back.searchParams.set('state', state);
  return { status: 302, headers: { location: back.href } };
}

function page(status: number, title: string, body: string): RestResponse {
  return {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    raw: `<!doctype html><html lang="en"><meta charset="utf-8"><link rel="icon" href="data:,"><title>${title} · Discord (simulated)</title><h1>${title}</h1>${body}</html>`,
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
