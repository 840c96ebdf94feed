// The server side of one DAVE MLS group (one per media session: a voice channel, or a Go Live stream).
// It decides who joins and leaves and relays what members commit, exactly as the brief (6.3, 6.4)
// and the harness recipe (dave-harness.md section 4) describe, and it checks every client message.
//
// A membership change is one "round": external proposals (op 27) go to the current members, the first
// acceptable commit (op 28) wins, op 29 goes to the members from before the commit and op 30 to the
// joiners, and once every remote member said op 23 the transition executes (op 22). Rounds run one at
// a time; changes that arrive meanwhile wait for the next round.

import {
  type CheckedKeyPackage,
  DaveExternalSender,
  DaveProtocolError,
  type ParsedCommitWelcome,
  type SignedProposal,
} from './dave-external-sender.ts';
import { mlsVector, u16be } from './dave-wire.ts';
import type { DivergenceLog } from './divergences.ts';
import { VoiceOp } from './voice-opcodes.ts';

/** A participant of the group: a client on a voice websocket, or the simulator's own viewer. */
export interface DaveMember {
  readonly userId: string;
  /** True for a client on a websocket: its messages are checked against the brief. */
  readonly remote: boolean;
  sendJson(op: number, data: unknown): void;
  sendBinary(op: number, payload: Buffer): void;
  /** Sole-member reset for the in-process viewer (a remote member gets op 24 + op 21 instead). */
  resetLocal?(): void;
}

/** Which member's commit wins when several commit the same proposals (brief 6.4: the first valid). */
export type CommitterPolicy = 'client' | 'viewer' | 'first';

interface PendingProposal {
  readonly kind: 'add' | 'remove';
  readonly userId: string;
  readonly leaf?: number;
}

interface Round {
  readonly epoch: bigint;
  readonly proposals: Map<string, PendingProposal>;
  /** ProposalRefs (hex) each recipient was sent: its commit must cite exactly these. */
  readonly byRecipient: Map<string, Set<string>>;
  /** Commits held back by the committer policy, used if the preferred committer stays silent. */
  readonly heldCommits: { userId: string; parsed: ParsedCommitWelcome }[];
  readonly timer: NodeJS.Timeout;
}

/** ts-mls decoders may throw on arbitrary client bytes; either way the client sent something undecodable. */
function undecodable(what: string, error: unknown): string {
  return error instanceof DaveProtocolError
    ? error.message
    : `${what} could not be decoded: ${(error as Error).message}`;
}

const COMMIT_WAIT_MS = 5000;
const READY_FOR_TRANSITION_WAIT_MS = 10_000;
const DAVE_PROTOCOL_VERSION = 1;

export class DaveGroup {
  readonly channelId: string;
  readonly #sender: DaveExternalSender;
  readonly #log: DivergenceLog;
  readonly #label: string;
  readonly #policy: CommitterPolicy;
  readonly #members = new Map<string, DaveMember>();
  readonly #keyPackages = new Map<string, CheckedKeyPackage>();
  /** Leaf index → user id (null = blank leaf), as the members' ratchet trees have it. */
  #leaves: (string | null)[] = [];
  #epoch = 0n;
  #established = false;
  #round: Round | null = null;
  #transitionId = 0;
  readonly #awaitingReady = new Map<number, { users: Set<string>; timer: NodeJS.Timeout }>();
  /** When each member confirmed (op 23) the transition that made it part of the group. */
  readonly #readySince = new Map<string, number>();
  #closed = false;
  /** Executed (or announced) downgrade to protocol version 0: media goes out unwrapped. */
  #downgraded = false;
  /** Transitions whose op 29 carried a deliberately broken commit: the client must answer op 31. */
  readonly #brokenCommits = new Map<number, NodeJS.Timeout>();
  /** Fault injection: the next key package from a client is dropped, so that client never joins. */
  #loseNextKeyPackage = false;

  private constructor(
    channelId: string,
    sender: DaveExternalSender,
    log: DivergenceLog,
    label: string,
    policy: CommitterPolicy,
  ) {
    this.channelId = channelId;
    this.#sender = sender;
    this.#log = log;
    this.#label = label;
    this.#policy = policy;
  }

  static async create(
    channelId: string,
    log: DivergenceLog,
    label: string,
    policy: CommitterPolicy,
  ): Promise<DaveGroup> {
    return new DaveGroup(channelId, await DaveExternalSender.create(channelId), log, label, policy);
  }

  get epoch(): bigint {
    return this.#epoch;
  }

