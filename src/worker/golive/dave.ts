// DAVE for one voice connection (protocol.md §6): owns the davey session, tracks transitions by id and
// turns gateway events into replies through an outbox. It owns no socket, so it can be driven by
// hand in tests. Every (re)initialised session signs with a key pair of its own (protocol.md §6.2).
import {
  DAVE_PROTOCOL_VERSION,
  DAVESession,
  type MediaType,
  type ProposalsOperationType,
} from '@snazzah/davey';
import type { Logger } from '../../logger.ts';

/** Voice gateway opcodes 21-31 (protocol.md §6.1). */
export const DaveOp = {
  prepareTransition: 21,
  executeTransition: 22,
  readyForTransition: 23,
  prepareEpoch: 24,
  externalSenderPackage: 25,
  keyPackage: 26,
  proposals: 27,
  commitWelcome: 28,
  announceCommitTransition: 29,
  welcome: 30,
  invalidCommitWelcome: 31,
} as const;

export const DAVE_VERSION: number = DAVE_PROTOCOL_VERSION;

// davey's enums are `const enum`s, which erasable TypeScript cannot read; these are their values.
const AUDIO = 0 as MediaType;
const VIDEO = 1 as MediaType;
const H264 = 4;

/** Seconds a decryptor accepts clear frames after a downgrade (discord.js's value). */
const DOWNGRADE_PASSTHROUGH_SECONDS = 24;
/** Seconds a decryptor keeps accepting clear frames after an upgrade. */
const UPGRADE_PASSTHROUGH_SECONDS = 10;
/** Binary DAVE frames kept for a session that does not exist yet (op 25, proposals): a join needs a few. */
const MAX_EARLY_FRAMES = 32;

/** A version this client can act on: 0 (no DAVE) up to the one davey speaks. Anything else is malformed. */
function isKnownVersion(version: number): boolean {
  return Number.isInteger(version) && version >= 0 && version <= DAVE_VERSION;
}

export interface DaveOutbox {
  sendJson(op: number, d: unknown): void;
  sendBinary(op: number, payload: Buffer): void;
}

export interface DaveIdentity {
  userId: string;
  /** MLS group id: the voice channel id, or the stream's rtc_channel_id. */
  groupId: string;
}

export interface DaveCounters {
  /** Frames wrapped and sent. */
  encrypted: number;
  /** Frames dropped because the group was not ready yet. */
  droppedNotReady: number;
  /** Frames dropped because davey could not encrypt them. */
  droppedEncryptFailed: number;
  /** Microseconds spent in davey's encrypt. */
  encryptMicros: number;
  /** Transitions executed (group changes, downgrades, upgrades). */
  transitionsExecuted: number;
}

export type EncryptResult = { kind: 'send'; data: Buffer } | { kind: 'drop'; reason: 'not-ready' | 'failed' };

export class DaveChannel {
  readonly #identity: DaveIdentity;
  readonly #outbox: DaveOutbox;
  readonly #log: Logger;
  #protocolVersion = 0;
  #session: DAVESession | null = null;
  readonly #pendingTransitions = new Map<number, number>();
  #downgraded = false;
  /** Users the gateway told us are on this connection (ops 11 and 13). */
  readonly #recognized = new Set<string>();
  /** Binary DAVE frames that came before a session existed: before op 4 (§10 item 2), or before an upgrade. */
  #early: Array<{ op: number; payload: Buffer }> = [];
  #earlyDropped = 0;
  readonly counters: DaveCounters = {
    encrypted: 0,
    droppedNotReady: 0,
    droppedEncryptFailed: 0,
    encryptMicros: 0,
    transitionsExecuted: 0,
  };

  constructor(identity: DaveIdentity, outbox: DaveOutbox, log: Logger) {
    this.#identity = identity;
    this.#outbox = outbox;
    this.#log = log.child({ layer: 'dave' });
    this.#recognized.add(identity.userId);
  }

  get protocolVersion(): number {
    return this.#protocolVersion;
  }

  /** True when frames must be end-to-end encrypted before they leave. */
  get active(): boolean {
    return this.#protocolVersion > 0;
  }

