// Tells each party's text channel its story (story-lines.ts) from the audit log, so every door's
// commands (Discord, the API) are told alike and a line is told only once its change is committed.
// Moments gather for `burstMs` after the first one and go out as one announcement; events from
// before the story started are history, not news.
import type { Logger } from '../logger.ts';
import { realTimers } from './idle-parties.ts';
import { KeyedSerializer } from './keyed-serializer.ts';
import type { WatchPartyService } from './service.ts';
import { type StoryMoment, storyMoment, tellBurst } from './story-lines.ts';

export interface PartyStoryOptions {
  service: Pick<WatchPartyService, 'getSession' | 'onSessionChanged' | 'announcements'>;
  logger: Logger;
  /** How long a burst gathers after its first moment (default 2 s). */
  burstMs?: number;
}

interface Burst {
  moments: StoryMoment[];
  party: { id: number; guild_id: string; text_channel_id: string };
}

const defaultBurstMs = 2_000;

export class PartyStory {
  readonly #options: PartyStoryOptions;
  readonly #serial = new KeyedSerializer<number>();
  /** The newest event told (or skipped) per party. */
  readonly #toldUpTo = new Map<number, number>();
  readonly #bursts = new Map<number, Burst>();
  readonly #cancels = new Set<() => void>();
  #startedAt = Number.POSITIVE_INFINITY;
  #unsubscribe: (() => void) | null = null;

  constructor(options: PartyStoryOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#unsubscribe) return;
    this.#startedAt = Date.now();
    this.#unsubscribe = this.#options.service.onSessionChanged((sessionId) => this.#read(sessionId));
  }

  /** Stops listening; bursts still gathering are dropped. */
  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    for (const cancel of this.#cancels) cancel();
    this.#cancels.clear();
    this.#bursts.clear();
  }

  #read(sessionId: number): void {
    this.#serial
      .run(sessionId, async () => {
        if (!this.#unsubscribe) return;
        const details = await this.#options.service.getSession(sessionId);
        const seen = this.#toldUpTo.get(sessionId) ?? 0;
        // Most recent first; a party changes far fewer than 20 times between two reads.
        const fresh = details.recentEvents
          .filter((event) => event.id > seen && Date.parse(event.createdAt) >= this.#startedAt)
          .reverse();
        const newest = details.recentEvents[0]?.id;
        if (newest !== undefined) this.#toldUpTo.set(sessionId, Math.max(seen, newest));
        const moments = fresh.flatMap((event) => storyMoment(event) ?? []);
        if (moments.length === 0) return;
        const { session } = details;
        this.#gather(sessionId, moments, {
          id: session.id,
          guild_id: session.guildId,
          text_channel_id: session.textChannelId,
        });
      })
      .catch((error: unknown) =>
        this.#options.logger.warn({ err: error, sessionId }, 'could not read the party story'),
      );
  }

  #gather(sessionId: number, moments: StoryMoment[], party: Burst['party']): void {
    const burst = this.#bursts.get(sessionId);
    if (burst) {
      burst.moments.push(...moments);
      return;
    }
    this.#bursts.set(sessionId, { moments, party });
    const cancel = realTimers(this.#options.burstMs ?? defaultBurstMs, () => {
      this.#cancels.delete(cancel);
      const done = this.#bursts.get(sessionId);
      this.#bursts.delete(sessionId);
      if (done) this.#options.service.announcements.tell(done.party, tellBurst(done.moments));
    });
    this.#cancels.add(cancel);
  }
}