  /** The op 25 body clients must be given (their `setExternalSender` input). */
  get externalSenderPackage(): Buffer {
    return this.#sender.packagePayload;
  }

  /** User ids in the established group, by leaf. */
  members(): string[] {
    return this.#leaves.filter((user): user is string => user !== null);
  }

  /**
   * Whether `userId`'s outgoing media must be DAVE frames: it is in the established group and has
   * confirmed (op 23) the transition that put it there. Returns the time it confirmed, or null.
   */
  activeSince(userId: string): number | null {
    if (this.#downgraded) return null;
    return this.#established && this.#leaves.includes(userId) ? (this.#readySince.get(userId) ?? null) : null;
  }

  /** A member connected: tell everyone about everyone (op 11), which the clients' Add checks need. */
  connect(member: DaveMember): void {
    const previous = this.#members.get(member.userId);
    if (previous && previous !== member) this.#keyPackages.delete(member.userId);
    this.#members.set(member.userId, member);
    const others = [...this.#members.keys()].filter((id) => id !== member.userId);
    if (others.length > 0) member.sendJson(VoiceOp.ClientsConnect, { user_ids: others });
    for (const other of this.#members.values()) {
      if (other !== member) other.sendJson(VoiceOp.ClientsConnect, { user_ids: [member.userId] });
    }
  }

  /** Sends op 25. The voice connection calls it after SESSION_DESCRIPTION (or earlier, if asked to). */
  sendExternalSender(member: DaveMember): void {
    member.sendBinary(VoiceOp.DaveExternalSenderPackage, this.#sender.packagePayload);
  }

  /** A member left for good (no resume): op 13 to the others and a Remove round (or a reset). */
  disconnect(member: DaveMember): void {
    if (this.#members.get(member.userId) !== member) return;
    this.#members.delete(member.userId);
    this.#keyPackages.delete(member.userId);
    this.#readySince.delete(member.userId);
    for (const other of this.#members.values())
      other.sendJson(VoiceOp.ClientDisconnect, { user_id: member.userId });
    this.#pump();
  }

  async onKeyPackage(userId: string, payload: Buffer): Promise<void> {
    if (this.#loseNextKeyPackage && this.#members.get(userId)?.remote) {
      this.#loseNextKeyPackage = false;
      return;
    }
    try {
      this.#keyPackages.set(userId, await this.#sender.checkKeyPackage(userId, payload));
    } catch (error) {
      this.#log.record(`${this.#label}:dave-key-package`, undecodable('op 26', error));
      return;
    }
    this.#readySince.delete(userId);
    this.#pump();
  }

  onCommitWelcome(userId: string, payload: Buffer): void {
    let parsed: ParsedCommitWelcome;
    try {
      parsed = this.#sender.parseCommitWelcome(payload);
    } catch (error) {
      this.#log.record(`${this.#label}:dave-commit`, undecodable('op 28', error));
      return;
    }
    const round = this.#round;
    if (!round || parsed.epoch !== round.epoch) return; // a commit that lost the race: ignored, as Discord does
    const problem = this.#commitProblem(round, userId, parsed);
    if (problem) {
      this.#log.record(`${this.#label}:dave-commit`, problem);
      return;
    }
    const member = this.#members.get(userId);
    if (!member) return;
    const preferred =
      this.#policy === 'first' || (this.#policy === 'client' ? member.remote : !member.remote);
    const preferredCanCommit = [...round.byRecipient.keys()].some(
      (id) => this.#members.get(id)?.remote === (this.#policy === 'client'),
    );
    if (!preferred && preferredCanCommit) {
      round.heldCommits.push({ userId, parsed });
      return;
    }
    this.#accept(round, userId, parsed);
  }

  onReadyForTransition(userId: string, transitionId: unknown): void {
    const waiting = typeof transitionId === 'number' ? this.#awaitingReady.get(transitionId) : undefined;
    if (typeof transitionId === 'number' && this.#brokenCommits.has(transitionId)) {
      this.#log.record(
        `${this.#label}:dave-broken-commit`,
        `${userId} confirmed (op 23) a commit that cannot be valid; want op 31 (brief 6.3)`,
      );
      return;
    }
    if (!waiting?.users.has(userId)) {
      this.#log.record(
        `${this.#label}:dave-op23`,
        `op 23 transition_id ${JSON.stringify(transitionId)} answers no transition announced to ${userId}`,
      );
      return;
    }
    waiting.users.delete(userId);
    this.#readySince.set(userId, Date.now());
    if (waiting.users.size === 0) this.#execute(transitionId as number);
  }

  onInvalidCommitWelcome(userId: string, transitionId: unknown): void {
    const broken = typeof transitionId === 'number' ? this.#brokenCommits.get(transitionId) : undefined;
    if (broken) {
      clearTimeout(broken);
      this.#brokenCommits.delete(transitionId as number);
      this.#readySince.delete(userId);
      return; // the right answer; the client now re-initialises and sends a new key package
    }
    this.#log.record(
      `${this.#label}:dave-op31`,
      `${userId} rejected the commit/welcome of transition ${JSON.stringify(transitionId)} (op 31); the server's messages were valid`,
    );
    this.#readySince.delete(userId);
  }

  /** Brief 6.3: op 21 with protocol_version 0, op 23 from everyone, op 22; then media goes unwrapped. */
  downgrade(): void {
    if (!this.#established || this.#downgraded) return;
    this.#downgraded = true;
    const transitionId = this.#nextTransitionId();
    const remote = this.members().filter((id) => this.#members.get(id)?.remote);
    this.#awaitReady(transitionId, new Set(remote));
    for (const id of remote) {
      this.#members
        .get(id)
        ?.sendJson(VoiceOp.DavePrepareTransition, { transition_id: transitionId, protocol_version: 0 });
    }
    if (remote.length === 0) this.#execute(transitionId);
  }

  /** Back to DAVE after a downgrade: op 24 epoch 1, every member re-initialises, a new group forms. */
  upgrade(): void {
    if (!this.#downgraded) return;
    this.#downgraded = false;
    this.#resetGroup();
  }

  loseNextKeyPackage(): void {
    this.#loseNextKeyPackage = true;
  }

  /** Announces a commit that no member can process (op 29): the client must answer op 31 and re-initialise. */
  sendBrokenCommit(): void {
    const transitionId = this.#nextTransitionId();
    const garbage = Buffer.concat([u16be(transitionId), Buffer.from([0, 1, 0, 1]), Buffer.alloc(60, 0xa5)]);
    this.#brokenCommits.set(
      transitionId,
      setTimeout(() => {
        if (!this.#brokenCommits.delete(transitionId)) return;
        this.#log.record(
          `${this.#label}:dave-broken-commit`,
          `no op 31 within ${READY_FOR_TRANSITION_WAIT_MS} ms for the invalid commit of transition ${transitionId}`,
        );
      }, READY_FOR_TRANSITION_WAIT_MS).unref(),
    );
    for (const id of this.members()) {
      const member = this.#members.get(id);
      if (member?.remote) member.sendBinary(VoiceOp.DaveAnnounceCommitTransition, garbage);
    }
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#brokenCommits.values()) clearTimeout(timer);
    if (this.#round) clearTimeout(this.#round.timer);
    for (const waiting of this.#awaitingReady.values()) clearTimeout(waiting.timer);
    this.#round = null;
    this.#awaitingReady.clear();
  }

  #commitProblem(round: Round, userId: string, parsed: ParsedCommitWelcome): string | null {
    if (!parsed.groupId.equals(this.#sender.groupId))
      return `op 28 from ${userId} commits to another MLS group`;
    const expected = round.byRecipient.get(userId);
    if (!expected) return `op 28 from ${userId}, who was sent no proposals`;
    if (parsed.sender.senderType !== 'member') return `op 28 from ${userId} is not sent by a member`;
    const cited = new Set<string>();
    for (const entry of parsed.proposals) {
      if (entry.proposalOrRefType !== 'reference') return `op 28 from ${userId} carries an inline proposal`;
      cited.add(Buffer.from(entry.reference).toString('hex'));
    }
    const exact = cited.size === expected.size && [...expected].every((ref) => cited.has(ref));
    if (!exact) return `op 28 from ${userId} does not cite exactly the proposals it was sent`;
    const adds = [...expected].some((ref) => round.proposals.get(ref)?.kind === 'add');
    if (adds && !parsed.welcome) return `op 28 from ${userId} adds members but carries no Welcome`;
    if (!adds && parsed.welcome) return `op 28 from ${userId} carries a Welcome but adds nobody`;
    return null;
  }

  /** Starts the next membership change if none is in flight. */
  #pump(): void {
    if (this.#closed || this.#round) return;
    if (!this.#established) {
      const pending = [...this.#keyPackages.keys()].filter((id) => this.#members.has(id));
      if (pending.length >= 2) this.#startCreationRound(pending).catch((error) => this.#internalError(error));
      return;
    }
    const inGroup = this.members();
    const leavers = inGroup.filter((id) => !this.#members.has(id) || this.#keyPackages.has(id));
    const joiners = [...this.#keyPackages.keys()].filter((id) => this.#members.has(id));
    const stayers = inGroup.filter((id) => !leavers.includes(id));
    if (stayers.length === 0) {
      this.#resetGroup();
      return;
    }
    if (leavers.length === 0 && joiners.length === 0) return;
    if (stayers.length === 1 && joiners.length === 0) {
      this.#resetGroup();
      return;
    }
    this.#startChangeRound(stayers, leavers, joiners).catch((error) => this.#internalError(error));
  }

  /** Epoch-1 creation: every pending member gets Adds for the others; the first commit wins. */
  async #startCreationRound(pending: string[]): Promise<void> {
    const proposals = new Map<string, PendingProposal>();
    const byRecipient = new Map<string, Set<string>>();
    const messages = new Map<string, SignedProposal[]>();
    this.#round = this.#newRound(0n, proposals, byRecipient);
    for (const recipient of pending) {
      const signed: SignedProposal[] = [];
      for (const joiner of pending) {
        if (joiner === recipient) continue;
        const keyPackage = this.#keyPackages.get(joiner);
        if (!keyPackage) continue;
        const proposal = await this.#sender.signAdd(keyPackage.keyPackage, 0n);
        proposals.set(proposal.ref.toString('hex'), { kind: 'add', userId: joiner });
        signed.push(proposal);
      }
      byRecipient.set(recipient, new Set(signed.map((p) => p.ref.toString('hex'))));
      messages.set(recipient, signed);
    }
    this.#sendProposals(messages);
  }

  async #startChangeRound(stayers: string[], leavers: string[], joiners: string[]): Promise<void> {
    const proposals = new Map<string, PendingProposal>();
    const byRecipient = new Map<string, Set<string>>();
    const epoch = this.#epoch;
    this.#round = this.#newRound(epoch, proposals, byRecipient);
    const signed: SignedProposal[] = [];
    for (const leaver of leavers) {
      const leaf = this.#leaves.indexOf(leaver);
      const proposal = await this.#sender.signRemove(leaf, epoch);
      proposals.set(proposal.ref.toString('hex'), { kind: 'remove', userId: leaver, leaf });
      signed.push(proposal);
    }
    for (const joiner of joiners) {
      const keyPackage = this.#keyPackages.get(joiner);
      if (!keyPackage) continue;
      const proposal = await this.#sender.signAdd(keyPackage.keyPackage, epoch);
      proposals.set(proposal.ref.toString('hex'), { kind: 'add', userId: joiner });
      signed.push(proposal);
    }
    const refs = new Set(signed.map((p) => p.ref.toString('hex')));
    const messages = new Map<string, SignedProposal[]>();
    for (const stayer of stayers) {
      byRecipient.set(stayer, refs);
      messages.set(stayer, signed);
    }
    this.#sendProposals(messages);
  }

  #newRound(epoch: bigint, proposals: Round['proposals'], byRecipient: Round['byRecipient']): Round {
    const round: Round = {
      epoch,
      proposals,
      byRecipient,
      heldCommits: [],
      timer: setTimeout(() => this.#onCommitTimeout(round), COMMIT_WAIT_MS).unref(),
    };
    return round;
  }

  #sendProposals(messages: Map<string, SignedProposal[]>): void {
    if (this.#closed) return;
    for (const [recipient, signed] of messages) {
      if (signed.length === 0) continue;
      const body = Buffer.concat(signed.map((p) => p.message));
      // op 27 append: operation_type 0, then ONE vector holding the MLSMessages (harness section 3).
      this.#members
        .get(recipient)
        ?.sendBinary(VoiceOp.DaveProposals, Buffer.concat([Buffer.from([0]), mlsVector(body)]));
    }
  }

  #onCommitTimeout(round: Round): void {
    if (this.#round !== round) return;
    const silent = [...round.byRecipient.keys()].filter((id) => this.#members.get(id)?.remote);
    this.#log.record(
      `${this.#label}:dave-no-commit`,
      `no acceptable op 28 from ${silent.join(', ') || 'any member'} within ${COMMIT_WAIT_MS} ms of op 27`,
    );
    const held = round.heldCommits[0];
    if (held) this.#accept(round, held.userId, held.parsed);
  }

  #accept(round: Round, committer: string, parsed: ParsedCommitWelcome): void {
    clearTimeout(round.timer);
    this.#round = null;
    const applied = [...(round.byRecipient.get(committer) ?? [])].map((ref) => round.proposals.get(ref)!);
    const before = this.#established ? this.members() : [committer];
    const removed = new Set(applied.filter((p) => p.kind === 'remove').map((p) => p.userId));
    const joiners = applied.filter((p) => p.kind === 'add').map((p) => p.userId);
    if (!this.#established) {
      this.#leaves = [committer];
      this.#keyPackages.delete(committer);
    }
    // RFC 9420 12.3: removes first, then adds fill the leftmost blank leaf.
    for (const p of applied) if (p.kind === 'remove' && p.leaf !== undefined) this.#leaves[p.leaf] = null;
    for (const joiner of joiners) {
      const blank = this.#leaves.indexOf(null);
      if (blank >= 0) this.#leaves[blank] = joiner;
      else this.#leaves.push(joiner);
      this.#keyPackages.delete(joiner);
      this.#readySince.delete(joiner);
    }
    while (this.#leaves.length > 0 && this.#leaves.at(-1) === null) this.#leaves.pop();
    this.#epoch = parsed.epoch + 1n;
    this.#established = true;
    const transitionId = this.#nextTransitionId();
    const remoteInGroup = new Set(this.members().filter((id) => this.#members.get(id)?.remote));
    this.#awaitReady(transitionId, remoteInGroup);
    // op 29 only to members from before the commit; op 30 only to the joiners (harness section 5).
    for (const id of before) {
      if (removed.has(id)) continue;
      this.#members
        .get(id)
        ?.sendBinary(
          VoiceOp.DaveAnnounceCommitTransition,
          Buffer.concat([u16be(transitionId), parsed.commit]),
        );
    }
    for (const id of joiners) {
      if (parsed.welcome)
        this.#members
          .get(id)
          ?.sendBinary(VoiceOp.DaveWelcome, Buffer.concat([u16be(transitionId), parsed.welcome]));
    }
    for (const id of this.members()) if (!this.#members.get(id)?.remote) this.#readySince.set(id, Date.now());
    if (remoteInGroup.size === 0) this.#execute(transitionId);
    this.#pump();
  }

  /** A simulator fault, not the client's: recorded so the test fails with it instead of crashing. */
  #internalError(error: unknown): void {
    this.#log.record(`${this.#label}:sim-error`, `simulator DAVE error: ${(error as Error).message}`);
  }

  /** Transition ids are u16 and never 0 (0 means "execute at once"). */
  #nextTransitionId(): number {
    this.#transitionId = (this.#transitionId % 0xffff) + 1;
    return this.#transitionId;
  }

  #awaitReady(transitionId: number, users: Set<string>): void {
    this.#awaitingReady.set(transitionId, {
      users,
      timer: setTimeout(() => this.#onReadyTimeout(transitionId), READY_FOR_TRANSITION_WAIT_MS).unref(),
    });
  }

  #onReadyTimeout(transitionId: number): void {
    const waiting = this.#awaitingReady.get(transitionId);
    if (!waiting || waiting.users.size === 0) return;
    this.#log.record(
      `${this.#label}:dave-no-op23`,
      `${[...waiting.users].join(', ')} sent no op 23 for transition ${transitionId} within ${READY_FOR_TRANSITION_WAIT_MS} ms`,
    );
  }

  #execute(transitionId: number): void {
    const waiting = this.#awaitingReady.get(transitionId);
    if (waiting) clearTimeout(waiting.timer);
    this.#awaitingReady.delete(transitionId);
    for (const id of this.members()) {
      const member = this.#members.get(id);
      if (member?.remote) member.sendJson(VoiceOp.DaveExecuteTransition, { transition_id: transitionId });
    }
  }

  /** Sole-member reset (brief 6.4): the group is dropped; whoever is left starts a new one. */
  #resetGroup(): void {
    this.#established = false;
    this.#epoch = 0n;
    this.#leaves = [];
    this.#readySince.clear();
    for (const member of this.#members.values()) {
      this.#keyPackages.delete(member.userId);
      if (member.resetLocal) {
        member.resetLocal();
        continue;
      }
      member.sendJson(VoiceOp.DavePrepareEpoch, { epoch: 1, protocol_version: DAVE_PROTOCOL_VERSION });
      member.sendJson(VoiceOp.DavePrepareTransition, {
        transition_id: 0,
        protocol_version: DAVE_PROTOCOL_VERSION,
      });
    }
  }
}
