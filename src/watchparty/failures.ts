// The one vocabulary of failures a member can see. Each kind has one plain sentence that says what
// happened and what to do; it is what panels, public lines, replies and API errors show. What an
// operator needs (setting names, statuses, the worker's own words) travels beside it as `detail`,
// for the logs and for members who manage the server, and never replaces the sentence. The sentences
// themselves live in the catalogs (src/i18n/catalogs/), under `failure.<kind>`.
import type { Phrase } from '../i18n/catalog.ts';
import type { Locale } from '../i18n/locales.ts';
import { phrase, render } from '../i18n/translate.ts';
import type { WorkerFailureKind } from '../worker-contract/failure-kinds.ts';
import { formatDuration } from './duration-text.ts';

export const failureKinds = [
  'jellyfin_unreachable',
  'jellyfin_refused_key',
  'jellyfin_error',
  'item_missing',
  'item_refused',
  'file_unreadable',
  'file_ended_early',
  'streamers_busy',
  'streamer_login_failed',
  'stream_failed',
  'worker_unavailable',
  'worker_crashed',
  'unexpected',
] as const;
export type FailureKind = (typeof failureKinds)[number];

const fromWorker: Record<WorkerFailureKind, FailureKind> = {
  media_refused: 'jellyfin_refused_key',
  media_missing: 'item_missing',
  media_unreachable: 'jellyfin_unreachable',
  media_unreadable: 'file_unreadable',
  media_ended_early: 'file_ended_early',
  stream_failed: 'stream_failed',
  stream_login_failed: 'streamer_login_failed',
};

/** The vocabulary's kind for what a worker reported; an unclassified failure is `unexpected`. */
export function failureKindOfWorker(kind: WorkerFailureKind | null): FailureKind {
  return kind === null ? 'unexpected' : fromWorker[kind];
}

/** The member's sentence, to be worded in the reader's language; a file that ended early says where. */
export function failurePhrase(kind: FailureKind, atSeconds?: number): Phrase {
  if (kind === 'file_ended_early' && atSeconds !== undefined)
    return phrase('failure.file_ended_early_at', { at: formatDuration(atSeconds) });
  return phrase(`failure.${kind}`);
}

/**
 * How a party's last item failed, in `locale`: from its kind, or as stored for a failure kept before
 * kinds were (null: it did not fail). The panel and the dashboard both show it.
 */
export function lastFailureText(
  worker: { lastError: string | null; lastErrorKind: FailureKind | null; lastErrorAtSeconds: number | null },
  locale: Locale,
): string | null {
  if (worker.lastErrorKind === null) return worker.lastError;
  return render(locale, failurePhrase(worker.lastErrorKind, worker.lastErrorAtSeconds ?? undefined));
}

/**
 * A failure as a party keeps it, so each reader's language can word it when it is shown: its kind,
 * and for a file that ended early, where (null otherwise).
 */
export interface KeptFailure {
  readonly kind: FailureKind;
  readonly atSeconds: number | null;
}

export function isFailureKind(value: string | null): value is FailureKind {
  return (failureKinds as readonly (string | null)[]).includes(value);
}

/** The member's sentence in English, as logs, the audit log and the API read it. */
export function describeFailure(kind: FailureKind, atSeconds?: number): string {
  return render('en', failurePhrase(kind, atSeconds));
}

/**
 * A failure raised by a seam (media server, worker pool): its message is the member's sentence, its
 * detail the operator's. Doors show the message to everyone and the detail only to managers.
 */
export class PartyFailure extends Error {
  readonly kind: FailureKind;
  readonly text: Phrase;
  /** For the logs and server managers: what exactly failed, which setting to check. */
  readonly detail: string | null;
  constructor(kind: FailureKind, detail: string | null, options?: ErrorOptions) {
    super(describeFailure(kind), options);
    this.name = 'PartyFailure';
    this.kind = kind;
    this.text = failurePhrase(kind);
    this.detail = detail;
  }
}
