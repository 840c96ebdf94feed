// What the panel's buttons, the queue pages and the seek modal do, once their custom id has been
// parsed. Controls acknowledge with a deferred update (the panel itself shows the result); refusals
// come back privately through the error translator.
import type { ButtonInteraction, MessageComponentInteraction, ModalSubmitInteraction } from 'discord.js';
import { WatchPartyError } from '../watchparty/errors.ts';
import { formatDuration } from '../watchparty/seek-time.ts';
import type { WatchPartyService } from '../watchparty/service.ts';
import type { SessionDetails } from '../watchparty/views.ts';
import { memberActor } from './actor.ts';
import type { CustomIdData, PanelAction } from './custom-id.ts';
import { buildQueuePage, buildSeekModal, seekInputId } from './panel.ts';
import { answerPrivately, deferPrivately } from './respond.ts';

const jumpSeconds = 30;

export async function runComponent(
  service: WatchPartyService,
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
      return runPanelButton(service, interaction, data.action, data.sessionId, party);
    case 'list':
      if (!interaction.isButton()) throw staleControl();
      await interaction.update(buildQueuePage(party, data.page));
      return;
    case 'seek-modal':
      if (!interaction.isModalSubmit()) throw staleControl();
      return submitSeek(service, interaction, data.sessionId);
  }
}

export function staleControl(): WatchPartyError {
  return new WatchPartyError(
    'bad_request',
    'This control is out of date or not from this bot. Use `/watchparty nowplaying` for fresh controls.',
  );
}

async function runPanelButton(
  service: WatchPartyService,
  interaction: ButtonInteraction,
  action: PanelAction,
  sessionId: number,
  party: SessionDetails,
): Promise<void> {
  const actor = memberActor(interaction);
  switch (action) {
    case 'seek':
      await interaction.showModal(buildSeekModal(party, Date.now()));
      return;
    case 'queue':
      await deferPrivately(interaction);
      await answerPrivately(interaction, buildQueuePage(party, 0));
      return;
    default:
      break;
  }
  await interaction.deferUpdate();
  switch (action) {
    case 'pause':
      return service.pause(sessionId, actor);
    case 'resume':
      return service.resume(sessionId, actor);
    case 'back':
      return service.seek(sessionId, `-${jumpSeconds}`, actor);
    case 'forward':
      return service.seek(sessionId, `+${jumpSeconds}`, actor);
    case 'skip':
      return service.skip(sessionId, actor);
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
  await answerPrivately(interaction, `Jumped to ${formatDuration(worker?.positionSeconds ?? 0)}.`);
}
