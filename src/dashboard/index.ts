// The web dashboard on the API's server: "Log in with Discord", the party page and its JSON API with
// live updates. main.ts registers it when PUBLIC_URL and DISCORD_CLIENT_SECRET are set.

import type { Db } from '../db/connection.ts';
import type { ApiServer } from '../http/api.ts';
import type { Logger } from '../logger.ts';
import { CookieJar } from './cookies.ts';
import { DiscordOAuth } from './discord-oauth.ts';
import { registerLoginRoutes } from './login-routes.ts';
import { DashboardLogins } from './logins.ts';
import type { MemberDirectory } from './members.ts';
import { dashboardOpenApiRoutes } from './openapi-routes.ts';
import { type PartyEventsOptions, registerPartyEvents } from './party-events.ts';
import { type PartyRoutesOptions, registerPartyRoutes } from './party-routes.ts';
import { registerStaticRoutes } from './static-routes.ts';

export { discordMembers, type MemberDirectory } from './members.ts';

export interface DashboardOptions
  extends Omit<PartyRoutesOptions, 'members'>,
    Pick<PartyEventsOptions, 'streamStats' | 'healthIntervalMs'> {
  db: Db;
  logger: Logger;
  members: MemberDirectory;
  /** The address members open (PUBLIC_URL); Discord sends them back to `${publicUrl}/oauth/callback`. */
  publicUrl: string;
  clientSecret: string;
  applicationId: string;
  /** `https://discord.com` unless DISCORD_API_BASE points elsewhere (the simulator). */
  discordBase: string;
  /** How long a login lasts; a week unless told. */
  loginTtlMs?: number;
}

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

export function registerDashboard(app: ApiServer, options: DashboardOptions): void {
  const publicUrl = new URL(options.publicUrl);
  const oauth = new DiscordOAuth({
    discordBase: options.discordBase.replace(/\/+$/, ''),
    clientId: options.applicationId,
    clientSecret: options.clientSecret,
    redirectUri: new URL('/oauth/callback', publicUrl).href,
  });
  const cookies = new CookieJar(options.clientSecret, { secure: publicUrl.protocol === 'https:' });
  const logins = new DashboardLogins(options.db, { ttlMs: options.loginTtlMs ?? WEEK_MS });
  app.documentRoutes(dashboardOpenApiRoutes);
  // Its own scope, so the login guard's hook sees only the dashboard's routes.
  app.register(async (scope) => {
    registerStaticRoutes(scope);
    registerLoginRoutes(scope, {
      oauth,
      logins,
      cookies,
      publicOrigin: publicUrl.origin,
      logger: options.logger,
    });
    registerPartyRoutes(scope, options);
    registerPartyEvents(scope, options);
  });
}
