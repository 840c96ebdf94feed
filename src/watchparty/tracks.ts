// Which audio and subtitle track a queue entry plays. An entry stores what a member chose (a stream
// index, or subtitles off); what it leaves open is decided when it plays, from the settings'
// languages and then the file's own defaults, so a member's choice always wins over a default.
import { z } from 'zod';
import type { Locale } from '../i18n/locales.ts';
import { phrase } from '../i18n/translate.ts';
import { canonicalLanguage } from '../language-code.ts';
import type { BurnedSubtitle, TrackSelection } from '../worker-contract/http.ts';
import { WatchPartyError } from './errors.ts';
import type { MediaTrack, PlaybackDetails } from './media-library.ts';
import { type TrackFacts, type TrackKind, trackFactsSchema, trackLabel } from './track-labels.ts';

/** Jellyfin's own value for "no subtitles", stored as the entry's subtitle choice. */
export const SUBTITLES_OFF = -1;

/** What an entry asks for: a stream index each, null to choose automatically. */
export interface TrackChoice {
  audioStreamIndex: number | null;
  subtitleStreamIndex: number | null;
}

/** The settings' languages (canonical ISO 639 subtags), null when unset. */
export interface TrackDefaults {
  audioLanguage: string | null;
  subtitleLanguage: string | null;
}

export interface ResolvedTracks {
  audio: MediaTrack | null;
  subtitle: MediaTrack | null;
}

export const automaticTracks: TrackChoice = { audioStreamIndex: null, subtitleStreamIndex: null };
export const noTrackDefaults: TrackDefaults = { audioLanguage: null, subtitleLanguage: null };

function speaks(track: MediaTrack, language: string | null): boolean {
  return language !== null && canonicalLanguage(track.language) === language;
}

function byIndex(tracks: MediaTrack[], index: number | null): MediaTrack | undefined {
  return index === null ? undefined : tracks.find((track) => track.index === index);
}

function chooseAudio(tracks: MediaTrack[], choice: TrackChoice, defaults: TrackDefaults): MediaTrack | null {
  const inLanguage = tracks.filter((track) => speaks(track, defaults.audioLanguage));
  return (
    byIndex(tracks, choice.audioStreamIndex) ??
    inLanguage.find((track) => track.isDefault) ??
    inLanguage[0] ??
    tracks.find((track) => track.isDefault) ??
    tracks[0] ??
    null
  );
}

/**
 * The settings' subtitle language when the audio is in another one; otherwise forced subtitles in
 * the audio's language (signs and foreign lines); otherwise the track the file marks default.
 */
function chooseSubtitle(
  tracks: MediaTrack[],
  choice: TrackChoice,
  defaults: TrackDefaults,
  audio: MediaTrack | null,
): MediaTrack | null {
  if (choice.subtitleStreamIndex === SUBTITLES_OFF) return null;
  const chosen = byIndex(tracks, choice.subtitleStreamIndex);
  if (chosen) return chosen;
  const audioLanguage = canonicalLanguage(audio?.language);
  if (defaults.subtitleLanguage !== null && defaults.subtitleLanguage !== audioLanguage) {
    const full = tracks.filter((track) => speaks(track, defaults.subtitleLanguage) && !track.isForced);
    const preferred = full.find((track) => track.isDefault) ?? full[0];
    if (preferred) return preferred;
  }
  return (
    tracks.find((track) => track.isForced && speaks(track, audioLanguage)) ??
    tracks.find((track) => track.isDefault) ??
    null
  );
}

export function resolveTracks(
  details: Pick<PlaybackDetails, 'audioTracks' | 'subtitleTracks'>,
  choice: TrackChoice,
  defaults: TrackDefaults,
): ResolvedTracks {
  const audio = chooseAudio(details.audioTracks, choice, defaults);
  return { audio, subtitle: chooseSubtitle(details.subtitleTracks, choice, defaults, audio) };
}

function burnedSubtitle(track: MediaTrack): BurnedSubtitle {
  return track.deliveryUrl
    ? { format: 'text', streamIndex: track.index, url: track.deliveryUrl }
    : { format: 'image', streamIndex: track.index };
}

/** The worker contract's form of resolved tracks. */
export function trackSelection(resolved: ResolvedTracks): TrackSelection {
  const { audio, subtitle } = resolved;
  return {
    audioStreamIndex: audio?.index ?? null,
    subtitle: subtitle ? burnedSubtitle(subtitle) : null,
  };
}

/**
 * What a member typed or picked for `kind`: a stream index (what the suggestions send), a language
 * code such as `ja` or `jpn`, or `off` for subtitles. Returns the stream index to store.
 */
