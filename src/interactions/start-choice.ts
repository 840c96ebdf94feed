// The queue reply's resume choice: an item queued where it stopped last time says "Resuming at
// 1:02:10" with a Start over button, and once started over offers "Resume at 1:02:10" back. Both
// change the entry before it plays, or jump there when it already plays.
import {
  type APIActionRowComponent,
  type APIButtonComponentWithCustomId,
  type ButtonInteraction,
  ButtonStyle,
  ComponentType,
} from 'discord.js';
import type { Locale } from '../i18n/locales.ts';
import { t } from '../i18n/translate.ts';
import { formatDuration } from '../watchparty/duration-text.ts';
import type { WatchPartyService } from '../watchparty/service.ts';
import { memberActor } from './actor.ts';
import { type CustomIdData, encodeCustomId } from './custom-id.ts';
import { memberLocale } from './respond.ts';

type StartChoiceRow = APIActionRowComponent<APIButtonComponentWithCustomId>;

/** `Resuming at 1:02:10.` or `Starting from the beginning.`, for replies. */
export function describeStart(startSeconds: number | null, locale: Locale = 'en'): string {
  return startSeconds
    ? t(locale, 'start.resuming', { at: formatDuration(startSeconds) })
    : t(locale, 'start.fromBeginning');
}

/** Start over while it resumes; Resume at while it starts from the beginning and could resume. */
export function startChoiceRows(
  sessionId: number,
  entryId: number,
  startSeconds: number | null,
  offerSeconds: number | null,
  locale: Locale = 'en',
): StartChoiceRow[] {
  const resuming = startSeconds !== null && startSeconds > 0;
  if (!resuming && offerSeconds === null) return [];
  const button: APIButtonComponentWithCustomId = {
    type: ComponentType.Button,
    custom_id: encodeCustomId({
      kind: 'entry-start',
      choice: resuming ? 'start-over' : 'resume-at',
      sessionId,
      entryId,
    }),
    label: resuming
      ? t(locale, 'button.startOver')
      : t(locale, 'button.resumeAt', { at: formatDuration(offerSeconds ?? 0) }),
    style: ButtonStyle.Secondary,
  };
  return [{ type: ComponentType.ActionRow, components: [button] }];
}

/** Runs a Start over / Resume at press and shows the new choice in the same reply. */
export async function runStartChoice(
  service: WatchPartyService,
  interaction: ButtonInteraction,
  data: Extract<CustomIdData, { kind: 'entry-start' }>,
): Promise<void> {
  await interaction.deferUpdate();
  const choice = data.choice === 'start-over' ? 'start' : 'resume';
  const { filmNight } = service;
  const start = await filmNight.chooseStart(data.sessionId, data.entryId, choice, memberActor(interaction));
  const offer = start > 0 ? null : await filmNight.resumeOffer(data.sessionId, data.entryId);
  const locale = memberLocale(interaction);
  await interaction.editReply({
    content: describeStart(start, locale),
    components: startChoiceRows(data.sessionId, data.entryId, start, offer, locale),
  });
}
