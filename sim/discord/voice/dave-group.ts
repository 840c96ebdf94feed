// The server side of one DAVE MLS group (one per media session: a voice channel, or a Go Live stream).
// It decides who joins and leaves and relays what members commit, exactly as protocol.md §6.3 and §6.4
// describe, and it checks every client message.
//
// A membership change is one "round": external proposals (op 27) go to the current members, the first
// acceptable commit (op 28) wins, op 29 goes to the members from before the commit and op 30 to the
// joiners, and once every remote member said op 23 the transition executes (op 22). Rounds run one at
// a time; changes that arrive meanwhile wait for the next round.
//
// Each user's MLS state has a generation that moves on whenever its client starts over (a new key
// package, op 31, a new connection). A commit or welcome is only sent to a member whose state it was
// built for: one that started over since would fail it, so it is removed and re-added from its
// fresh key package instead (protocol "Recovery from Invalid Commit or Welcome").

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
  /** True for a client on a websocket: its messages are checked against protocol.md. */
  readonly remote: boolean;
  sendJson(op: number, data: unknown): void;
  sendBinary(op: number, payload: Buffer): void;
  /** Sole-member reset for the in-process viewer (a remote member gets op 24 + op 21 instead). */
  resetLocal?(): void;
}

/** Which member's commit wins when several commit the same proposals (protocol.md §6.4: the first valid). */
export type CommitterPolicy = 'client' | 'viewer' | 'first';

/** A validated op 26, and the generation of the user's MLS state that created it. */
interface CachedKeyPackage {
  readonly checked: CheckedKeyPackage;
  readonly generation: number;
}

/** A commit or welcome made unprocessable on purpose: each remote recipient owes an op 31 for it. */
interface BrokenTransition {
  readonly owing: Set<string>;
  readonly timer: NodeJS.Timeout;
}

interface PendingProposal {
  readonly kind: 'add' | 'remove';
  readonly userId: string;
  readonly leaf?: number;
  /** The key package an Add carries: the joiner's welcome is encrypted to it. */
  readonly keyPackage?: CachedKeyPackage;
}

interface Round {
  readonly epoch: bigint;
  readonly proposals: Map<string, PendingProposal>;
  /** ProposalRefs (hex) each recipient was sent: its commit must cite exactly these. */
  readonly byRecipient: Map<string, Set<string>>;
  /** Each recipient's generation when it was sent them: one that started over since cannot commit. */
  readonly recipientGenerations: Map<string, number>;
  /** Commits held back by the committer policy, used if the preferred committer stays silent. */
  readonly heldCommits: { userId: string; parsed: ParsedCommitWelcome }[];
  readonly timer: NodeJS.Timeout;
}

/** One announced transition (op 29/30, or op 21 for a downgrade), kept to judge late op 23 and op 31. */
interface Transition {
  /** Who was sent it, with the generation of the MLS state it was built for. */
  readonly recipients: Map<string, number>;
  /** Remote recipients whose op 23 is still outstanding. */
  readonly waiting: Set<string>;
  readonly confirmed: Set<string>;
  timer: NodeJS.Timeout | null;
}

export interface DaveGroupWaits {
  /** How long a round waits for an acceptable op 28. */
  readonly commitWaitMs: number;
  /** How long a transition waits for every op 23 before it executes anyway. */
  readonly readyWaitMs: number;
}

/** ts-mls decoders may throw on arbitrary client bytes; either way the client sent something undecodable. */
function undecodable(what: string, error: unknown): string {
  return error instanceof DaveProtocolError
    ? error.message
    : `${what} could not be decoded: ${(error as Error).message}`;
}

/** An op 29/30 body for `transitionId` that no MLS client can process. */
function unprocessable(transitionId: number): Buffer {
  return Buffer.concat([u16be(transitionId), Buffer.from([0, 1, 0, 1]), Buffer.alloc(60, 0xa5)]);
}

