// `/watchparty`: parse, then run (what Discord registers is in watchparty-definition.ts). Every
// subcommand defers privately first (so a slow worker never misses Discord's 3 s), asks the service,
// and tells the caller what happened. What everyone in the channel should see (what plays, what
// comes next) is the now-playing panel's job.
import type { ChatInputCommandInteraction } from 'discord.js';
import { memberActor } from '../interactions/actor.ts';
import { buildPanel, buildQueuePage } from '../interactions/panel.ts';
import { answerPrivately, deferPrivately } from '../interactions/respond.ts';
import type { ChatCommand } from '../interactions/router.ts';
import type { Logger } from '../logger.ts';
import { WatchPartyError } from '../watchparty/errors.ts';
import type { MemberActor } from '../watchparty/permissions.ts';
import { formatDuration } from '../watchparty/seek-time.ts';
import type { AddToQueueResult, WatchPartyService } from '../watchparty/service.ts';
import type { PartySession } from '../watchparty/views.ts';
import { suggestMedia } from './media-autocomplete.ts';
import { addChosenMedia } from './media-choice.ts';
import type { MediaSearch } from './media-search.ts';
import { watchpartyCommandName } from './watchparty-definition.ts';
import { parseWatchpartyRequest, type WatchpartyRequest } from './watchparty-options.ts';

export interface WatchpartyDependencies {
  service: WatchPartyService;
  search: MediaSearch;
  logger: Logger;
}

export function createWatchpartyCommand(deps: WatchpartyDependencies): ChatCommand {
  return {
    name: watchpartyCommandName,
    async run(interaction) {
      const request = parseWatchpartyRequest(interaction);
      await deferPrivately(interaction);
      const answer = await runRequest(deps, interaction, request);
      await answerPrivately(interaction, answer);
    },
    autocomplete: (interaction) => suggestMedia(deps.search, interaction, deps.logger),
  };
}

type Answer = Parameters<typeof answerPrivately>[1];

async function runRequest(
  deps: WatchpartyDependencies,
  interaction: ChatInputCommandInteraction,
  request: WatchpartyRequest,
): Promise<Answer> {
  const { service } = deps;
  const actor = memberActor(interaction);
  const guildId = interaction.guildId;
  if (guildId === null)
    throw new WatchPartyError('bad_request', 'Watch parties live in servers: use this command in one.');
  if (request.sub === 'create') return create(deps, interaction, request, actor, guildId);
  const party = await service.findCallersParty({ guildId, voiceChannelId: actor.voiceChannelId });
  switch (request.sub) {
    case 'queue': {
      const result = await addChosenMedia(deps.search, request, (itemId) =>
        service.addToQueue(party.id, { itemId, next: request.next, startIfIdle: true }, actor),
      );
      return describeQueued(result);
    }
    case 'start':
      await service.start(party.id, actor);
      return `Starting **${party.title}** in <#${party.voiceChannelId}>.`;
    case 'pause':
      await service.pause(party.id, actor);
      return 'Paused. `/watchparty resume` or the panel’s Resume button continues.';
    case 'resume':
      await service.resume(party.id, actor);
      return 'Resumed.';
    case 'skip': {
      await service.skip(party.id, actor);
      const { current } = await service.getSession(party.id);
      return current ? `Skipped. Now playing **${current.title}**.` : 'Skipped. The queue is empty now.';
    }
    case 'seek': {
      await service.seek(party.id, request.time, actor);
      const { worker } = await service.getSession(party.id);
      return `Jumped to ${formatDuration(worker?.positionSeconds ?? 0)}.`;
    }
    case 'stop':
      await service.stop(party.id, actor);
      return `Stopped **${party.title}**. Thanks for watching!`;
    case 'nowplaying':
      return buildPanel(await service.getSession(party.id), Date.now());
    case 'list':
      return buildQueuePage(await service.getSession(party.id), request.page - 1);
    case 'remove': {
      const removed = await service.removeFromQueue(party.id, request.position, actor);
      return `Removed **${removed.title}** from the queue.`;
    }
    case 'move': {
      const moved = await service.moveInQueue(party.id, request.from, request.to, actor);
      return `Moved **${moved.title}** to #${moved.number}.`;
    }
    case 'clear': {
      const count = await service.clearQueue(party.id, actor);
      return count === 0
        ? 'The queue was already empty.'
        : `Cleared ${count} item${count === 1 ? '' : 's'} from the queue.`;
    }
  }
}

async function create(
  deps: WatchpartyDependencies,
  interaction: ChatInputCommandInteraction,
  request: Extract<WatchpartyRequest, { sub: 'create' }>,
  actor: MemberActor,
  guildId: string,
): Promise<Answer> {
  const voiceChannelId = request.voiceChannelId ?? actor.voiceChannelId;
  if (voiceChannelId === null) {
    throw new WatchPartyError(
      'bad_request',
      'Join a voice channel first, or name one with the `voice` option.',
      { field: 'voice' },
    );
  }
  const voiceChannel = interaction.guild?.channels.cache.get(voiceChannelId);
  if (!voiceChannel?.isVoiceBased()) {
    throw new WatchPartyError('bad_request', 'The `voice` option must be a voice channel of this server.', {
      field: 'voice',
    });
  }
  const party: PartySession = await deps.service.createSession(
    {
      guildId,
      voiceChannelId,
      textChannelId: interaction.channelId,
      ownerUserId: actor.userId,
      title: request.title ?? undefined,
    },
    actor,
  );
  const created = `Created **${party.title}** in <#${voiceChannelId}>. The panel in this channel shows what plays.`;
  if (request.media === null) {
    return `${created} Add something with \`/watchparty queue\`: the first item starts the party.`;
  }
  const result = await addChosenMedia(deps.search, { media: request.media, episode: null }, (itemId) =>
    deps.service.addToQueue(party.id, { itemId, startIfIdle: true }, actor),
  );
  return `${created}\n${describeQueued(result)}`;
}

function describeQueued(result: AddToQueueResult): string {
  const title = `**${result.entry.title}**`;
  if (result.started) return `Starting ${title} now.`;
  const place = 'number' in result.entry ? ` as #${result.entry.number}` : '';
  const queued = `Queued ${title}${place}.`;
  if (result.startError) return `${queued} The party could not start: ${result.startError.message}`;
  return queued;
}
