// The page's calls to the bot: JSON in and out, the login's CSRF token on every change, and an
// error carrying the plain sentence the bot answered (a refusal reads as it does in Discord).
import type { Me, PartyView } from '../../src/dashboard/schemas.ts';
import type { StreamHealth } from '../../src/dashboard/stream-health.ts';
import { locale, say } from './i18n.ts';

export type { Me, PartyView, StreamHealth };
export type Details = PartyView['details'];
export type Entry = NonNullable<Details['current']>;
export type Upcoming = Details['upcoming'][number];

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

let csrfToken = '';

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: {
      accept: 'application/json',
      // The bot's refusals and problems come back in the page's language.
      'accept-language': locale,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(method === 'GET' ? {} : { 'x-csrf-token': csrfToken }),
    },
    body: body === undefined ? null : JSON.stringify(body),
  });
  if (response.status === 204) return undefined as T;
  const answer = await response.json().catch(() => null);
  if (!response.ok) {
    const message = answer?.error?.message ?? say('web.somethingWrong');
    throw new ApiError(response.status, message);
  }
  return answer as T;
}

/** Who is logged in (null: nobody), and the token their changes carry. */
export async function loadMe(): Promise<Me | null> {
  const { me } = await call<{ me: Me | null }>('GET', '/dashboard/api/me');
  csrfToken = me?.csrfToken ?? '';
  return me;
}

export const logout = () => call<void>('POST', '/logout');

const party = (id: number) => `/dashboard/api/parties/${id}`;

export type Control =
  | { action: 'start' | 'pause' | 'resume' | 'skip' | 'previous' | 'stop' }
  | { action: 'seek'; position: number | string };

export const control = (id: number, body: Control) => call<PartyView>('POST', `${party(id)}/control`, body);
export const chooseTrack = (id: number, kind: 'audio' | 'subtitles', track: string) =>
  call<PartyView>('POST', `${party(id)}/tracks`, { kind, track });
export const queueItem = (id: number, itemId: string, next: boolean) =>
  call<PartyView>('POST', `${party(id)}/queue`, { itemId, next });
export const moveItem = (id: number, from: number, to: number) =>
  call<PartyView>('POST', `${party(id)}/queue/move`, { from, to });
export const removeItem = (id: number, number: number) =>
  call<PartyView>('DELETE', `${party(id)}/queue/${number}`);

export interface SearchHit {
  itemId: string;
  type: string;
  label: string;
}
export const search = (q: string) =>
  call<{ hits: SearchHit[] }>('GET', `/dashboard/api/search?${new URLSearchParams({ q })}`);

export const partyEventsUrl = (id: number) => `${party(id)}/events`;
export const posterUrl = (id: number, entry: Entry) =>
  entry.posterUrl ?? `${party(id)}/poster?item=${encodeURIComponent(entry.itemId)}`;
