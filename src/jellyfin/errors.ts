// What can go wrong talking to Jellyfin, as one small family of typed errors. Every message is
// written by us from the status and the route, never from the request, so it can't carry the key.
// Messages are for operators (they name settings); members read the vocabulary's sentence instead.
import { MediaServerUnavailableError } from '../watchparty/media-library.ts';

export const jellyfinFailureKinds = [
  'unreachable',
  'unauthorized',
  'not_found',
  'unexpected_response',
] as const;
export type JellyfinFailureKind = (typeof jellyfinFailureKinds)[number];

export class JellyfinError extends Error {
  readonly kind: JellyfinFailureKind;
  /** The route asked for, without its query string. */
  readonly route: string;
  readonly status: number | null;
  constructor(
    kind: JellyfinFailureKind,
    message: string,
    details: { route: string; status?: number | null },
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'JellyfinError';
    this.kind = kind;
    this.route = details.route;
    this.status = details.status ?? null;
  }
}

/** No answer: connection refused, DNS failure, timeout, or the connection dropped mid-answer. */
export class JellyfinUnreachableError extends JellyfinError {
  constructor(route: string, reason: string, options?: ErrorOptions) {
    super(
      'unreachable',
      `Jellyfin did not answer ${route} (${reason}). Check that JELLYFIN_URL is right and the server is up.`,
      { route },
      options,
    );
    this.name = 'JellyfinUnreachableError';
  }
}

/** 401/403: the API key is missing, wrong or revoked. */
export class JellyfinUnauthorizedError extends JellyfinError {
  constructor(route: string, status: number) {
    super(
      'unauthorized',
      `Jellyfin refused the API key (HTTP ${status} on ${route}). Create a key in Dashboard → API Keys and set JELLYFIN_API_KEY.`,
      { route, status },
    );
    this.name = 'JellyfinUnauthorizedError';
  }
}

/** 404: Jellyfin does not know the item (or the route). */
export class JellyfinNotFoundError extends JellyfinError {
  constructor(route: string) {
    super('not_found', `Jellyfin has nothing at ${route} (HTTP 404).`, { route, status: 404 });
    this.name = 'JellyfinNotFoundError';
  }
}

/** A 5xx, an unexpected status, or a body that isn't the JSON we expect. */
export class JellyfinUnexpectedResponseError extends JellyfinError {
  constructor(route: string, status: number | null, reason: string, options?: ErrorOptions) {
    super(
      'unexpected_response',
      `Jellyfin answered ${route} unexpectedly: ${reason}.`,
      { route, status },
      options,
    );
    this.name = 'JellyfinUnexpectedResponseError';
  }
}

const memberKinds = {
  unreachable: 'jellyfin_unreachable',
  unauthorized: 'jellyfin_refused_key',
  not_found: 'jellyfin_error',
  unexpected_response: 'jellyfin_error',
} as const satisfies Record<JellyfinFailureKind, string>;

/** The domain's failure for a Jellyfin error: the member's sentence, with this message as the detail. */
export function asMediaServerFailure(error: JellyfinError): MediaServerUnavailableError {
  return new MediaServerUnavailableError(memberKinds[error.kind], error.message, { cause: error });
}