const DEFAULT_WAITS: DaveGroupWaits = { commitWaitMs: 5000, readyWaitMs: 10_000 };
const DAVE_PROTOCOL_VERSION = 1;
/** Transitions remembered for late op 23/op 31 (ids are u16, so this is far from wrapping). */
const REMEMBERED_TRANSITIONS = 256;

export class DaveGroup {
  readonly channelId: string;
  readonly #sender: DaveExternalSender;
  readonly #log: DivergenceLog;
  readonly #label: string;
  readonly #policy: CommitterPolicy;
  readonly #waits: DaveGroupWaits;
  readonly #members = new Map<string, DaveMember>();
  /** The latest key package of each pending member (protocol: one at a time, replaceable). */
  readonly #keyPackages = new Map<string, CachedKeyPackage>();
  /** Generation of each user's MLS state: bumped whenever its client starts over. */
  readonly #generations = new Map<string, number>();
  /** Generation of the state each group member was added with; behind #generations once it started over. */
  readonly #memberGenerations = new Map<string, number>();
  /** Leaf index → user id (null = blank leaf), as the members' ratchet trees have it. */
  #leaves: (string | null)[] = [];
  /** The signature key (hex) in each user's leaf; a user has one leaf at most, a stale one included. */
  readonly #leafKeys = new Map<string, string>();
  #epoch = 0n;
  #established = false;
  #round: Round | null = null;
  #transitionId = 0;
  readonly #transitions = new Map<number, Transition>();
  /** When each member confirmed (op 23) the transition that made it part of the group. */
  readonly #readySince = new Map<string, number>();
  #closed = false;
  /** Executed (or announced) downgrade to protocol version 0: media goes out unwrapped. */
  #downgraded = false;
  /** Transitions whose op 29 or op 30 was broken on purpose, by id. */
  readonly #brokenTransitions = new Map<number, BrokenTransition>();
  /** Fault injection: the next key package from a client is dropped, so that client never joins. */
  #loseNextKeyPackage = false;
  /** Fault injection: the next welcome to a client is garbage, so its join fails. */
  #breakNextWelcome = false;

  private constructor(
    channelId: string,
    sender: DaveExternalSender,
    log: DivergenceLog,
    label: string,
    policy: CommitterPolicy,
    waits: DaveGroupWaits,
  ) {
    this.channelId = channelId;
    this.#sender = sender;
    this.#log = log;
    this.#label = label;
    this.#policy = policy;
    this.#waits = waits;
  }

  static async create(
    channelId: string,
    log: DivergenceLog,
    label: string,
    policy: CommitterPolicy,
    waits: DaveGroupWaits = DEFAULT_WAITS,
  ): Promise<DaveGroup> {
    const sender = await DaveExternalSender.create(channelId);
    return new DaveGroup(channelId, sender, log, label, policy, waits);
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
    this.#members.set(member.userId, member);
    // A new connection of the same user has a fresh MLS state and will send its own key package.
    if (previous && previous !== member) this.#returnToPending(member.userId);
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
    for (const other of this.#members.values())
      other.sendJson(VoiceOp.ClientDisconnect, { user_id: member.userId });
    this.#returnToPending(member.userId); // it answers nothing any more: no transition waits for it
    this.#pump();
  }

  async onKeyPackage(userId: string, payload: Buffer): Promise<void> {
    if (this.#loseNextKeyPackage && this.#members.get(userId)?.remote) {
      this.#loseNextKeyPackage = false;
      return;
    }
    // The client started over when it sent this: count it now, before the (asynchronous) checks, so
    // an op 31 or commit that follows it on the wire is judged against the new state.
    const generation = this.#returnToPending(userId);
    let checked: CheckedKeyPackage;
    try {
      checked = await this.#sender.checkKeyPackage(userId, payload);
    } catch (error) {
      this.#log.record(`${this.#label}:dave-key-package`, undecodable('op 26', error));
      return;
    }
    // A later op 26 or op 31 made this one stale while it was being checked.
    if (this.#closed || this.#generations.get(userId) !== generation) return;
    const holder = this.#signatureKeyHolder(checked);
    if (holder === userId) {
      this.#log.record(
        `${this.#label}:dave-signature-key-reuse`,
        `op 26 from ${userId} reuses the signature key of its own leaf in the group; our transport makes a fresh key pair per DAVE session (protocol.md §6.2)`,
      );
    } else if (holder !== null) {
      // Two members with one signature key: MLS refuses the Add (RFC 9420 §7.3), so the user never joins.
      this.#log.record(
        `${this.#label}:dave-signature-key`,
        `op 26 from ${userId} carries the signature key of ${holder}'s leaf; signature keys must be unique among members`,
      );
      return;
    }
    this.#keyPackages.set(userId, { checked, generation });
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
    if (!this.#isPreferred(member) && this.#preferredCanCommit(round)) {
      round.heldCommits.push({ userId, parsed });
      return;
    }
    this.#accept(round, userId, parsed);
  }

