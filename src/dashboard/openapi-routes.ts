// The dashboard's routes as /api/openapi.json describes them: the page, logging in and out, and the
// member's JSON API with its event stream. Shapes are the schemas the routes parse with; the
// examples are checked against them when the document is made (src/openapi.ts).
import { z } from 'zod';
import { apiErrorExample, searchResultsExample, sessionDetailsExample } from '../http/api-examples.ts';
import { apiErrorSchema } from '../http/schemas.ts';
import { searchQuerySchema, searchResultsSchema } from '../http/search.ts';
import type { OpenApiResponse, OpenApiRoute } from '../openapi.ts';
import {
  chunkParamsSchema,
  controlBodySchema,
  loginQuerySchema,
  moveBodySchema,
  oauthCallbackQuerySchema,
  type PartyView,
  partyParamsSchema,
  partyViewSchema,
  queueBodySchema,
  queueEntryParamsSchema,
  tracksBodySchema,
  type WhoAmI,
  whoAmISchema,
} from './schemas.ts';
import { type StreamHealth, streamHealthSchema } from './stream-health.ts';

const error = (description: string, example: ReturnType<typeof apiErrorExample>): OpenApiResponse => ({
  description,
  schema: apiErrorSchema,
  example,
});

const notLoggedIn = error(
  'No login, or it expired',
  apiErrorExample('unauthorized', 'Log in with Discord to use the dashboard.'),
);
const outOfDate = error(
  "The member may not (the sentence Discord would show), or the change lacks the login's CSRF token or came from another site",
  apiErrorExample(
    'forbidden',
    "Only the party's owner @alice, the @DJ role or members with Manage Channels can pause in this party.",
  ),
);
const noSuchParty = error(
  "Unknown party, or not in one of the member's servers",
  apiErrorExample('not_found', 'There is no such party, or it is not in one of your servers.'),
);
const readErrors = { 401: notLoggedIn, 404: noSuchParty };
const changeErrors = {
  400: error(
    'A field is invalid; `field` names it',
    apiErrorExample('bad_request', 'position: is required for seek', 'position'),
  ),
  ...readErrors,
  403: outOfDate,
  409: error(
    "The party's state forbids this action",
    apiErrorExample('conflict', 'Nothing played before this item.'),
  ),
  503: error(
    'No streaming account, worker or media server available',
    apiErrorExample(
      'unavailable',
      'Every streaming account is busy with another watch party. Stop one, or ask the server admin to add an account.',
    ),
  ),
};

const partyViewExample: PartyView = {
  guildName: 'Movie Night',
  voiceChannelName: 'Cinema',
  details: sessionDetailsExample,
};
const partyAnswer = {
  200: { description: 'The party afterwards', schema: partyViewSchema, example: partyViewExample },
};
const party = { params: { id: String(sessionDetailsExample.session.id) } };

const whoAmIExample: WhoAmI = {
  me: {
    user: { id: sessionDetailsExample.session.ownerUserId, username: 'alice' },
    csrfToken: 'Xy3k9QwErT5uIo0pAsDfGh',
    guilds: [
      {
        id: sessionDetailsExample.session.guildId,
        name: 'Movie Night',
        parties: [{ id: 7, title: 'Friday films', status: 'playing', voiceChannelName: 'Cinema' }],
      },
    ],
  },
};
const healthExample: StreamHealth = {
  framesPerSecond: 24,
  bitrateKbps: 2000,
  daveEpoch: 3,
  viewers: 2,
  reconnects: 0,
  workerRestarts: 1,
  encoder: 'copy',
};

const page: OpenApiResponse = {
  description: 'The dashboard page (the same HTML on every page path; the page routes itself)',
  schema: null,
  contentType: 'text/html',
  example: '<!doctype html><html lang="en">…<script type="module" src="/assets/app.js"></script>…</html>',
};