  /**
   * True when frames leave wrapped by a formed group. After an executed downgrade davey still holds
   * the old group, but nothing uses it: the connection is in clear, so neither ready nor an epoch.
   */
  get ready(): boolean {
    return this.active && (this.#session?.ready ?? false);
  }

  get epoch(): number | null {
    if (!this.active) return null;
    const epoch = this.#session?.epoch;
    return epoch === null || epoch === undefined ? null : Number(epoch);
  }

  /** SESSION_DESCRIPTION's `dave_protocol_version`. */
  onSessionDescription(chosen: number): void {
    // A version davey cannot run still means the server wants E2EE: stay a DAVE connection so nothing
    // leaves in clear (frames wait for a group that cannot form), and say so.
    const version = isKnownVersion(chosen) ? chosen : DAVE_VERSION;
    if (version !== chosen)
      this.#log.error({ chosen }, 'voice server chose a DAVE version this client cannot speak');
    this.#protocolVersion = version;
    if (version > 0) this.#startSession();
    else if (this.#session) {
      this.#session.reset();
      this.#session.setPassthroughMode(true, DOWNGRADE_PASSTHROUGH_SECONDS);
    }
  }

  onClientsConnect(userIds: readonly string[]): void {
    for (const id of userIds) this.#recognized.add(id);
  }

  onClientDisconnect(userId: string): void {
    this.#recognized.delete(userId);
  }

  onPrepareTransition(transitionId: number, protocolVersion: number): void {
    if (!isKnownVersion(protocolVersion)) {
      // Executing it would set the version to garbage, which reads as "no DAVE": frames in clear.
      this.#log.warn(
        { transitionId, protocolVersion },
        'DAVE prepare transition with an unusable version, ignored',
      );
      return;
    }
    this.#pendingTransitions.set(transitionId, protocolVersion);
    this.#log.info({ transitionId, protocolVersion }, 'DAVE prepare transition');
    if (transitionId === 0) {
      this.onExecuteTransition(0);
      return;
    }
    if (protocolVersion === 0) this.#session?.setPassthroughMode(true, DOWNGRADE_PASSTHROUGH_SECONDS);
    this.#outbox.sendJson(DaveOp.readyForTransition, { transition_id: transitionId });
  }

  onExecuteTransition(transitionId: number): void {
    const version = this.#pendingTransitions.get(transitionId);
    if (version === undefined) {
      this.#log.warn({ transitionId }, 'DAVE execute for an unknown transition, ignored');
      return;
    }
    this.#pendingTransitions.delete(transitionId);
    this.counters.transitionsExecuted += 1;
    const previous = this.#protocolVersion;
    this.#protocolVersion = version;
    if (previous > 0 && version === 0) {
      this.#downgraded = true;
      this.#log.warn({ transitionId }, 'DAVE downgraded: frames now leave without end-to-end encryption');
    } else if (transitionId > 0 && this.#downgraded && version > 0) {
      this.#downgraded = false;
      this.#session?.setPassthroughMode(true, UPGRADE_PASSTHROUGH_SECONDS);
      this.#log.info({ transitionId }, 'DAVE upgraded again');
    }
    this.#log.info({ transitionId, epoch: this.epoch, ready: this.ready }, 'DAVE transition executed');
  }

  onPrepareEpoch(epoch: number, protocolVersion: number): void {
    this.#log.info({ epoch, protocolVersion }, 'DAVE prepare epoch');
    if (epoch !== 1) return;
    if (!isKnownVersion(protocolVersion) || protocolVersion === 0) {
      // A new MLS group needs a real version; re-initialising on a malformed one would throw or drop DAVE.
      this.#log.warn({ epoch, protocolVersion }, 'DAVE new group with an unusable version, ignored');
      return;
    }
    // Every epoch-1 announcement means a reset and a new key package, even right after SESSION_DESCRIPTION
    // (protocol "Key Packages", "Sole member reset"): the new one replaces the one the server held.
    this.#protocolVersion = protocolVersion;
    this.#startSession();
  }

