// The credits countdown: when an item's credits start and something is queued, the next item plays
// once CREDITS_COUNTDOWN_SECONDS have passed (AUTO_SKIP_CREDITS), unless someone pressed Play now
// first. Follows every party through the service's change notices, like idle-parties.ts; the timer
// lives in memory only, and a pause, a seek back before the credits or a new item cancels it. The
// ended item counts as watched (party-film-night.ts: stopped during its credits).
import type { Logger } from '../logger.ts';
import { realTimers, type ScheduleTimer } from './idle-parties.ts';
import { KeyedSerializer } from './keyed-serializer.ts';
import { currentPosition } from './live-position.ts';
import { systemActor } from './permissions.ts';
import { creditsCountdown } from './segments.ts';
import type { WatchPartyService } from './service.ts';
import type { SessionDetails } from './views.ts';

export interface CreditsAutoAdvanceOptions {
  service: Pick<WatchPartyService, 'getSession' | 'onSessionChanged' | 'skip'>;
  logger: Logger;
  schedule?: ScheduleTimer;
  /** The clock positions are read at (tests pin it). */
  now?: () => number;
}

interface Countdown {
  entryId: number;
  cancel: () => void;
}

/** The seconds before the next item plays by itself, or null when no countdown runs for the party. */
function creditsCountdownOf(details: SessionDetails, nowMs: number): number | null {
  const { session, current, upcoming, worker } = details;
  if (session.status !== 'playing' || worker?.playbackState !== 'playing') return null;
  if (current?.status !== 'playing' || upcoming.length === 0) return null;
  return creditsCountdown(current.segments, currentPosition(details, nowMs));
}

export class CreditsAutoAdvance {
  readonly #options: CreditsAutoAdvanceOptions;
  readonly #schedule: ScheduleTimer;
  readonly #now: () => number;
  readonly #logger: Logger;
  readonly #countdowns = new Map<number, Countdown>();
  readonly #serial = new KeyedSerializer<number>();
  #unsubscribe: (() => void) | null = null;

  constructor(options: CreditsAutoAdvanceOptions) {
    this.#options = options;
    this.#schedule = options.schedule ?? realTimers;
    this.#now = options.now ?? Date.now;
    this.#logger = options.logger.child({ room: 'credits-countdown' });
  }

  start(): void {
    this.#unsubscribe ??= this.#options.service.onSessionChanged((sessionId) => this.#check(sessionId));
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    for (const sessionId of [...this.#countdowns.keys()]) this.#cancel(sessionId);
  }

  /** Resolves once every check and advance started so far has finished. */
  settled(): Promise<void> {
    return this.#serial.idle();
  }

  #check(sessionId: number): void {
    void this.#serial.run(sessionId, async () => {
      const details = await this.#options.service.getSession(sessionId).catch(() => null);
      const left = details ? creditsCountdownOf(details, this.#now()) : null;
      const entryId = details?.current?.id;
      if (left === null || entryId === undefined) return this.#cancel(sessionId);
      if (this.#countdowns.get(sessionId)?.entryId === entryId) return;
      this.#cancel(sessionId);
      const cancel = this.#schedule(left * 1000, () => this.#advance(sessionId, entryId));
      this.#countdowns.set(sessionId, { entryId, cancel });
    });
  }

  #cancel(sessionId: number): void {
    this.#countdowns.get(sessionId)?.cancel();
    this.#countdowns.delete(sessionId);
  }

  /** Plays the next item if the same one is still in its credits: a pause or a skip may have raced. */
  #advance(sessionId: number, entryId: number): void {
    void this.#serial.run(sessionId, async () => {
      this.#countdowns.delete(sessionId);
      const { service } = this.#options;
      const details = await service.getSession(sessionId).catch(() => null);
      if (!details || details.current?.id !== entryId || creditsCountdownOf(details, this.#now()) === null)
        return;
      try {
        await service.skip(sessionId, systemActor);
        this.#logger.info({ sessionId, entryId }, 'credits: playing the next item');
      } catch (error) {
        this.#logger.warn({ err: error, sessionId }, 'could not move on from the credits');
      }
    });
  }
}
