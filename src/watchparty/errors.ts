// One error type for everything a door must tell a user. `code` decides how a door answers (HTTP
// status, ephemeral reply); `message` is always safe to show. Anything that is not a
// WatchPartyError is a bug and gets a generic answer from the door.
import { MediaServerUnavailableError, UnknownMediaError } from './media-library.ts';
import { NoStreamerAvailableError, WorkerUnavailableError } from './worker-pool.ts';

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
  constructor(code: WatchPartyErrorCode, message: string, options?: ErrorOptions & { field?: string }) {
    super(message, options);
    this.name = 'WatchPartyError';
    this.code = code;
    this.field = options?.field;
  }
}

/**
 * Turns the seams' own user-safe errors (media server, worker pool) into WatchPartyErrors; returns
 * null for anything else, which the caller treats as unexpected.
 */
export function asWatchPartyError(error: unknown): WatchPartyError | null {
  if (error instanceof WatchPartyError) return error;
  if (error instanceof UnknownMediaError)
    return new WatchPartyError('not_found', error.message, { cause: error });
  if (
    error instanceof NoStreamerAvailableError ||
    error instanceof WorkerUnavailableError ||
    error instanceof MediaServerUnavailableError
  ) {
    return new WatchPartyError('unavailable', error.message, { cause: error });
  }
  return null;
}