  onReadyForTransition(userId: string, transitionId: unknown): void {
    const transition = typeof transitionId === 'number' ? this.#transitions.get(transitionId) : undefined;
    if (typeof transitionId === 'number' && this.#brokenTransitions.get(transitionId)?.owing.has(userId)) {
      this.#log.record(
        `${this.#label}:dave-broken-commit`,
        `${userId} confirmed (op 23) a commit or welcome that cannot be valid; want op 31 (protocol.md §6.3)`,
      );
      return;
    }
    // Sent to it, but no longer waited for: dropped by a reset (the op 23 crossed the op 24 on the
    // wire), already executed after the timeout (recorded then), or the member started over since.
    const late = transition?.recipients.has(userId) && !transition.confirmed.has(userId);
    if (late && !transition?.waiting.has(userId)) return;
    if (!transition?.waiting.has(userId)) {
      this.#log.record(
        `${this.#label}:dave-op23`,
        `op 23 transition_id ${JSON.stringify(transitionId)} answers no transition announced to ${userId}`,
      );
      return;
    }
    transition.waiting.delete(userId);
    transition.confirmed.add(userId);
    this.#readySince.set(userId, Date.now());
    if (transition.waiting.size === 0) this.#execute(transitionId as number);
  }

  /**
   * Op 31: the client could not process a commit or welcome and starts over. Protocol "Recovery from
   * Invalid Commit or Welcome": the member goes back to pending and is re-added from the key package
   * that follows (one commit removes the stale leaf and adds the new one). That is legitimate when
   * the client had started over since the message was built for it; for a message built for its
   * current state, or one it never got or already confirmed, it is recorded.
   */
  onInvalidCommitWelcome(userId: string, transitionId: unknown): void {
    const broken = typeof transitionId === 'number' ? this.#brokenTransitions.get(transitionId) : undefined;
    if (broken?.owing.delete(userId)) {
      if (broken.owing.size === 0) {
        clearTimeout(broken.timer);
        this.#brokenTransitions.delete(transitionId as number);
      }
    } else {
      const problem = this.#invalidCommitWelcomeProblem(userId, transitionId);
      if (problem) this.#log.record(`${this.#label}:dave-op31`, problem);
    }
    this.#returnToPending(userId);
    this.#pump();
  }

  /** protocol.md §6.3: op 21 with protocol_version 0, op 23 from everyone, op 22; then media goes unwrapped. */
  downgrade(): void {
    if (!this.#established || this.#downgraded) return;
    this.#downgraded = true;
    const transitionId = this.#nextTransitionId();
    const remote = this.members().filter((id) => this.#members.get(id)?.remote);
    this.#announce(transitionId, remote);
    for (const id of remote) {
      this.#members
        .get(id)
        ?.sendJson(VoiceOp.DavePrepareTransition, { transition_id: transitionId, protocol_version: 0 });
    }
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

  /**
   * Announces a commit that nobody can process (op 29) to every client connected to the group, in
   * it or still joining: each must answer op 31 and re-initialise (protocol.md §6.4).
   */
  sendBrokenCommit(): void {
    const transitionId = this.#nextTransitionId();
    const remote = [...this.#members.values()].filter((member) => member.remote);
    this.#expectInvalid(
      transitionId,
      remote.map((member) => member.userId),
    );
    for (const member of remote)
      member.sendBinary(VoiceOp.DaveAnnounceCommitTransition, unprocessable(transitionId));
  }

  /** The next op 30 to a client carries a welcome nobody can process: its join fails and it must answer op 31. */
  breakNextWelcome(): void {
    this.#breakNextWelcome = true;
  }

  close(): void {
    this.#closed = true;
    for (const broken of this.#brokenTransitions.values()) clearTimeout(broken.timer);
    if (this.#round) clearTimeout(this.#round.timer);
    for (const transition of this.#transitions.values()) if (transition.timer) clearTimeout(transition.timer);
    this.#round = null;
    this.#transitions.clear();
  }

  /** Registers a broken transition: each of `owing` must answer op 31 in time, or it is recorded. */
  #expectInvalid(transitionId: number, owing: string[]): void {
    const timer = setTimeout(() => {
      const broken = this.#brokenTransitions.get(transitionId);
      if (!broken) return;
      this.#brokenTransitions.delete(transitionId);
      this.#log.record(
        `${this.#label}:dave-broken-commit`,
        `no op 31 from ${[...broken.owing].join(', ')} within ${this.#waits.readyWaitMs} ms for the invalid commit or welcome of transition ${transitionId}`,
      );
    }, this.#waits.readyWaitMs).unref();
    this.#brokenTransitions.set(transitionId, { owing: new Set(owing), timer });
  }

  /**
   * Whose leaf already carries this key package's signature key, or null. Its own stale leaf is no
   * conflict for Discord: the commit that adds the new leaf removes the old one, and libdave, Discord's
   * own DAVE library, signs every session with one persisted key pair when given an auth session id.
   */
  #signatureKeyHolder(checked: CheckedKeyPackage): string | null {
    for (const [holder, leafKey] of this.#leafKeys) if (leafKey === checked.signatureKey) return holder;
    return null;
  }

  #invalidCommitWelcomeProblem(userId: string, transitionId: unknown): string | null {
    const transition = typeof transitionId === 'number' ? this.#transitions.get(transitionId) : undefined;
    const builtFor = transition?.recipients.get(userId);
    const id = JSON.stringify(transitionId);
    if (builtFor === undefined)
      return `op 31 transition_id ${id} names no commit or welcome sent to ${userId}`;
    if (transition?.confirmed.has(userId))
      return `${userId} rejected (op 31) transition ${id} after confirming it (op 23)`;
    if ((this.#generations.get(userId) ?? 0) === builtFor) {
      return `${userId} rejected the commit/welcome of transition ${id} (op 31), built for the MLS state it still had (no new key package before it); the server's messages were valid`;
    }
    return null;
  }

  /** Whether the user's MLS state is still the one it was added to the group with. */
  #isCurrentMember(userId: string): boolean {
    const added = this.#memberGenerations.get(userId);
    return added !== undefined && added === this.#generations.get(userId);
  }

  /**
   * The member is pending again (it started over, or left): nothing waits for its op 23 or its commit
   * any more. Its stale leaf is removed when its new key package arrives, or when it is gone.
   * Returns the generation of its fresh MLS state.
   */
  #returnToPending(userId: string): number {
    const generation = (this.#generations.get(userId) ?? 0) + 1;
    this.#generations.set(userId, generation);
    this.#keyPackages.delete(userId);
    this.#readySince.delete(userId);
    for (const [transitionId, transition] of this.#transitions) {
      if (transition.waiting.delete(userId) && transition.waiting.size === 0) this.#execute(transitionId);
    }
    this.#settleRound();
    return generation;
  }

  /** A round whose preferred committers all dropped out takes a held commit, or, with none, is dropped. */
  #settleRound(): void {
    const round = this.#round;
    if (!round) return;
    const held = round.heldCommits[0];
    if (held && !this.#preferredCanCommit(round)) this.#accept(round, held.userId, held.parsed);
    else if (!held && ![...round.recipientGenerations.keys()].some((id) => this.#canCommit(round, id)))
      this.#dropRound(round);
  }

  /** A recipient that is still connected with the MLS state it was sent the proposals in. */
  #canCommit(round: Round, userId: string): boolean {
    return (
      this.#members.has(userId) && round.recipientGenerations.get(userId) === this.#generations.get(userId)
    );
  }

  #isPreferred(member: DaveMember): boolean {
    return this.#policy === 'first' || (this.#policy === 'client' ? member.remote : !member.remote);
  }

  #preferredCanCommit(round: Round): boolean {
    return [...round.recipientGenerations.keys()].some((id) => {
      const member = this.#members.get(id);
      return member !== undefined && this.#isPreferred(member) && this.#canCommit(round, id);
    });
  }

  /**
   * Gives up on a round: its proposals are revoked (op 27 revoke) for the recipients that may still
   * hold them, so the next round proposes afresh at the same epoch (protocol "Proposal Handling").
   */
  #dropRound(round: Round): void {
    clearTimeout(round.timer);
    if (this.#round === round) this.#round = null;
    for (const [recipient, refs] of round.byRecipient) {
      if (refs.size === 0 || !this.#canCommit(round, recipient)) continue;
      const body = Buffer.concat([...refs].map((ref) => mlsVector(Buffer.from(ref, 'hex'))));
      this.#members
        .get(recipient)
        ?.sendBinary(VoiceOp.DaveProposals, Buffer.concat([Buffer.from([1]), mlsVector(body)]));
    }
    this.#pump();
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
    // Gone for good, or started over and ready to be re-added (the same commit removes and adds it).
    const leavers = inGroup.filter((id) => !this.#members.has(id) || this.#keyPackages.has(id));
    const joiners = [...this.#keyPackages.keys()].filter((id) => this.#members.has(id));
    // A member that started over and has no new key package yet can neither commit nor be re-added.
    const stayers = inGroup.filter((id) => !leavers.includes(id) && this.#isCurrentMember(id));
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
    const round = this.#newRound(0n, proposals, byRecipient, pending);
    this.#round = round;
    for (const recipient of pending) {
      const signed: SignedProposal[] = [];
      for (const joiner of pending) {
        if (joiner === recipient) continue;
        const keyPackage = this.#keyPackages.get(joiner);
        if (!keyPackage) continue;
        const proposal = await this.#sender.signAdd(keyPackage.checked.keyPackage, 0n);
        proposals.set(proposal.ref.toString('hex'), { kind: 'add', userId: joiner, keyPackage });
        signed.push(proposal);
      }
      byRecipient.set(recipient, new Set(signed.map((p) => p.ref.toString('hex'))));
      messages.set(recipient, signed);
    }
    this.#sendProposals(round, messages);
  }

  async #startChangeRound(stayers: string[], leavers: string[], joiners: string[]): Promise<void> {
    const proposals = new Map<string, PendingProposal>();
    const byRecipient = new Map<string, Set<string>>();
    const epoch = this.#epoch;
    const round = this.#newRound(epoch, proposals, byRecipient, stayers);
    this.#round = round;
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
      const proposal = await this.#sender.signAdd(keyPackage.checked.keyPackage, epoch);
      proposals.set(proposal.ref.toString('hex'), { kind: 'add', userId: joiner, keyPackage });
      signed.push(proposal);
    }
    const refs = new Set(signed.map((p) => p.ref.toString('hex')));
    const messages = new Map<string, SignedProposal[]>();
    for (const stayer of stayers) {
      byRecipient.set(stayer, refs);
      messages.set(stayer, signed);
    }
    this.#sendProposals(round, messages);
  }

  #newRound(
    epoch: bigint,
    proposals: Round['proposals'],
    byRecipient: Round['byRecipient'],
    recipients: string[],
  ): Round {
    const round: Round = {
      epoch,
      proposals,
      byRecipient,
      recipientGenerations: new Map(recipients.map((id) => [id, this.#generations.get(id) ?? 0])),
      heldCommits: [],
      timer: setTimeout(() => this.#onCommitTimeout(round), this.#waits.commitWaitMs).unref(),
    };
    return round;
  }

  /** Sends each recipient its op 27, unless the round was given up while the proposals were signed. */
  #sendProposals(round: Round, messages: Map<string, SignedProposal[]>): void {
    if (this.#closed || this.#round !== round) return;
    for (const [recipient, signed] of messages) {
      if (signed.length === 0) continue;
      const body = Buffer.concat(signed.map((p) => p.message));
      // op 27 append: operation_type 0, then ONE vector holding the MLSMessages (harness section 3).
      this.#members
        .get(recipient)
        ?.sendBinary(VoiceOp.DaveProposals, Buffer.concat([Buffer.from([0]), mlsVector(body)]));
    }
  }

  /** No acceptable commit in time: a held one wins, or the round is revoked and proposed again. */
  #onCommitTimeout(round: Round): void {
    if (this.#round !== round) return;
    // Only a client that is still there with the state it was sent the proposals in owed a commit.
    const silent = [...round.recipientGenerations.keys()].filter(
      (id) => this.#members.get(id)?.remote && this.#canCommit(round, id),
    );
    if (silent.length > 0) {
      this.#log.record(
        `${this.#label}:dave-no-commit`,
        `no acceptable op 28 from ${silent.join(', ')} within ${this.#waits.commitWaitMs} ms of op 27`,
      );
    }
    const held = round.heldCommits[0];
    if (held) this.#accept(round, held.userId, held.parsed);
    else this.#dropRound(round);
  }

  #accept(round: Round, committer: string, parsed: ParsedCommitWelcome): void {
    clearTimeout(round.timer);
    this.#round = null;
    const applied = [...(round.byRecipient.get(committer) ?? [])].map((ref) => round.proposals.get(ref)!);
    const before = this.#established ? this.members() : [committer];
    const removed = new Set(applied.filter((p) => p.kind === 'remove').map((p) => p.userId));
    const adds = applied.filter((p) => p.kind === 'add');
    if (!this.#established) {
      // The committer's own group was made with the key package the others were sent Adds for.
      const own = [...round.proposals.values()].find((p) => p.userId === committer)?.keyPackage;
      this.#leaves = [committer];
      this.#memberGenerations.set(committer, round.recipientGenerations.get(committer) ?? 0);
      if (own) {
        this.#leafKeys.set(committer, own.checked.signatureKey);
        this.#consumeKeyPackage(committer, own);
      }
    }
    // RFC 9420 12.3: removes first, then adds fill the leftmost blank leaf.
    for (const p of applied) {
      if (p.kind !== 'remove' || p.leaf === undefined) continue;
      this.#leaves[p.leaf] = null;
      this.#memberGenerations.delete(p.userId);
      this.#leafKeys.delete(p.userId);
    }
    for (const { userId, keyPackage } of adds) {
      const blank = this.#leaves.indexOf(null);
      if (blank >= 0) this.#leaves[blank] = userId;
      else this.#leaves.push(userId);
      if (keyPackage) {
        this.#memberGenerations.set(userId, keyPackage.generation);
        this.#leafKeys.set(userId, keyPackage.checked.signatureKey);
        this.#consumeKeyPackage(userId, keyPackage);
      }
    }
    while (this.#leaves.length > 0 && this.#leaves.at(-1) === null) this.#leaves.pop();
    this.#epoch = parsed.epoch + 1n;
    this.#established = true;
    const transitionId = this.#nextTransitionId();
    // op 29 only to members from before the commit; op 30 only to the joiners (harness section 5).
    // Neither goes to a member that started over since it was built: it would fail it (op 31).
    const committed = before.filter((id) => !removed.has(id) && this.#isCurrentMember(id));
    const welcomed = parsed.welcome
      ? adds.map((p) => p.userId).filter((id) => this.#isCurrentMember(id))
      : [];
    this.#announce(transitionId, [...committed, ...welcomed]);
    for (const id of committed) {
      this.#members
        .get(id)
        ?.sendBinary(
          VoiceOp.DaveAnnounceCommitTransition,
          Buffer.concat([u16be(transitionId), parsed.commit]),
        );
    }
    for (const id of welcomed) {
      const member = this.#members.get(id);
      const broken = this.#breakNextWelcome && member?.remote === true;
      if (broken) {
        this.#breakNextWelcome = false;
        this.#expectInvalid(transitionId, [id]);
      }
      member?.sendBinary(
        VoiceOp.DaveWelcome,
        broken ? unprocessable(transitionId) : Buffer.concat([u16be(transitionId), parsed.welcome!]),
      );
    }
    for (const id of [...committed, ...welcomed]) {
      if (this.#members.get(id)?.remote === false) this.#readySince.set(id, Date.now());
    }
    this.#pump();
  }

  /** Protocol "Key Packages": the server drops a key package once a welcome was made for it, not a newer one. */
  #consumeKeyPackage(userId: string, used: CachedKeyPackage): void {
    if (this.#keyPackages.get(userId) === used) this.#keyPackages.delete(userId);
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

  /**
   * Records a transition sent to `recipients` and waits for the remote ones' op 23 (executing at once
   * when there are none).
   */
  #announce(transitionId: number, recipients: string[]): void {
    const waiting = new Set(recipients.filter((id) => this.#members.get(id)?.remote));
    const transition: Transition = {
      recipients: new Map(recipients.map((id) => [id, this.#generations.get(id) ?? 0])),
      waiting,
      confirmed: new Set(),
      timer: null,
    };
    this.#transitions.delete(transitionId);
    this.#transitions.set(transitionId, transition);
    for (const old of this.#transitions.keys()) {
      if (this.#transitions.size <= REMEMBERED_TRANSITIONS) break;
      this.#transitions.delete(old);
    }
    if (waiting.size === 0) {
      this.#execute(transitionId);
      return;
    }
    transition.timer = setTimeout(() => this.#onReadyTimeout(transitionId), this.#waits.readyWaitMs).unref();
  }

  /** Protocol "Commit Handling": the transition executes once all are ready "or after a timeout". */
  #onReadyTimeout(transitionId: number): void {
    const transition = this.#transitions.get(transitionId);
    if (!transition || transition.waiting.size === 0) return;
    this.#log.record(
      `${this.#label}:dave-no-op23`,
      `${[...transition.waiting].join(', ')} sent no op 23 for transition ${transitionId} within ${this.#waits.readyWaitMs} ms`,
    );
    transition.waiting.clear();
    this.#execute(transitionId);
  }

  #execute(transitionId: number): void {
    const transition = this.#transitions.get(transitionId);
    if (transition?.timer) clearTimeout(transition.timer);
    if (transition) transition.timer = null;
    for (const id of this.members()) {
      const member = this.#members.get(id);
      if (member?.remote && this.#isCurrentMember(id))
        member.sendJson(VoiceOp.DaveExecuteTransition, { transition_id: transitionId });
    }
  }

  /**
   * Sole-member reset (protocol.md §6.4): the group is dropped, with any round and transition in flight;
   * whoever is left starts a new one.
   */
  #resetGroup(): void {
    if (this.#round) clearTimeout(this.#round.timer);
    this.#round = null;
    for (const transition of this.#transitions.values()) {
      if (transition.timer) clearTimeout(transition.timer);
      transition.timer = null;
      transition.waiting.clear();
    }
    this.#established = false;
    this.#epoch = 0n;
    this.#leaves = [];
    this.#leafKeys.clear();
    this.#memberGenerations.clear();
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
