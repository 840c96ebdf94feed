// Log in with Discord, log out, and the guard every dashboard API route passes: a valid login cookie,
// and on every change the login's CSRF token in `x-csrf-token` and no foreign Origin, so another
// site cannot act for a member whose browser holds the cookie.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { ApiRequestError, parseInput } from '../http/errors.ts';
import type { Logger } from '../logger.ts';
import type { CookieJar } from './cookies.ts';
import { DiscordLoginError, type DiscordOAuth } from './discord-oauth.ts';
import type { DashboardLogin, DashboardLogins } from './logins.ts';
import { loginQuerySchema, oauthCallbackQuerySchema } from './schemas.ts';

const LOGIN_COOKIE = 'orb_login';
export const WHO_AM_I = '/dashboard/api/me';
const STATE_COOKIE = 'orb_oauth_state';
/** Long enough to click through Discord's consent screen. */
const STATE_TTL_SECONDS = 600;

export interface LoginRoutesOptions {
  oauth: DiscordOAuth;
  logins: DashboardLogins;
  cookies: CookieJar;
  /** The origin of PUBLIC_URL: the only one a change may come from. */
  publicOrigin: string;
  logger: Logger;
}

export function registerLoginRoutes(app: FastifyInstance, options: LoginRoutesOptions): void {
  const { oauth, logins, cookies, logger } = options;

  app.get('/login', async (request, reply) => {
    const { next } = parseInput(loginQuerySchema, request.query);
    const state = randomBytes(18).toString('base64url');
    const remembered = `${state}~${Buffer.from(next ?? '/').toString('base64url')}`;
    return reply
      .header('set-cookie', cookies.write(STATE_COOKIE, remembered, STATE_TTL_SECONDS))
      .header('cache-control', 'no-store')
      .redirect(oauth.authorizeUrl(state), 302);
  });

  // Its URL carries Discord's one-use code: the request log line that would show it stays off.
  app.get('/oauth/callback', { logLevel: 'warn' }, async (request, reply) => {
    const query = parseInput(oauthCallbackQuerySchema, request.query);
    const [state, next] = (cookies.read(request.headers.cookie, STATE_COOKIE) ?? '').split('~');
    // One use only: the state cookie goes whatever happens next.
    const cleared = cookies.clear(STATE_COOKIE);
    reply.header('cache-control', 'no-store');
    if ('error' in query)
      return loginFailed(reply, cleared, 'Discord did not let you in (the login was cancelled).');
    if (!state || query.state !== state)
      return loginFailed(reply, cleared, 'This login link is old or was opened in another browser.');
    try {
      const secret = await logins.open(await oauth.identify(query.code));
      const landing = Buffer.from(next ?? '', 'base64url').toString() || '/';
      return reply
        .header('set-cookie', [cleared, cookies.write(LOGIN_COOKIE, secret, logins.ttlSeconds)])
        .redirect(parseInput(loginQuerySchema, { next: landing }).next ?? '/', 302);
    } catch (error) {
      if (!(error instanceof DiscordLoginError)) throw error;
      logger.warn({ reason: error.message }, 'a dashboard login failed');
      return loginFailed(reply, cleared, 'Discord could not confirm who you are right now.');
    }
  });

  app.post('/logout', async (request, reply) => {
    const secret = await guard(request, options);
    await logins.close(secret);
    return reply.header('set-cookie', cookies.clear(LOGIN_COOKIE)).code(204).send();
  });

  app.addHook('preHandler', async (request) => {
    // The matched route, not the raw URL: an encoded path must not slip past the guard.
    const route = request.routeOptions.url;
    if (!route?.startsWith('/dashboard/api/')) return;
    // The page asks who is logged in before anything else; nobody is an answer, not an error.
    if (route === WHO_AM_I) {
      const secret = cookies.read(request.headers.cookie, LOGIN_COOKIE);
      request.dashboardLogin = (secret === null ? null : await logins.find(secret)) ?? undefined;
      return;
    }
    await guard(request, options);
  });
}

/** Finds the request's login (setting request.dashboardLogin) and checks a change's origin and token. */
async function guard(request: FastifyRequest, options: LoginRoutesOptions): Promise<string> {
  const secret = options.cookies.read(request.headers.cookie, LOGIN_COOKIE);
  const login = secret === null ? null : await options.logins.find(secret);
  if (secret === null || login === null)
    throw new ApiRequestError(401, 'unauthorized', 'Log in with Discord to use the dashboard.');
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    const origin = request.headers.origin;
    const token = request.headers['x-csrf-token'];
    if ((origin !== undefined && origin !== options.publicOrigin) || token !== login.csrfToken)
      throw new ApiRequestError(403, 'forbidden', 'This page is out of date: reload it and try again.');
  }
  request.dashboardLogin = login;
  return secret;
}

function loginFailed(reply: FastifyReply, clearedState: string, why: string) {
  const page = `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Login failed · Orb Watch Party</title><main><h1>You are not logged in</h1><p>${why}</p>
<p><a href="/login">Try again</a></p></main></html>`;
  return reply.header('set-cookie', clearedState).code(400).type('text/html; charset=utf-8').send(page);
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the dashboard's guard on its API routes. */
    dashboardLogin?: DashboardLogin;
  }
}
