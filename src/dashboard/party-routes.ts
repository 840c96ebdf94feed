// The dashboard's JSON API: the member's guilds and parties, one party, its controls, its queue and
// the catalog search. Every change runs as the member (roles and voice state from the bot's cache)
// through the same service calls as the Discord door, so the one permission policy decides and a
// refusal reads as it does in Discord, with mentions shown as names.
import type { FastifyInstance, FastifyRequest } from 'fastify';

import { ApiRequestError, parseInput, parseOutput } from '../http/errors.ts';
import { type RankedSearch, rankedSearch, searchQuerySchema, searchResultsSchema } from '../http/search.ts';
import type { Locale } from '../i18n/locales.ts';
import { render } from '../i18n/translate.ts';
import { WatchPartyError } from '../watchparty/errors.ts';
import { lastFailureText } from '../watchparty/failures.ts';
import type { MemberActor } from '../watchparty/permissions.ts';
import type { WatchPartyService } from '../watchparty/service.ts';
import { type TrackOffer, trackOptionLabel } from '../watchparty/tracks.ts';
import type { PartySession } from '../watchparty/views.ts';
import { WHO_AM_I } from './login-routes.ts';
import type { DashboardLogin } from './logins.ts';
import type { MemberDirectory } from './members.ts';
import { pageLocale } from './page-locale.ts';
import {
  controlBodySchema,
  type DashboardControl,
  moveBodySchema,
  type PartyView,
  partyParamsSchema,
  partyViewSchema,
  queueBodySchema,
  queueEntryParamsSchema,
  tracksBodySchema,
  whoAmISchema,
} from './schemas.ts';

export interface PartyRoutesOptions {
  service: WatchPartyService;
  members: MemberDirectory;
  search: RankedSearch;
  /** Reads a queued item's poster when it has no public address (the panels' source). */
  posters: { posterImage(itemId: string): Promise<Buffer | null> } | null;
}

export function loginOf(request: FastifyRequest): DashboardLogin {
  const login = request.dashboardLogin;
  if (login === undefined) throw new Error(`${request.url} reached its handler without a login`);
  return login;
}

/**
 * Reads a party the login may see: in a guild Discord listed for the member and the bot shares;
 * the current item's tracks and the last failure worded in `locale`, the page's language.
 */
export async function visibleParty(
  options: Pick<PartyRoutesOptions, 'service' | 'members'>,
  login: DashboardLogin,
  partyId: number,
  locale: Locale = 'en',
): Promise<PartyView> {
  const details = await options.service.getSession(partyId).catch((error: unknown) => {
    if (error instanceof WatchPartyError && error.code === 'not_found') return null;
    throw error;
  });
  const guild =
    details && options.members.sharedGuilds(login.guildIds).find((g) => g.id === details.session.guildId);
  if (!details || !guild)
    throw new ApiRequestError(
      404,
      'not_found',
      'There is no such party, or it is not in one of your servers.',
    );
  return {
    guildName: guild.name,
    voiceChannelName: voiceChannelName(options.members, details.session),
    details: {
      ...details,
      current: details.current?.tracks
        ? { ...details.current, tracks: offerIn(details.current.tracks, locale) }
        : details.current,
      worker: details.worker && { ...details.worker, lastError: lastFailureText(details.worker, locale) },
    },
  };
}

function offerIn(offer: TrackOffer, locale: Locale): TrackOffer {
  return {
    ...offer,
    audio: offer.audio.map((option) => ({ ...option, label: trackOptionLabel(option, 'audio', locale) })),
    subtitles: offer.subtitles.map((option) => ({
      ...option,
      label: trackOptionLabel(option, 'subtitles', locale),
    })),
  };
}