export function parseTrackRequest(text: string, tracks: MediaTrack[], kind: TrackKind): number {
  const typed = text.trim().toLowerCase();
  if (kind === 'subtitles' && (typed === 'off' || typed === 'none')) return SUBTITLES_OFF;
  const byNumber = /^\d{1,4}$/.test(typed) ? byIndex(tracks, Number(typed)) : undefined;
  const language = canonicalLanguage(typed);
  const inLanguage = tracks.filter((track) => speaks(track, language));
  const found =
    byNumber ??
    inLanguage.find((track) => !track.isForced && track.isDefault) ??
    inLanguage.find((track) => !track.isForced) ??
    inLanguage[0];
  if (found) return found.index;
  const audio = kind === 'audio';
  const offered = tracks.map((track) => trackLabel(track, kind)).join('; ');
  const asked = { typed: text.trim().slice(0, 32), offered: offered.slice(0, 1500) };
  const none = audio ? phrase('error.noAudioTracks') : phrase('error.noSubtitleTracks');
  const unknown = audio
    ? phrase('error.noSuchAudioTrack', asked)
    : phrase('error.noSuchSubtitleTrack', asked);
  throw new WatchPartyError('bad_request', tracks.length === 0 ? none : unknown, {
    field: audio ? 'audio' : 'subtitles',
  });
}

/** The service's option for the settings' languages. */
export interface TrackSettings {
  trackDefaults?: TrackDefaults | undefined;
}

/** What `queue` may carry: the tracks a member chose for the item (checked by PartyTracks.choiceFor). */
export interface QueuedTracks {
  tracks?: TrackChoice | undefined;
}

/** The queue row's columns for a choice (absent: automatic). */
export function trackColumns(choice: TrackChoice | undefined) {
  return {
    audio_stream_index: choice?.audioStreamIndex ?? null,
    subtitle_stream_index: choice?.subtitleStreamIndex ?? null,
  };
}

/**
 * A track a playing entry may switch to, as saved with the entry: its stream index and the facts its
 * label is worded from when a menu is drawn, never a delivery address. Entries saved before the
 * facts were kept hold an English label instead.
 */
const savedTrackOptionSchema = z.union([
  z.object({ index: z.number().int(), facts: trackFactsSchema }),
  z.object({ index: z.number().int(), label: z.string() }),
]);

const savedTrackOfferSchema = z.object({
  audio: z.array(savedTrackOptionSchema),
  subtitles: z.array(savedTrackOptionSchema),
  playingAudio: z.number().int().nullable(),
  playingSubtitle: z.number().int().nullable(),
});
type SavedTrackOffer = z.infer<typeof savedTrackOfferSchema>;

const trackOptionSchema = z.object({
  index: z.number().int(),
  /** In English, for the API's readers. */
  label: z.string(),
  /** What the label says, for a reader's own language; null on an entry saved before they were kept. */
  facts: trackFactsSchema.nullable(),
});
export type TrackOption = z.infer<typeof trackOptionSchema>;

/** What a playing entry may switch to, with what plays now. The panel's menus read it. */
export const trackOfferSchema = z.object({
  audio: z.array(trackOptionSchema),
  subtitles: z.array(trackOptionSchema),
  playingAudio: z.number().int().nullable(),
  playingSubtitle: z.number().int().nullable(),
});
export type TrackOffer = z.infer<typeof trackOfferSchema>;

function factsOf(track: MediaTrack): TrackFacts {
  const { language, title, codec, channels, isDefault, isForced, isExternal } = track;
  return { language, title, codec, channels, isDefault, isForced, isExternal };
}

/** The offer to save with an entry as it starts playing. */
export function trackOffer(
  details: Pick<PlaybackDetails, 'audioTracks' | 'subtitleTracks'>,
  resolved: ResolvedTracks,
): SavedTrackOffer {
  const option = (track: MediaTrack) => ({ index: track.index, facts: factsOf(track) });
  return {
    audio: details.audioTracks.map(option),
    subtitles: details.subtitleTracks.map(option),
    playingAudio: resolved.audio?.index ?? null,
    playingSubtitle: resolved.subtitle?.index ?? null,
  };
}

/** The saved offer of a queue row; a row saved by another version that does not parse offers nothing. */
export function readTrackOffer(json: string | null): TrackOffer | null {
  if (json === null) return null;
  const parsed = savedTrackOfferSchema.safeParse(JSON.parse(json));
  if (!parsed.success) return null;
  const option = (kind: TrackKind) => (saved: SavedTrackOffer['audio'][number]) =>
    'facts' in saved
      ? { index: saved.index, label: trackLabel(saved.facts, kind), facts: saved.facts }
      : { index: saved.index, label: saved.label, facts: null };
  const { audio, subtitles, playingAudio, playingSubtitle } = parsed.data;
  return {
    audio: audio.map(option('audio')),
    subtitles: subtitles.map(option('subtitles')),
    playingAudio,
    playingSubtitle,
  };
}

/** An offered track's label in `locale`; one saved before its facts were kept reads as saved. */
export function trackOptionLabel(option: TrackOption, kind: TrackKind, locale: Locale): string {
  return option.facts ? trackLabel(option.facts, kind, locale) : option.label;
}
