// What the watch-party service needs from the media server. src/jellyfin implements it against
// Jellyfin; tests may inject their own. Kept here so the domain depends on a shape, not a client.

import type { Phrase } from '../i18n/catalog.ts';
import { phrase, render } from '../i18n/translate.ts';
import type { PlaybackTarget } from '../worker-contract/http.ts';
import { type FailureKind, PartyFailure } from './failures.ts';

export interface MediaDescription {
  /** The playable item's id (for a series: its first episode's id). */
  itemId: string;
  mediaType: 'movie' | 'episode' | 'video';
  /** Display title; episodes read `Series · S02E05 · Episode title`. */
  title: string;
  year: number | null;
  runtimeSeconds: number | null;
  summary: string | null;
  posterUrl: string | null;
}

/** An audio or subtitle track of the source the worker plays. */
export interface MediaTrack {
  /** The media server's stream index: the file's own (ffmpeg `0:{index}`); external files after them. */
  index: number;
  codec: string | null;
  /** As the media server writes it (usually ISO 639-2), or null when the file does not say. */
  language: string | null;
  title: string | null;
  channels: number | null;
  isDefault: boolean;
  isForced: boolean;
  /** Subtitles: text (SRT, ASS, WebVTT, mov_text) rather than pictures (PGS, VobSub, DVB). */
  isText: boolean;
  /** Subtitles: a file beside the media rather than a stream inside it. */
  isExternal: boolean;
  /** Text subtitles: the keyless URL the media server delivers them at as a file; null otherwise. */
  deliveryUrl: string | null;
}

/** Where the worker reads an item, and the tracks it may choose from. */
export interface PlaybackDetails {
  target: PlaybackTarget;
  audioTracks: MediaTrack[];
  subtitleTracks: MediaTrack[];
}

/** Raised when the media server does not know an item id; `text` is safe to show to users. */
export class UnknownMediaError extends Error {
  readonly text: Phrase;
  constructor(itemId: string) {
    const text = phrase('error.unknownMedia', { id: itemId.slice(0, 64) });
    super(render('en', text));
    this.name = 'UnknownMediaError';
    this.text = text;
  }
}

/** The media server could not be reached, refused the key, or would not play an item. */
export class MediaServerUnavailableError extends PartyFailure {
  constructor(
    kind: Extract<FailureKind, `jellyfin_${string}` | 'item_refused'>,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(kind, detail, options);
    this.name = 'MediaServerUnavailableError';
  }
}

export interface MediaLibrary {
  /** Metadata to queue an item; a series id resolves to its first episode. Throws UnknownMediaError. */
  describe(itemId: string): Promise<MediaDescription>;
  /** The contract's playback object for the worker, with the source's tracks. Throws UnknownMediaError. */
  playbackDetails(itemId: string): Promise<PlaybackDetails>;
}

/** Tells the media server what a party is watching, so it shows on its dashboard. */
export interface PlaybackReporter {
  started(sessionId: string, itemId: string, positionSeconds: number): Promise<void>;
  progress(sessionId: string, itemId: string, positionSeconds: number, paused: boolean): Promise<void>;
  stopped(sessionId: string, itemId: string, positionSeconds: number): Promise<void>;
}
