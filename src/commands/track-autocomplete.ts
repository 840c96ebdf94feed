// Suggestions for a track: `track` of `/watchparty audio|subtitles` lists what plays now, `audio` and
// `subtitles` of `queue` list the tracks of the item picked in `media`. Each choice names the track as
// a member tells them apart (language, title, codec, channels, default/forced); its value is the
// stream index. Like every autocomplete here it always answers, in time, with one explanatory choice
// when there is nothing to offer.
import type { AutocompleteInteraction } from 'discord.js';
import type { Locale } from '../i18n/locales.ts';
import { t } from '../i18n/translate.ts';
import { memberActor } from '../interactions/actor.ts';
import {
  type AutocompleteChoice,
  choiceText,
  explanatoryChoice,
  maxChoices,
  noMatchValue,
} from '../interactions/autocomplete-choices.ts';
import { errorText, memberLocale } from '../interactions/respond.ts';
import type { Logger } from '../logger.ts';
import { asWatchPartyError } from '../watchparty/errors.ts';
import type { MediaTrack } from '../watchparty/media-library.ts';
import type { WatchPartyService } from '../watchparty/service.ts';
import { type TrackKind, trackLabel } from '../watchparty/track-labels.ts';
import { autocompleteDeadlineMs, withDeadline } from './media-search.ts';

/** The options this module answers for. */
export const trackOptionNames = new Set(['track', 'audio', 'subtitles']);

/** Why there is nothing to offer yet. */
type OfferHint = 'hint.serversOnly' | 'hint.pickTitleFirst';

interface Offer {
  tracks: MediaTrack[];
  /** The stream index playing now, marked in the list. */
  playing: number | null;
}

function matches(track: MediaTrack, kind: TrackKind, typed: string, locale: Locale): boolean {
  if (typed === '') return true;
  // The member's own words and English both find a track: `japanisch` and `japanese` alike.
  const labels =
    locale === 'en'
      ? trackLabel(track, kind)
      : `${trackLabel(track, kind, locale)} ${trackLabel(track, kind)}`;
  const words = `${labels} ${track.language ?? ''} ${track.index}`.toLowerCase();
  return words.includes(typed.toLowerCase());
}

function trackChoices(kind: TrackKind, offer: Offer, typed: string, locale: Locale): AutocompleteChoice[] {
  const choices = offer.tracks
    .filter((track) => matches(track, kind, typed, locale))
    .map((track) => {
      const label = trackLabel(track, kind, locale);
      const name = track.index === offer.playing ? t(locale, 'hint.playingNow', { label }) : label;
      return { name: choiceText(name), value: String(track.index) };
    });
  const off = kind === 'subtitles' && (typed === '' || 'off'.startsWith(typed.toLowerCase()));
  const offChoice = { name: t(locale, 'tracks.off'), value: 'off' };
  return [...(off ? [offChoice] : []), ...choices].slice(0, maxChoices);
}

async function offerFor(
  service: WatchPartyService,
  interaction: AutocompleteInteraction,
  kind: TrackKind,
  focused: string,
): Promise<Offer | OfferHint> {
  if (focused === 'track') {
    const guildId = interaction.guildId;
    if (guildId === null) return 'hint.serversOnly';
    const actor = memberActor(interaction);
    const party = await service.findCallersParty({ guildId, voiceChannelId: actor.voiceChannelId });
    const current = await service.tracks.current(party.id);
    const playing = kind === 'audio' ? current.playing.audio : current.playing.subtitle;
    return {
      tracks: kind === 'audio' ? current.audio : current.subtitles,
      playing: playing?.index ?? null,
    };
  }
  // An episode picked for a series is what will play; else the film (or the series' first episode).
  const picked = [interaction.options.getString('episode'), interaction.options.getString('media')];
  const itemId =
    picked.map((value) => value?.trim() ?? '').find((value) => value !== '' && value !== noMatchValue) ?? '';
  if (itemId === '') return 'hint.pickTitleFirst';
  const tracks = await service.tracks.ofItem(itemId);
  return { tracks: kind === 'audio' ? tracks.audio : tracks.subtitles, playing: null };
}

export async function suggestTracks(
  service: WatchPartyService,
  interaction: AutocompleteInteraction,
  logger: Logger,
): Promise<void> {
  const focused = interaction.options.getFocused(true);
  const typed = String(focused.value).trim().slice(0, 32);
  const sub = interaction.options.getSubcommand(false);
  const kind: TrackKind = focused.name === 'audio' || sub === 'audio' ? 'audio' : 'subtitles';
  const locale = memberLocale(interaction);
  let choices: AutocompleteChoice[];
  try {
    const offer = await withDeadline(
      () => offerFor(service, interaction, kind, focused.name),
      autocompleteDeadlineMs,
    );
    if (typeof offer === 'string') choices = explanatoryChoice(t(locale, offer));
    else {
      choices = trackChoices(kind, offer, typed, locale);
      if (choices.length === 0) {
        const audio = kind === 'audio';
        const none = t(locale, audio ? 'hint.noAudioTracks' : 'hint.noSubtitleTracks');
        const unmatched = t(locale, audio ? 'hint.noAudioMatch' : 'hint.noSubtitleMatch', { typed });
        choices = explanatoryChoice(offer.tracks.length === 0 ? none : unmatched);
      }
    }
  } catch (error) {
    const known = asWatchPartyError(error);
    if (!known)
      logger.warn({ err: error, option: focused.name }, 'track suggestions failed or were too slow');
    choices = explanatoryChoice(known ? errorText(locale, known) : t(locale, 'hint.tracksDown'));
  }
  await interaction.respond(choices);
}
