// Parties nobody watches: once a streaming party's voice channel has had nobody in it for
// IDLE_PAUSE_MINUTES it pauses, and after IDLE_STOP_MINUTES it stops, which frees its streaming
// account for another party. Both count from the moment the channel emptied; anyone joining ends the
// count. Nothing resumes by itself: whoever comes back decides, with the panel's Resume.
//
// The count lives in memory only: a bot restart starts it again for every empty channel, so a party
// is never stopped earlier than the settings say, at worst later.
import type { Logger } from '../logger.ts';
import { KeyedSerializer } from './keyed-serializer.ts';
import type { Actor } from './permissions.ts';
import type { WatchPartyService } from './service.ts';
import { streamingStatuses } from './session-state.ts';
import type { PartySession } from './views.ts';
import type { VoiceAudience } from './voice-audience.ts';

/** Runs `task` once after `delayMs`; returns the function that cancels it. Tests bring their own clock. */
export type ScheduleTimer = (delayMs: number, task: () => void) => () => void;

export const realTimers: ScheduleTimer = (delayMs, task) => {
  const timer = setTimeout(task, delayMs);
  timer.unref();
  return () => clearTimeout(timer);
};

export interface IdlePartiesOptions {
  service: Pick<
    WatchPartyService,
    'getSession' | 'findLiveSession' | 'listSessions' | 'onSessionChanged' | 'pause' | 'stop'
  >;
  audience: VoiceAudience;
  /** Minutes of an empty channel before a playing party pauses; 0 never pauses. */
  pauseAfterMinutes: number;
  /** Minutes of an empty channel before a streaming party stops; 0 never stops. */
  stopAfterMinutes: number;
  logger: Logger;
  schedule?: ScheduleTimer;
}

const minuteMs = 60_000;
const isStreaming = (status: PartySession['status']) =>
  (streamingStatuses as readonly string[]).includes(status);

export class IdleParties {
  readonly #options: IdlePartiesOptions;
  readonly #schedule: ScheduleTimer;
  readonly #logger: Logger;
  /** Parties whose channel is empty now: the cancels of their pending pause and stop. */
  readonly #counting = new Map<number, Array<() => void>>();
  readonly #serial = new KeyedSerializer<number>();
  #unsubscribe: Array<() => void> = [];

  constructor(options: IdlePartiesOptions) {
    this.#options = options;
    this.#schedule = options.schedule ?? realTimers;
    this.#logger = options.logger.child({ room: 'idle-parties' });
  }

  /** Watches every party from now on, starting with those already streaming. */
  async start(): Promise<void> {
    if (this.#unsubscribe.length > 0) return;
    const { service, audience } = this.#options;
    this.#unsubscribe = [
      service.onSessionChanged((sessionId) => this.#check(sessionId)),
      audience.subscribe(async ({ voiceChannelId }) => {
        const party = await service.findLiveSession({ voiceChannelId }).catch(() => null);
        if (party) this.#check(party.id);
      }),
    ];
    for (const party of await service.listSessions()) this.#check(party.id);
  }

  stop(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#unsubscribe = [];
    for (const sessionId of [...this.#counting.keys()]) this.#endCount(sessionId);
  }

  /** Resolves once every check and idle action started so far has finished. */
  settled(): Promise<void> {
    return this.#serial.idle();
  }

  #check(sessionId: number): void {
    void this.#serial.run(sessionId, async () => {
      const party = await this.#emptyStreamingParty(sessionId);
      if (!party) this.#endCount(sessionId);
      else if (!this.#counting.has(sessionId)) this.#startCount(party);
    });
  }

  /** The party if it streams into a channel with nobody in it; null otherwise (or when it is gone). */
  async #emptyStreamingParty(sessionId: number): Promise<PartySession | null> {
    const details = await this.#options.service.getSession(sessionId).catch(() => null);
    if (!details || !isStreaming(details.session.status)) return null;
    const { guildId, voiceChannelId } = details.session;
    const present = this.#options.audience.listeners({ guildId, voiceChannelId });
    return present.length === 0 ? details.session : null;
  }

  #startCount(party: PartySession): void {
    const { pauseAfterMinutes, stopAfterMinutes } = this.#options;
    this.#logger.info({ sessionId: party.id }, 'nobody is in the voice channel; counting idle minutes');
    const cancels: Array<() => void> = [];
    if (pauseAfterMinutes > 0 && (stopAfterMinutes === 0 || pauseAfterMinutes < stopAfterMinutes)) {
      cancels.push(this.#schedule(pauseAfterMinutes * minuteMs, () => this.#act(party.id, 'pause')));
    }
    if (stopAfterMinutes > 0) {
      cancels.push(this.#schedule(stopAfterMinutes * minuteMs, () => this.#act(party.id, 'stop')));
    }
    this.#counting.set(party.id, cancels);
  }

  #endCount(sessionId: number): void {
    const cancels = this.#counting.get(sessionId);
    if (!cancels) return;
    for (const cancel of cancels) cancel();
    this.#counting.delete(sessionId);
  }

  /** Pauses or stops the party, if its channel is still empty: a join may have raced the timer. */
  #act(sessionId: number, action: 'pause' | 'stop'): void {
    void this.#serial.run(sessionId, async () => {
      const party = await this.#emptyStreamingParty(sessionId);
      if (!party) {
        // Someone is back without the gateway having said so (a guild that came back after an
        // outage): this count is over, and the next empty channel starts a new one.
        this.#endCount(sessionId);
        return;
      }
      const { service, pauseAfterMinutes, stopAfterMinutes } = this.#options;
      const log = this.#logger.child({ sessionId });
      try {
        if (action === 'pause') {
          if (party.status !== 'playing') return;
          await service.pause(sessionId, { kind: 'idle', emptyMinutes: pauseAfterMinutes } satisfies Actor);
          log.info({ minutes: pauseAfterMinutes }, 'paused: nobody is in the voice channel');
        } else {
          await service.stop(sessionId, { kind: 'idle', emptyMinutes: stopAfterMinutes } satisfies Actor);
          log.info({ minutes: stopAfterMinutes }, 'stopped: nobody was in the voice channel');
        }
      } catch (error) {
        log.warn({ err: error, action }, 'could not rest a party nobody watches');
      }
    });
  }
}
