// What the panel's buttons, the queue pages and the seek modal do, once their custom id has been
// parsed. Controls acknowledge with a deferred update (the panel itself shows the result, the channel
// hears the story); a vote skip answers the voter privately with the count; refusals come back
// privately through the error translator.
import type { ButtonInteraction, MessageComponentInteraction, ModalSubmitInteraction } from 'discord.js';
import { phrase, t } from '../i18n/translate.ts';
import { formatDuration } from '../watchparty/duration-text.ts';
import { WatchPartyError } from '../watchparty/errors.ts';
import type { WatchPartyService } from '../watchparty/service.ts';
import type { SessionDetails } from '../watchparty/views.ts';
import type { VoiceAudience } from '../watchparty/voice-audience.ts';
import { memberActor } from './actor.ts';
import type { CustomIdData, PanelAction } from './custom-id.ts';
import { buildQueuePage, buildSeekModal, seekInputId } from './panel.ts';
import { nextLoopMode } from './panel-hub.ts';
import { answerPrivately, deferPrivately, memberLocale } from './respond.ts';
import { runStartChoice } from './start-choice.ts';

const jumpSeconds = 30;

export async function runComponent(
  service: WatchPartyService,
  audience: VoiceAudience,
  interaction: MessageComponentInteraction | ModalSubmitInteraction,
  data: CustomIdData,
): Promise<void> {
  // Custom ids can be forged: a party of another guild is refused like one that does not exist. The
  // seek button is checked here too, so nobody types a time into a modal only to be refused.
  const opensSeekModal = data.kind === 'panel' && data.action === 'seek' && interaction.isButton();
  const party = await service.getGuildSession(
    data.sessionId,
    interaction.guildId,
    opensSeekModal ? { actor: memberActor(interaction), action: 'seek' } : undefined,
  );
  switch (data.kind) {
    case 'panel':
      if (!interaction.isButton()) throw staleControl();
      return runPanelButton(service, audience, interaction, data.action, party);
    case 'list':
      if (!interaction.isButton()) throw staleControl();
      await interaction.update(buildQueuePage(party, data.page, memberLocale(interaction)));
      return;
    case 'seek-modal':
      if (!interaction.isModalSubmit()) throw staleControl();
      return submitSeek(service, interaction, data.sessionId);
    case 'entry-start':
      if (!interaction.isButton()) throw staleControl();
      return runStartChoice(service, interaction, data);
    case 'tracks': {
      const value = interaction.isStringSelectMenu() ? interaction.values[0] : undefined;
      if (value === undefined || !interaction.isStringSelectMenu()) throw staleControl();
      await interaction.deferUpdate();
      await service.tracks.choose(data.sessionId, data.track, value, memberActor(interaction));
      return;
    }
  }
}

export function staleControl(): WatchPartyError {
  return new WatchPartyError('bad_request', phrase('error.staleControl'));
}

async function runPanelButton(
  service: WatchPartyService,
  audience: VoiceAudience,
  interaction: ButtonInteraction,
  action: PanelAction,
  party: SessionDetails,
): Promise<void> {
  const actor = memberActor(interaction);
  const sessionId = party.session.id;
  switch (action) {
    case 'seek':
      await interaction.showModal(buildSeekModal(party, Date.now(), memberLocale(interaction)));
      return;
    case 'queue':
      await deferPrivately(interaction);
      await answerPrivately(interaction, buildQueuePage(party, 0, memberLocale(interaction)));
      return;
    case 'vote-skip': {
      await deferPrivately(interaction);
      const { guildId, voiceChannelId } = party.session;
      const listenerIds = audience.listeners({ guildId, voiceChannelId }).map((person) => person.userId);
      const tally = await service.queueMoves.voteSkip(sessionId, actor, listenerIds);
      const locale = memberLocale(interaction);
      const count = { votes: tally.votes, needed: tally.needed };
      await answerPrivately(
        interaction,
        tally.passed
          ? t(locale, 'reply.skippedByVote')
          : tally.repeated
            ? t(locale, 'reply.alreadyVoted', count)
            : t(locale, 'reply.voteCounted', count),
      );
      return;
    }
    default:
      break;
  }
  await interaction.deferUpdate();
  switch (action) {
    case 'start':
      return service.start(sessionId, actor);
    case 'previous':
      return service.queueMoves.previous(sessionId, actor);
    case 'shuffle':
      await service.queueMoves.shuffle(sessionId, actor);
      return;
    case 'loop':
      return service.queueMoves.setLoop(sessionId, nextLoopMode[party.session.loopMode], actor);
    case 'pause':
      return service.pause(sessionId, actor);
    case 'resume':
      return service.resume(sessionId, actor);
    case 'back':
      return service.seek(sessionId, `-${jumpSeconds}`, actor);
    case 'forward':
      return service.seek(sessionId, `+${jumpSeconds}`, actor);
    case 'skip':
    case 'play-now':
      return service.skip(sessionId, actor);
    case 'skip-intro':
      await service.filmNight.skipIntro(sessionId, actor);
      return;
    case 'stop':
      return service.stop(sessionId, actor);
  }
}

async function submitSeek(
  service: WatchPartyService,
  interaction: ModalSubmitInteraction,
  sessionId: number,
) {
  const typed = interaction.fields.fields.get(seekInputId);
  const time = typed && 'value' in typed && typeof typed.value === 'string' ? typed.value : null;
  if (time === null) throw staleControl();
  await deferPrivately(interaction);
  await service.seek(sessionId, time, memberActor(interaction));
  const { worker } = await service.getSession(sessionId);
  const at = formatDuration(worker?.positionSeconds ?? 0);
  await answerPrivately(interaction, t(memberLocale(interaction), 'reply.jumped', { at }));
}
