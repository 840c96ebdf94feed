// `/watchparty`: parse, then run (what Discord registers is in watchparty-definition.ts). Every
// subcommand defers privately first (so a slow worker never misses Discord's 3 s), asks the service,
// and tells the caller what happened. What everyone in the channel should see (what plays, what
// comes next) is the now-playing panel's job.
import type { ChatInputCommandInteraction } from 'discord.js';
import { phrase, t } from '../i18n/translate.ts';
import { memberActor } from '../interactions/actor.ts';
import { buildPanel, buildQueuePage } from '../interactions/panel.ts';
import { answerPrivately, deferPrivately, memberLocale, serverLocale } from '../interactions/respond.ts';
import type { ChatCommand } from '../interactions/router.ts';
import type { Logger } from '../logger.ts';
import { formatDuration } from '../watchparty/duration-text.ts';
import { WatchPartyError } from '../watchparty/errors.ts';
import type { MemberActor } from '../watchparty/permissions.ts';
import { isSeriesChoice } from '../watchparty/series-queueing.ts';
import type { WatchPartyService } from '../watchparty/service.ts';
import { trackLabel } from '../watchparty/track-labels.ts';
import type { PartySession } from '../watchparty/views.ts';
import type { VoiceAudience } from '../watchparty/voice-audience.ts';
import { suggestMedia } from './media-autocomplete.ts';
import { addChosenMedia } from './media-choice.ts';
import type { MediaSearch } from './media-search.ts';
import { describeQueued, queuedAnswer, queueSeriesChoice } from './queue-replies.ts';
import { suggestTracks, trackOptionNames } from './track-autocomplete.ts';
import { watchpartyCommandName } from './watchparty-definition.ts';
import { parseWatchpartyRequest, type WatchpartyRequest } from './watchparty-options.ts';

export interface WatchpartyDependencies {
  service: WatchPartyService;
  search: MediaSearch;
  logger: Logger;
  /** Who is in the party's voice channel, for `nowplaying`'s "Watching" line. */
  audience?: VoiceAudience;
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
    autocomplete: (interaction) =>
      trackOptionNames.has(interaction.options.getFocused(true).name)
        ? suggestTracks(deps.service, interaction, deps.logger)
        : suggestMedia(deps.search, interaction, deps.logger),
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
  const locale = memberLocale(interaction);
  const guildId = interaction.guildId;
  if (guildId === null) throw new WatchPartyError('bad_request', phrase('error.serversOnly'));
  if (request.sub === 'create') return create(deps, interaction, request, actor, guildId);
  const party = await service.findCallersParty({ guildId, voiceChannelId: actor.voiceChannelId });
  switch (request.sub) {
    case 'queue': {
      if (isSeriesChoice(request.media))
        return queueSeriesChoice(interaction, service, party.id, request, actor);
      const result = await addChosenMedia(deps.search, request, async (itemId) => {
        const tracks = await service.tracks.choiceFor(itemId, request);
        const input = { itemId, next: request.next, startIfIdle: true, tracks, from: request.from };
        return service.addToQueue(party.id, input, actor);
      });
      return queuedAnswer(interaction, party.id, result);
    }
    case 'audio':
    case 'subtitles': {
      const chosen = await service.tracks.choose(party.id, request.sub, request.track, actor);
      if (chosen === null) return t(locale, 'reply.subtitlesOff');
      const track = trackLabel(chosen, request.sub, locale);
      return request.sub === 'audio'
        ? t(locale, 'reply.audioSwitched', { track })
        : t(locale, 'reply.subtitlesSwitched', { track });
    }
    case 'start':
      await service.start(party.id, actor);
      return t(locale, 'reply.starting', { title: party.title, channelId: party.voiceChannelId });
    case 'pause':
      await service.pause(party.id, actor);
      return t(locale, 'reply.paused');
    case 'resume':
      await service.resume(party.id, actor);
      return t(locale, 'reply.resumed');
    case 'skip': {
      await service.skip(party.id, actor);
      const { current } = await service.getSession(party.id);
      return current
        ? t(locale, 'reply.skipped', { title: current.title })
        : t(locale, 'reply.skippedToNothing');
    }
    case 'seek': {
      await service.seek(party.id, request.time, actor);
      const { worker } = await service.getSession(party.id);
      return t(locale, 'reply.jumped', { at: formatDuration(worker?.positionSeconds ?? 0) });
    }
    case 'stop':
      await service.stop(party.id, actor);
      return t(locale, 'reply.stopped', { title: party.title });
    case 'nowplaying':
      return buildPanel(
        await service.getSession(party.id),
        Date.now(),
        deps.audience?.listeners(party) ?? null,
        service.filmNight.autoSkipCredits,
        locale,
      );
    case 'list':
      return buildQueuePage(await service.getSession(party.id), request.page - 1, locale);
    case 'remove': {
      const removed = await service.removeFromQueue(party.id, request.position, actor);
      return t(locale, 'reply.removed', { title: removed.title });
    }
    case 'move': {
      const moved = await service.moveInQueue(party.id, request.from, request.to, actor);
      return t(locale, 'reply.moved', { title: moved.title, number: moved.number });
    }
    case 'clear': {
      const count = await service.clearQueue(party.id, actor);
      return count === 0 ? t(locale, 'reply.alreadyEmpty') : t(locale, 'reply.cleared', { count });
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
    throw new WatchPartyError('bad_request', phrase('error.joinVoiceFirst'), { field: 'voice' });
  }
  const voiceChannel = interaction.guild?.channels.cache.get(voiceChannelId);
  if (!voiceChannel?.isVoiceBased()) {
    throw new WatchPartyError('bad_request', phrase('error.notAVoiceChannel'), { field: 'voice' });
  }
  const party: PartySession = await deps.service.createSession(
    {
      guildId,
      voiceChannelId,
      textChannelId: interaction.channelId,
      ownerUserId: actor.userId,
      title: request.title ?? t(serverLocale(interaction), 'party.defaultTitle'),
    },
    actor,
  );
  const locale = memberLocale(interaction);
  const created = t(locale, 'reply.created', { title: party.title, channelId: voiceChannelId });
  if (request.media === null) return `${created} ${t(locale, 'reply.createdAddHint')}`;
  const result = await addChosenMedia(deps.search, { media: request.media, episode: null }, (itemId) =>
    deps.service.addToQueue(party.id, { itemId, startIfIdle: true }, actor),
  );
  return `${created}\n${describeQueued(interaction, result)}`;
}
