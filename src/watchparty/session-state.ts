// The session state machine of design.md section 3, as data: status × event → next status. Every
// status change in the service goes through transition(), so the rules live here and nowhere else.
import type { SessionStatus } from '../db/schema.ts';
import type { Phrase } from '../i18n/catalog.ts';
import { phrase } from '../i18n/translate.ts';
import { WatchPartyError } from './errors.ts';

export const sessionEvents = [
  /** Something was added to the queue. */
  'queue',
  /** The queue was edited (remove, move, clear). */
  'editQueue',
  /** A user starts the party, or retries after an error. */
  'start',
  /** The worker reports the current item playing. */
  'workerPlaying',
  'pause',
  'resume',
  'seek',
  /** The current item ended or was skipped and another one follows. */
  'advance',
  /** The current item ended or was skipped and nothing follows: the party goes idle. */
  'exhaust',
  /** The worker could not start or died for good. */
  'fail',
  /** The bot restarted and picks the party up again. */
  'recover',
  'stop',
] as const;
export type SessionEvent = (typeof sessionEvents)[number];

type TransitionTable = { readonly [S in SessionStatus]: Partial<Record<SessionEvent, SessionStatus>> };

const transitions: TransitionTable = {
  draft: { queue: 'queued', editQueue: 'draft', stop: 'stopped' },
  queued: { queue: 'queued', editQueue: 'queued', start: 'connecting', stop: 'stopped' },
  connecting: {
    queue: 'connecting',
    editQueue: 'connecting',
    workerPlaying: 'playing',
    advance: 'connecting',
    exhaust: 'queued',
    fail: 'error',
    recover: 'connecting',
    stop: 'stopped',
  },
  playing: {
    queue: 'playing',
    editQueue: 'playing',
    pause: 'paused',
    seek: 'playing',
    advance: 'playing',
    exhaust: 'queued',
    fail: 'error',
    recover: 'connecting',
    stop: 'stopped',
  },
  paused: {
    queue: 'paused',
    editQueue: 'paused',
    resume: 'playing',
    seek: 'paused',
    advance: 'playing',
    exhaust: 'queued',
    fail: 'error',
    recover: 'paused',
    stop: 'stopped',
  },
  error: { queue: 'error', editQueue: 'error', start: 'connecting', stop: 'stopped' },
  stopped: {},
};

/** Statuses in which a party holds (or is getting) a stream worker; the bot resumes these after a restart. */
export const streamingStatuses = [
  'connecting',
  'playing',
  'paused',
] as const satisfies readonly SessionStatus[];

export class IllegalTransitionError extends WatchPartyError {
  readonly from: SessionStatus;
  readonly event: SessionEvent;
  constructor(from: SessionStatus, event: SessionEvent) {
    super('conflict', refusal(from, event));
    this.name = 'IllegalTransitionError';
    this.from = from;
    this.event = event;
  }
}

export function canTransition(from: SessionStatus, event: SessionEvent): boolean {
  return transitions[from][event] !== undefined;
}

/** The status after `event`; throws IllegalTransitionError with a message a user can act on. */
export function transition(from: SessionStatus, event: SessionEvent): SessionStatus {
  const next = transitions[from][event];
  if (next === undefined) throw new IllegalTransitionError(from, event);
  return next;
}

const isControl = (event: SessionEvent) =>
  event === 'pause' || event === 'seek' || event === 'advance' || event === 'exhaust';

function refusal(from: SessionStatus, event: SessionEvent): Phrase {
  if (from === 'stopped') return phrase('transition.stopped');
  if (event === 'start') {
    if (from === 'draft') return phrase('transition.nothingQueued');
    return phrase('transition.alreadyRunning');
  }
  if (event === 'resume') {
    if (from === 'playing') return phrase('transition.alreadyPlaying');
    if (from === 'connecting') return phrase('transition.connectingPlaysSoon');
  }
  if (event === 'pause' && from === 'paused') return phrase('transition.alreadyPaused');
  if (from === 'connecting' && isControl(event)) return phrase('transition.connecting');
  if (from === 'error') return phrase('transition.failed');
  if (from === 'draft' || from === 'queued') return phrase('transition.notStarted');
  return phrase('transition.notNow', { status: from });
}
