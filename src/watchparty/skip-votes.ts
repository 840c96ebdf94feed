// Vote skip: members who may not skip the item can vote to, and it is skipped once a majority of the
// people in the voice channel (bots and streaming accounts are not people) voted within 30 s of the
// first vote. A vote is for one item: when another item plays, or the window closes, counting starts
// again. Votes of people who left the channel no longer count. Kept in memory: a restart forgets
// open votes, which only costs a few clicks.

export interface VoteTally {
  votes: number;
  /** Votes needed: more than half of the people in the voice channel. */
  needed: number;
  /** People in the voice channel now. */
  listeners: number;
  passed: boolean;
  /** Whether this vote was already counted (a second click changes nothing). */
  repeated: boolean;
}

interface OpenVote {
  entryId: number;
  openedAtMs: number;
  voterIds: Set<string>;
}

export const voteWindowMs = 30_000;

export class SkipVotes {
  readonly #open = new Map<number, OpenVote>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** Counts `voterId`'s vote to skip `entryId`; a passed vote closes. */
  cast(sessionId: number, entryId: number, voterId: string, listenerIds: readonly string[]): VoteTally {
    const nowMs = this.#now();
    let vote = this.#open.get(sessionId);
    if (!vote || vote.entryId !== entryId || nowMs - vote.openedAtMs > voteWindowMs) {
      vote = { entryId, openedAtMs: nowMs, voterIds: new Set() };
      this.#open.set(sessionId, vote);
    }
    const repeated = vote.voterIds.has(voterId);
    vote.voterIds.add(voterId);
    const present = new Set(listenerIds);
    const votes = [...vote.voterIds].filter((id) => present.has(id)).length;
    const needed = Math.floor(present.size / 2) + 1;
    const passed = votes >= needed;
    if (passed) this.#open.delete(sessionId);
    return { votes, needed, listeners: present.size, passed, repeated };
  }
}