function voiceChannelName(members: MemberDirectory, session: PartySession): string {
  return members.readMentions(session.guildId, `<#${session.voiceChannelId}>`).replace(/^#/, '');
}

export function registerPartyRoutes(app: FastifyInstance, options: PartyRoutesOptions): void {
  const { service, members } = options;
  const partyId = (request: FastifyRequest) => parseInput(partyParamsSchema, request.params).id;

  /**
   * Runs a change as the member; a refusal or conflict keeps the domain's words, in the page's
   * language (Accept-Language), mentions as names.
   */
  async function asMember<T>(
    request: FastifyRequest,
    change: (id: number, actor: MemberActor) => Promise<T>,
  ) {
    const login = loginOf(request);
    const id = partyId(request);
    const { details } = await visibleParty(options, login, id);
    const guildId = details.session.guildId;
    const actor = await members.actor(guildId, login.userId);
    if (actor === null)
      throw new ApiRequestError(403, 'forbidden', 'You are no longer a member of this server.');
    try {
      await change(id, actor);
    } catch (error) {
      if (!(error instanceof WatchPartyError)) throw error;
      const words = typeof error.text === 'string' ? error.text : render(pageLocale(request), error.text);
      throw new WatchPartyError(error.code, members.readMentions(guildId, words), {
        field: error.field,
        detail: error.detail,
        cause: error,
      });
    }
    return parseOutput(partyViewSchema, await visibleParty(options, login, id, pageLocale(request)));
  }

  app.get(WHO_AM_I, async (request) => {
    const login = request.dashboardLogin;
    if (login === undefined) return parseOutput(whoAmISchema, { me: null });
    const guilds = await Promise.all(
      members.sharedGuilds(login.guildIds).map(async (guild) => ({
        ...guild,
        parties: (await service.listSessions({ guildId: guild.id })).map((session) => ({
          id: session.id,
          title: session.title,
          status: session.status,
          voiceChannelName: voiceChannelName(members, session),
        })),
      })),
    );
    return parseOutput(whoAmISchema, {
      me: { user: { id: login.userId, username: login.username }, csrfToken: login.csrfToken, guilds },
    });
  });

  app.get('/dashboard/api/parties/:id', async (request) =>
    parseOutput(
      partyViewSchema,
      await visibleParty(options, loginOf(request), partyId(request), pageLocale(request)),
    ),
  );

  app.post('/dashboard/api/parties/:id/control', async (request) => {
    const { action, position } = parseInput(controlBodySchema, request.body ?? {});
    return asMember(request, (id, actor) => control(service, id, action, actor, position));
  });

  app.post('/dashboard/api/parties/:id/tracks', async (request) => {
    const { kind, track } = parseInput(tracksBodySchema, request.body ?? {});
    return asMember(request, (id, actor) => service.tracks.choose(id, kind, track, actor));
  });

  app.post('/dashboard/api/parties/:id/queue', async (request) => {
    const { itemId, next } = parseInput(queueBodySchema, request.body ?? {});
    // As /watchparty queue: the first item queued into an idle party starts it.
    return asMember(request, (id, actor) =>
      service.addToQueue(id, { itemId, next, startIfIdle: true }, actor),
    );
  });

  app.post('/dashboard/api/parties/:id/queue/move', async (request) => {
    const { from, to } = parseInput(moveBodySchema, request.body ?? {});
    return asMember(request, (id, actor) => service.moveInQueue(id, from, to, actor));
  });

  app.delete('/dashboard/api/parties/:id/queue/:number', async (request) => {
    const { number } = parseInput(queueEntryParamsSchema, request.params);
    return asMember(request, (id, actor) => service.removeFromQueue(id, number, actor));
  });

  app.get('/dashboard/api/parties/:id/poster', async (request, reply) => {
    const { details } = await visibleParty(options, loginOf(request), partyId(request));
    const image = details.current && (await options.posters?.posterImage(details.current.itemId));
    reply.header('cache-control', 'private, max-age=300');
    // Without a poster the page still gets an image: a card with the title, never a broken one.
    if (!image) return reply.type('image/svg+xml').send(posterCard(details.current?.title ?? ''));
    return reply.type('image/jpeg').send(image);
  });

  app.get('/dashboard/api/search', async (request) =>
    parseOutput(
      searchResultsSchema,
      await rankedSearch(options.search, parseInput(searchQuerySchema, request.query), pageLocale(request)),
    ),
  );
}

function control(
  service: WatchPartyService,
  id: number,
  action: DashboardControl,
  actor: MemberActor,
  position: number | string | undefined,
): Promise<void> {
  if (action === 'previous') return service.queueMoves.previous(id, actor);
  return service.control(id, action, actor, position);
}

function posterCard(title: string): string {
  const text = title.slice(0, 40).replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="180" viewBox="0 0 120 180"><rect width="120" height="180" fill="#4752c4"/><text x="60" y="90" fill="#fff" font-family="sans-serif" font-size="11" text-anchor="middle">${text}</text></svg>`;
}
