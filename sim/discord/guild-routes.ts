// The simulator's read-only guild and application routes, answered as Discord answers them: who the
// application is, which guilds a token's user is in, and a guild's roles, channels (with their
// permission overwrites) and members. A bad token gets 401, a guild the user is not in 403 Missing
// Access, and an unknown guild or member 404 with Discord's error code. `npm run doctor` reads these.
import { discordError, type RestRequest, type RestResponse, type RestRouter } from './rest.ts';
import type { SimWorld } from './world.ts';

const unauthorized = () => discordError(401, 0, '401: Unauthorized');

export function installGuildRoutes(router: RestRouter, world: SimWorld): void {
  const guildFor = (request: RestRequest): RestResponse | null => {
    if (request.auth === 'none' || !request.authUserId) return unauthorized();
    if (request.params.guild !== world.guild.id) return discordError(404, 10004, 'Unknown Guild');
    if (!world.guild.members.has(request.authUserId)) return discordError(403, 50001, 'Missing Access');
    return null;
  };

  router.route('GET', '/applications/@me', (request) => {
    if (request.auth !== 'bot') return unauthorized();
    return {
      status: 200,
      body: {
        id: world.applicationId,
        name: world.bot.username,
        icon: null,
        description: '',
        bot_public: true,
        bot_require_code_grant: false,
        verify_key: '0'.repeat(64),
        flags: 0,
        owner: world.userPayload(world.owner),
        bot: world.userPayload(world.bot),
      },
    };
  });

  router.route('GET', '/users/@me/guilds', (request) => {
    if (request.auth === 'none' || !request.authUserId) return unauthorized();
    const { guild } = world;
    if (!guild.members.has(request.authUserId)) return { status: 200, body: [] };
    return {
      status: 200,
      body: [
        {
          id: guild.id,
          name: guild.name,
          icon: null,
          banner: null,
          owner: guild.ownerId === request.authUserId,
          permissions: String(world.permissionsOf(request.authUserId)),
          features: [],
        },
      ],
    };
  });

  router.route('GET', '/guilds/:guild', (request) => {
    const refused = guildFor(request);
    if (refused) return refused;
    return { status: 200, body: world.restGuildPayload() };
  });

  router.route('GET', '/guilds/:guild/roles', (request) => {
    const refused = guildFor(request);
    return refused ?? { status: 200, body: world.guild.roles.map((role) => world.rolePayload(role)) };
  });

  router.route('GET', '/guilds/:guild/channels', (request) => {
    const refused = guildFor(request);
    return (
      refused ?? {
        status: 200,
        body: world.guild.channels.map((channel) => world.channelPayload(channel)),
      }
    );
  });

  router.route('GET', '/guilds/:guild/members/:user', (request) => {
    const refused = guildFor(request);
    if (refused) return refused;
    const userId = request.params.user === '@me' ? request.authUserId : request.params.user;
    return userId && world.guild.members.has(userId)
      ? { status: 200, body: world.memberPayload(userId) }
      : discordError(404, 10007, 'Unknown Member');
  });
}
