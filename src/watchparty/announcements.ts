// The party's public lines: what everyone in its text channel should know without asking: an item
// that failed, a party that stopped on an error, and its story (party-story.ts). The domain words
// each line once; doors (the Discord channel poster) subscribe as announcers and only deliver it.
import type { Phrase } from '../i18n/catalog.ts';
import { phrase } from '../i18n/translate.ts';
import type { Logger } from '../logger.ts';

export interface PartyAnnouncement {
  sessionId: number;
  guildId: string;
  textChannelId: string;
  /** Short lines in plain words, safe for every member to read; the door words them in the server's language. */
  lines: readonly Phrase[];
}

export type PartyAnnouncer = (announcement: PartyAnnouncement) => void;

/** ANNOUNCE: which public lines a party's channel gets (its story and failures, failures, none). */
export type AnnounceLevel = 'all' | 'errors' | 'off';

interface AnnouncedParty {
  id: number;
  guild_id: string;
  text_channel_id: string;
}

export class PartyAnnouncements {
  readonly #announcers = new Set<PartyAnnouncer>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Adds an announcer; returns the function that removes it. */
  add(announcer: PartyAnnouncer): () => void {
    this.#announcers.add(announcer);
    return () => this.#announcers.delete(announcer);
  }

  /** An item failed and the queue moves on (to `nextTitle`, or to nothing). */
  itemFailed(party: AnnouncedParty, title: string | Phrase, reason: Phrase, nextTitle: string | null): void {
    this.#announce(party, [
      nextTitle === null
        ? phrase('announce.itemFailedLast', { title, reason })
        : phrase('announce.itemFailed', { title, reason, next: nextTitle }),
    ]);
  }

  /** The party went to `error`: nothing plays until someone starts it again. */
  partyStopped(party: AnnouncedParty, reason: Phrase | string): void {
    this.#announce(party, [phrase('announce.partyStopped', { reason })]);
  }

  /** Lines of the party's story (party-story.ts). */
  tell(party: AnnouncedParty, lines: readonly Phrase[]): void {
    this.#announce(party, lines);
  }

  #announce(party: AnnouncedParty, lines: readonly Phrase[]): void {
    const announcement = {
      sessionId: party.id,
      guildId: party.guild_id,
      textChannelId: party.text_channel_id,
      lines,
    };
    for (const announcer of this.#announcers) {
      try {
        announcer(announcement);
      } catch (error) {
        this.#logger.error({ err: error, sessionId: party.id }, 'a party announcer threw');
      }
    }
  }
}