  /** A binary frame's opcode and payload (after the sequence number and opcode bytes). */
  onBinary(op: number, payload: Buffer): void {
    const session = this.#session;
    if (!session) {
      // A server that keeps sending DAVE frames to a connection without a session is broken; what
      // a join needs (op 25 and the first proposals) comes first, so the rest is dropped, not kept.
      if (this.#early.length < MAX_EARLY_FRAMES) this.#early.push({ op, payload });
      else if (this.#earlyDropped++ === 0) {
        this.#log.warn({ op, kept: MAX_EARLY_FRAMES }, 'DAVE frames before any session; dropping the rest');
      }
      return;
    }
    switch (op) {
      case DaveOp.externalSenderPackage:
        this.#attempt('set external sender', () => session.setExternalSender(payload));
        return;
      case DaveOp.proposals: {
        const operation = (payload[0] ?? 0) as ProposalsOperationType;
        const result = this.#attempt('process proposals', () =>
          session.processProposals(operation, payload.subarray(1), [...this.#recognized]),
        );
        if (result?.commit) {
          const parts = result.welcome ? [result.commit, result.welcome] : [result.commit];
          this.#outbox.sendBinary(DaveOp.commitWelcome, Buffer.concat(parts));
        }
        return;
      }
      case DaveOp.announceCommitTransition:
        this.#onCommitOrWelcome('commit', payload);
        return;
      case DaveOp.welcome:
        this.#onCommitOrWelcome('welcome', payload);
        return;
      default:
        this.#log.warn({ op }, 'unexpected binary DAVE opcode, ignored');
    }
  }

  /** End-to-end encrypts one H.264 access unit, or says why it must not be sent. */
  encryptVideo(accessUnit: Buffer): EncryptResult {
    return this.#encrypt(accessUnit, (session) => session.encrypt(VIDEO, H264, accessUnit));
  }

  encryptAudio(opus: Buffer): EncryptResult {
    return this.#encrypt(opus, (session) => session.encrypt(AUDIO, 1, opus));
  }

  #encrypt(frame: Buffer, wrap: (session: DAVESession) => Buffer): EncryptResult {
    if (!this.active) return { kind: 'send', data: frame };
    const session = this.#session;
    if (!session?.ready) {
      // Decision (protocol.md §10 item 3): nothing leaves in clear while the connection is in a DAVE
      // session, before its first group as after a re-initialisation. Discord's own encryptor
      // (libdave) drops a frame it has no key for unless it is in passthrough, and receivers pass
      // clear frames only in passthrough; the two library clients send them, which only the SFU sees.
      this.counters.droppedNotReady += 1;
      return { kind: 'drop', reason: 'not-ready' };
    }
    const started = performance.now();
    try {
      const data = wrap(session);
      this.counters.encrypted += 1;
      return { kind: 'send', data };
    } catch (error) {
      this.counters.droppedEncryptFailed += 1;
      if (this.counters.droppedEncryptFailed <= 5 || this.counters.droppedEncryptFailed % 100 === 0) {
        this.#log.warn({ err: error, dropped: this.counters.droppedEncryptFailed }, 'DAVE encrypt failed');
      }
      return { kind: 'drop', reason: 'failed' };
    } finally {
      this.counters.encryptMicros += (performance.now() - started) * 1000;
    }
  }

  #onCommitOrWelcome(kind: 'commit' | 'welcome', payload: Buffer): void {
    const session = this.#session!;
    if (payload.length < 2) {
      this.#log.warn(
        { kind, bytes: payload.length },
        `DAVE ${kind} too short to carry a transition id, ignored`,
      );
      return;
    }
    const transitionId = payload.readUInt16BE(0);
    const body = payload.subarray(2);
    try {
      if (kind === 'commit') session.processCommit(body);
      else session.processWelcome(body);
    } catch (error) {
      // Any failure, joining or not, is answered at once (protocol.md §6.4), as both known-good
      // clients do: the server then re-adds us from the new key package.
      this.#log.warn({ err: error, transitionId, kind }, `DAVE ${kind} could not be processed`);
      this.#outbox.sendJson(DaveOp.invalidCommitWelcome, { transition_id: transitionId });
      this.#startSession();
      return;
    }
    this.#log.info({ transitionId, kind, epoch: this.epoch }, `DAVE ${kind} processed`);
    if (transitionId === 0) return;
    this.#pendingTransitions.set(transitionId, this.#protocolVersion);
    this.#outbox.sendJson(DaveOp.readyForTransition, { transition_id: transitionId });
  }

  /**
   * Creates or re-creates the session and announces its one key package. The protocol asks for this on
   * SESSION_DESCRIPTION with a version, on op 24 epoch 1 and after op 31; nowhere else. Without a key
   * pair davey makes a fresh one each time: MLS wants signature keys unique among members, and our
   * stale leaf is still in the group when the new key package is added (protocol.md §6.2).
   */
  #startSession(): void {
    const { userId, groupId } = this.#identity;
    const version = this.#protocolVersion || DAVE_VERSION;
    if (this.#session) this.#session.reinit(version, userId, groupId);
    else this.#session = new DAVESession(version, userId, groupId);
    this.#outbox.sendBinary(DaveOp.keyPackage, this.#session.getSerializedKeyPackage());
    // Frames that came while there was no session (op 25 before op 4, or before an upgrade's op 24).
    const early = this.#early;
    this.#early = [];
    this.#earlyDropped = 0;
    for (const frame of early) this.onBinary(frame.op, frame.payload);
  }

  #attempt<T>(what: string, action: () => T): T | undefined {
    try {
      return action();
    } catch (error) {
      this.#log.warn({ err: error }, `DAVE could not ${what}`);
      return undefined;
    }
  }
}