export const dashboardOpenApiRoutes: readonly OpenApiRoute[] = [
  {
    method: 'get',
    path: '/',
    summary: 'The dashboard: log in, then your servers and parties',
    access: 'public',
    responses: { 200: page },
  },
  {
    method: 'get',
    path: '/party/{id}',
    summary: "A party's page",
    access: 'public',
    example: party,
    responses: { 200: page },
  },
  {
    method: 'get',
    path: '/assets/app.js',
    summary: "The page's script, built at install time",
    access: 'public',
    responses: {
      200: {
        description: 'JavaScript',
        schema: null,
        contentType: 'text/javascript',
        example: '(()=>{…})();',
      },
    },
  },
  {
    method: 'get',
    path: '/assets/chunks/{file}',
    summary: "A script the page's script loads on demand: the catalog of the page's language",
    access: 'public',
    params: chunkParamsSchema,
    example: { params: { file: 'de.js' } },
    responses: {
      200: {
        description: 'JavaScript',
        schema: null,
        contentType: 'text/javascript',
        example: 'var e={…};export{e as de};',
      },
      400: error(
        'The name is not one of a script',
        apiErrorExample('bad_request', 'file: must be the name of a script the page loads', 'file'),
      ),
      404: error('The page has no such script', apiErrorExample('not_found', 'The page has no such script.')),
    },
  },
  {
    method: 'get',
    path: '/assets/app.css',
    summary: "The page's styles",
    access: 'public',
    responses: { 200: { description: 'CSS', schema: null, contentType: 'text/css', example: ':root{…}' } },
  },
  {
    method: 'get',
    path: '/login',
    summary:
      'Log in with Discord: sends the browser to Discord (scopes `identify guilds`) with a state bound to a cookie',
    access: 'public',
    query: loginQuerySchema,
    example: { query: { next: '/party/7' } },
    responses: {
      302: {
        description: "To Discord's consent screen",
        schema: null,
        headers: {
          location: {
            description: "Discord's authorize URL",
            example:
              'https://discord.com/oauth2/authorize?response_type=code&client_id=…&scope=identify+guilds&redirect_uri=…%2Foauth%2Fcallback&state=…',
          },
        },
      },
      400: error(
        '`next` is not a path on this site',
        apiErrorExample('bad_request', 'next: must be a path on this site', 'next'),
      ),
    },
  },
  {
    method: 'get',
    path: '/oauth/callback',
    summary:
      'Where Discord sends the browser back: checks the state, opens a login and sets the login cookie',
    access: 'public',
    query: oauthCallbackQuerySchema,
    // Each parameter's example; Discord sends either code and state, or error (and state).
    example: {
      query: {
        code: 'NhhvTDYsFcdgNLnnLijcl7Ku7bEEeee',
        state: 'q3XbR0m5Vfz2c8Zt1Lw9aHk',
        error: 'access_denied',
      },
    },
    responses: {
      302: {
        description: 'Logged in: to the page asked for at /login',
        schema: null,
        headers: { location: { description: 'The page to land on', example: '/party/7' } },
      },
      400: {
        description:
          'Not logged in (cancelled, an old or foreign state, or Discord could not confirm who you are)',
        schema: null,
        contentType: 'text/html',
        example:
          '<!doctype html>…<h1>You are not logged in</h1><p>This login link is old or was opened in another browser.</p>…',
      },
    },
  },
  {
    method: 'post',
    path: '/logout',
    summary: 'Ends the login; the cookie no longer opens anything',
    access: 'login',
    responses: {
      204: { description: 'Logged out', schema: null },
      401: notLoggedIn,
      403: outOfDate,
    },
  },
  {
    method: 'get',
    path: '/dashboard/api/me',
    summary: "Who is logged in, with the servers they share with the bot and those servers' parties",
    access: 'login',
    responses: {
      200: {
        description: 'The member, or `{"me": null}` without a valid login',
        schema: whoAmISchema,
        example: whoAmIExample,
      },
    },
  },
  {
    method: 'get',
    path: '/dashboard/api/parties/{id}',
    summary: 'One party: its server and voice channel names, and the party as /api/sessions/{id} answers it',
    access: 'login',
    params: partyParamsSchema,
    example: party,
    responses: { 200: { ...partyAnswer[200], description: 'The party' }, ...readErrors },
  },
  {
    method: 'get',
    path: '/dashboard/api/parties/{id}/events',
    summary:
      'Server-Sent Events: `event: party` (a party view, as GET …/parties/{id}) on connect and after every change; `event: health` (stream health) every 2 s while it streams',
    access: 'login',
    params: partyParamsSchema,
    example: party,
    responses: {
      200: {
        description: "Event stream; each event's `data` is one of these",
        schema: z.union([partyViewSchema, streamHealthSchema]),
        contentType: 'text/event-stream',
        example: healthExample,
      },
      ...readErrors,
    },
  },
  {
    method: 'get',
    path: '/dashboard/api/parties/{id}/poster',
    summary: "The current item's poster (JPEG), or an SVG card with its title when it has none",
    access: 'login',
    params: partyParamsSchema,
    example: party,
    responses: {
      200: { description: 'The poster', schema: null, contentType: 'image/jpeg', example: '(JPEG bytes)' },
      ...readErrors,
    },
  },
  {
    method: 'get',
    path: '/dashboard/api/search',
    summary: "Find films, series and episodes to queue, ranked as /watchparty queue's autocomplete",
    access: 'login',
    query: searchQuerySchema,
    example: { query: { q: 'arrival', limit: '10' } },
    responses: {
      200: {
        description: 'The best matches first',
        schema: searchResultsSchema,
        example: searchResultsExample,
      },
      400: changeErrors[400],
      401: notLoggedIn,
    },
  },
  {
    method: 'post',
    path: '/dashboard/api/parties/{id}/control',
    summary:
      'start, pause, resume, seek (with position: seconds, or "+30"/"-30"), skip, previous or stop, as the member',
    access: 'login',
    params: partyParamsSchema,
    body: controlBodySchema,
    example: { ...party, body: { action: 'seek', position: '-30' } },
    responses: { ...partyAnswer, ...changeErrors },
  },
  {
    method: 'post',
    path: '/dashboard/api/parties/{id}/tracks',
    summary:
      "Choose the current item's audio or subtitles (a stream index from its `tracks`, or off); it restarts where it is",
    access: 'login',
    params: partyParamsSchema,
    body: tracksBodySchema,
    example: { ...party, body: { kind: 'audio', track: '2' } },
    responses: { ...partyAnswer, ...changeErrors },
  },
  {
    method: 'post',
    path: '/dashboard/api/parties/{id}/queue',
    summary: 'Queue an item (next: true plays it next); the first item queued into an idle party starts it',
    access: 'login',
    params: partyParamsSchema,
    body: queueBodySchema,
    example: { ...party, body: { itemId: 'f1e2d3c4b5a697887766554433221100', next: true } },
    responses: { ...partyAnswer, ...changeErrors },
  },
  {
    method: 'post',
    path: '/dashboard/api/parties/{id}/queue/move',
    summary: 'Move upcoming item `from` to place `to` (numbers as listed)',
    access: 'login',
    params: partyParamsSchema,
    body: moveBodySchema,
    example: { ...party, body: { from: 2, to: 1 } },
    responses: { ...partyAnswer, ...changeErrors },
  },
  {
    method: 'delete',
    path: '/dashboard/api/parties/{id}/queue/{number}',
    summary: 'Remove upcoming item `number` (as listed)',
    access: 'login',
    params: queueEntryParamsSchema,
    example: { params: { ...party.params, number: '1' } },
    responses: { ...partyAnswer, ...changeErrors },
  },
];
