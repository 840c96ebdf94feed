// One error type for everything a door must tell a user. `code` decides how a door answers (HTTP
// status, ephemeral reply); `text` is what the member reads, as a phrase the door words in the
// reader's language; `message` is that phrase in English, for the logs and the API; `detail`, when
// there is one, is for the logs and for members who manage the server. Anything that is not a
// WatchPartyError is a bug and gets a generic answer from the door.
import type { Phrase } from '../i18n/catalog.ts';
import { render } from '../i18n/translate.ts';
import { type FailureKind, PartyFailure } from './failures.ts';
import { UnknownMediaError } from './media-library.ts';

export const watchPartyErrorCodes = [
  'bad_request',
  'forbidden',
  'not_found',
  'conflict',
  'unavailable',
] as const;
export type WatchPartyErrorCode = (typeof watchPartyErrorCodes)[number];

export class WatchPartyError extends Error {
  readonly code: WatchPartyErrorCode;
  /** The offending input field, when the error is about one (API 400s name it). */
  readonly field: string | undefined;
  /** What an operator needs to fix it (setting names, statuses); never shown to every member. */
  readonly detail: string | null;
  /** What the member reads; a plain string is a text not yet in the catalogs, shown as it is. */
  readonly text: Phrase | string;
  constructor(
    code: WatchPartyErrorCode,
    text: Phrase | string,
    options?: ErrorOptions & { field?: string; detail?: string | null },
  ) {
    super(typeof text === 'string' ? text : render('en', text), options);
    this.name = 'WatchPartyError';
    this.text = text;
    this.code = code;
    this.field = options?.field;
    this.detail = options?.detail ?? null;
  }
}

/**
 * Turns the seams' own user-safe errors (media server, worker pool) into WatchPartyErrors; returns
 * null for anything else, which the caller treats as unexpected.
 */
export function asWatchPartyError(error: unknown): WatchPartyError | null {
  if (error instanceof WatchPartyError) return error;
  if (error instanceof UnknownMediaError)
    return new WatchPartyError('not_found', error.text, { cause: error });
  if (error instanceof PartyFailure)
    return new WatchPartyError('unavailable', error.text, { cause: error, detail: error.detail });
  return null;
}

/**
 * The failure vocabulary's kind of what stopped a party: a seam's failure names its own, an item the
 * media server no longer has is `item_missing`, anything unforeseen is `unexpected`; null for a
 * refusal outside the vocabulary, which keeps its own words.
 */
export function failureKindOf(error: unknown): FailureKind | null {
  const cause = error instanceof WatchPartyError ? error.cause : error;
  if (cause instanceof PartyFailure) return cause.kind;
  if (cause instanceof UnknownMediaError) return 'item_missing';
  return error instanceof WatchPartyError ? null : 'unexpected';
}

/** Calls a seam (media server, worker pool) and turns its user-safe errors into WatchPartyErrors. */
export async function callSeam<T>(seam: () => Promise<T>): Promise<T> {
  try {
    return await seam();
  } catch (error) {
    throw asWatchPartyError(error) ?? error;
  }
}
