// The panel's track menus: one for the audio and one for the subtitles of what plays, from the
// entry's saved offer (src/watchparty/tracks.ts) worded in the server's language, with what plays
// now preselected. A choice runs the same track switch as `/watchparty audio|subtitles` (see
// panel-controls.ts).
import { type APIActionRowComponent, type APIStringSelectComponent, ComponentType } from 'discord.js';
import type { Locale } from '../i18n/locales.ts';
import { t } from '../i18n/translate.ts';
import type { TrackKind } from '../watchparty/track-labels.ts';
import { trackOptionLabel } from '../watchparty/tracks.ts';
import type { SessionDetails } from '../watchparty/views.ts';
import { truncate } from './autocomplete-choices.ts';
import { encodeCustomId } from './custom-id.ts';

/** Discord's limits on a select menu: 25 options, labels of 100 characters, placeholders of 150. */
const maxOptions = 25;
const maxLabel = 100;
const maxPlaceholder = 150;
/** The subtitles menu's value for "none". */
const subtitlesOffValue = 'off';

interface MenuOption {
  value: string;
  label: string;
  playing: boolean;
}

function menu(
  sessionId: number,
  track: TrackKind,
  noun: string,
  options: MenuOption[],
  locale: Locale,
): APIActionRowComponent<APIStringSelectComponent> {
  const playing = options.find((option) => option.playing);
  return {
    type: ComponentType.ActionRow,
    components: [
      {
        type: ComponentType.StringSelect,
        custom_id: encodeCustomId({ kind: 'tracks', track, sessionId }),
        placeholder: truncate(`${noun}: ${playing?.label ?? t(locale, 'tracks.choose')}`, maxPlaceholder),
        options: options.slice(0, maxOptions).map((option) => ({
          value: option.value,
          label: truncate(option.label, maxLabel),
          default: option.playing,
        })),
      },
    ],
  };
}

/** Menus while an item plays or is paused: audio when there is a choice, subtitles when it has any. */
export function trackMenus(
  details: SessionDetails,
  locale: Locale = 'en',
): APIActionRowComponent<APIStringSelectComponent>[] {
  const { session, current } = details;
  const offer = current?.tracks;
  if (!offer || (session.status !== 'playing' && session.status !== 'paused')) return [];
  const rows: APIActionRowComponent<APIStringSelectComponent>[] = [];
  if (offer.audio.length > 1) {
    const options = offer.audio.map((track) => ({
      value: String(track.index),
      label: trackOptionLabel(track, 'audio', locale),
      playing: track.index === offer.playingAudio,
    }));
    rows.push(menu(session.id, 'audio', t(locale, 'tracks.audio'), options, locale));
  }
  if (offer.subtitles.length > 0) {
    const off = {
      value: subtitlesOffValue,
      label: t(locale, 'tracks.off'),
      playing: offer.playingSubtitle === null,
    };
    const options = offer.subtitles.map((track) => ({
      value: String(track.index),
      label: trackOptionLabel(track, 'subtitles', locale),
      playing: track.index === offer.playingSubtitle,
    }));
    rows.push(menu(session.id, 'subtitles', t(locale, 'tracks.subtitles'), [off, ...options], locale));
  }
  return rows;
}
