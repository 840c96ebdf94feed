// Custom ids of the panel's buttons, menus and modals: `wp1:<action>:<sessionId>[:<page or entry id>]`. Built from typed
// data and size-checked when built (Discord allows 100 characters); parsed back into the same type,
// with anything stale, foreign or tampered returned as null so the router can answer it politely.

/** Bumped when the format changes, so ids from an older bot read as stale instead of misread. */
const prefix = 'wp1';
const maxCustomIdLength = 100;

export const panelActions = [
  'start',
  'pause',
  'resume',
  'back',
  'forward',
  'seek',
  'skip',
  'stop',
  'queue',
  'previous',
  'vote-skip',
  'shuffle',
  'loop',
  'skip-intro',
  'play-now',
] as const;
export type PanelAction = (typeof panelActions)[number];

export type CustomIdData =
  | { kind: 'panel'; action: PanelAction; sessionId: number }
  /** A page of the queue list (0-based). */
  | { kind: 'list'; sessionId: number; page: number }
  /** The seek modal's submission. */
  | { kind: 'seek-modal'; sessionId: number }
  /** The audio or subtitles menu. */
  | { kind: 'tracks'; track: 'audio' | 'subtitles'; sessionId: number }
  /** A queue reply's "Start over" / "Resume at" button for one entry. */
  | { kind: 'entry-start'; choice: EntryStartChoice; sessionId: number; entryId: number };

export const entryStartChoices = ['start-over', 'resume-at'] as const;
export type EntryStartChoice = (typeof entryStartChoices)[number];

export function encodeCustomId(data: CustomIdData): string {
  const parts =
    data.kind === 'panel'
      ? [prefix, data.action, data.sessionId]
      : data.kind === 'list'
        ? [prefix, 'list', data.sessionId, data.page]
        : data.kind === 'tracks'
          ? [prefix, data.track, data.sessionId]
          : data.kind === 'entry-start'
            ? [prefix, data.choice, data.sessionId, data.entryId]
            : [prefix, 'seek-modal', data.sessionId];
  const id = parts.join(':');
  if (id.length > maxCustomIdLength)
    throw new RangeError(`custom id "${id.slice(0, 40)}…" exceeds ${maxCustomIdLength} characters`);
  return id;
}

const positiveInteger = /^[1-9]\d{0,15}$/;
const pageNumber = /^(0|[1-9]\d{0,5})$/;

/** The typed data behind a custom id, or null when it is not one of ours (or was tampered with). */
export function decodeCustomId(customId: string): CustomIdData | null {
  if (customId.length > maxCustomIdLength) return null;
  const [head, action, session, page, ...rest] = customId.split(':');
  if (head !== prefix || rest.length > 0 || session === undefined || !positiveInteger.test(session))
    return null;
  const sessionId = Number(session);
  if (!Number.isSafeInteger(sessionId)) return null;
  if (action === 'list') {
    return page !== undefined && pageNumber.test(page)
      ? { kind: 'list', sessionId, page: Number(page) }
      : null;
  }
  const choice = entryStartChoices.find((candidate) => candidate === action);
  if (choice) {
    return page !== undefined && positiveInteger.test(page) && Number.isSafeInteger(Number(page))
      ? { kind: 'entry-start', choice, sessionId, entryId: Number(page) }
      : null;
  }
  if (page !== undefined) return null;
  if (action === 'seek-modal') return { kind: 'seek-modal', sessionId };
  if (action === 'audio' || action === 'subtitles') return { kind: 'tracks', track: action, sessionId };
  const panelAction = panelActions.find((candidate) => candidate === action);
  return panelAction ? { kind: 'panel', action: panelAction, sessionId } : null;
}
