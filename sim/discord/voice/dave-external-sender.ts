// The voice gateway's DAVE role for one MLS group, built on ts-mls (protocol.md §6):
// publish the external sender (op 25), check key packages (op 26), sign
// external Add/Remove proposals (op 27), and take apart commit + welcome messages (op 28). It never
// joins the group: the server only signs proposals and relays what members commit.
import { p256 } from '@noble/curves/nist.js';
import {
  type CiphersuiteImpl,
  decodeMlsMessage,
  encodeExternalSender,
  encodeMlsMessage,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
} from 'ts-mls';
import { makeProposalRef } from 'ts-mls/authenticatedContent.js';
import type { Commit } from 'ts-mls/commit.js';
import type { GroupContext } from 'ts-mls/groupContext.js';
import {
  decodeKeyPackage,
  encodeKeyPackage,
  type KeyPackage,
  makeKeyPackageRef,
  verifyKeyPackage,
} from 'ts-mls/keyPackage.js';
import { protectExternalProposalPublic } from 'ts-mls/messageProtectionPublic.js';
import type { Proposal } from 'ts-mls/proposal.js';
import type { Sender } from 'ts-mls/sender.js';
import { decodeWelcome } from 'ts-mls/welcome.js';
import { u64be } from './dave-wire.ts';

/** DAVE v1: MLS 1.0, ciphersuite 2 (protocol.md §6.1). */
const DAVE_CIPHERSUITE = 'MLS_128_DHKEMP256_AES128GCM_SHA256_P256';
const MAX_LIFETIME = 0xffff_ffff_ffff_ffffn;

export interface CheckedKeyPackage {
  readonly keyPackage: KeyPackage;
  /** KeyPackageRef, to tell which welcome secret belongs to whom. */
  readonly ref: Buffer;
  /** The leaf's signature public key (hex): it must be unique among the group's members. */
  readonly signatureKey: string;
}

export interface SignedProposal {
  /** The MLSMessage(PublicMessage) bytes that go into the op 27 vector. */
  readonly message: Buffer;
  /** Its ProposalRef, which commits cite and revokes name. */
  readonly ref: Buffer;
}

export interface ParsedCommitWelcome {
  readonly commit: Buffer;
  readonly welcome: Buffer | null;
  readonly groupId: Buffer;
  readonly epoch: bigint;
  readonly sender: Sender;
  readonly proposals: Commit['proposals'];
}

/** Thrown for a client message the server would reject; the message names what is wrong. */
export class DaveProtocolError extends Error {
  override readonly name = 'DaveProtocolError';
}

let suite: Promise<CiphersuiteImpl> | undefined;
function ciphersuite(): Promise<CiphersuiteImpl> {
  suite ??= getCiphersuiteImpl(getCiphersuiteFromName(DAVE_CIPHERSUITE));
  return suite;
}

export class DaveExternalSender {
  readonly groupId: Buffer;
  /** The op 25 body. It stays the same for the group's whole life (joiners compare it). */
  readonly packagePayload: Buffer;
  readonly #cs: CiphersuiteImpl;
  readonly #signKey: Uint8Array;

  private constructor(groupId: Buffer, cs: CiphersuiteImpl, signKey: Uint8Array) {
    this.groupId = groupId;
    this.#cs = cs;
    this.#signKey = signKey;
    this.packagePayload = Buffer.from(
      encodeExternalSender({
        // 65-byte uncompressed P-256 point, as real gateways publish.
        signaturePublicKey: p256.getPublicKey(signKey, false),
        credential: { credentialType: 'basic', identity: Buffer.alloc(8) },
      }),
    );
  }

  /** @param groupChannelId the DAVE channel id: the voice channel, or the stream's rtc_channel_id. */
  static async create(groupChannelId: string): Promise<DaveExternalSender> {
    return new DaveExternalSender(u64be(groupChannelId), await ciphersuite(), p256.utils.randomSecretKey());
  }

  /** Checks an op 26 body the way protocol.md §6.1 describes a DAVE key package. */
  async checkKeyPackage(userId: string, payload: Buffer): Promise<CheckedKeyPackage> {
    if (payload.length >= 4 && payload.readUInt16BE(0) === 1 && payload.readUInt16BE(2) === 5) {
      throw new DaveProtocolError('op 26 carries an MLSMessage-wrapped KeyPackage; DAVE wants it bare');
    }
    const decoded = decodeKeyPackage(payload, 0);
    if (!decoded) throw new DaveProtocolError('op 26 payload is not a KeyPackage');
    const [keyPackage, used] = decoded;
    if (used !== payload.length)
      throw new DaveProtocolError(`op 26 has ${payload.length - used} trailing bytes`);
    if (!Buffer.from(encodeKeyPackage(keyPackage)).equals(payload)) {
      throw new DaveProtocolError('op 26 KeyPackage does not re-encode byte for byte');
    }
    if (keyPackage.cipherSuite !== DAVE_CIPHERSUITE) {
      throw new DaveProtocolError(
        `KeyPackage cipher suite ${keyPackage.cipherSuite}, want ${DAVE_CIPHERSUITE}`,
      );
    }
    const credential = keyPackage.leafNode.credential;
    if (credential.credentialType !== 'basic' || !Buffer.from(credential.identity).equals(u64be(userId))) {
      throw new DaveProtocolError(
        `KeyPackage credential identity is not the big-endian u64 of user ${userId}`,
      );
    }
    const lifetime = keyPackage.leafNode.lifetime;
    if (lifetime.notBefore !== 0n || lifetime.notAfter !== MAX_LIFETIME) {
      throw new DaveProtocolError('KeyPackage lifetime is not 0 … 2^64-1');
    }
    if (!(await verifyKeyPackage(keyPackage, this.#cs.signature))) {
      throw new DaveProtocolError('KeyPackage signature does not verify');
    }
    return {
      keyPackage,
      ref: Buffer.from(await makeKeyPackageRef(keyPackage, this.#cs.hash)),
      signatureKey: Buffer.from(keyPackage.leafNode.signaturePublicKey).toString('hex'),
    };
  }

  signAdd(keyPackage: KeyPackage, epoch: bigint): Promise<SignedProposal> {
    return this.#sign({ proposalType: 'add', add: { keyPackage } }, epoch);
  }

  signRemove(leafIndex: number, epoch: bigint): Promise<SignedProposal> {
    return this.#sign({ proposalType: 'remove', remove: { removed: leafIndex } }, epoch);
  }

  async #sign(proposal: Proposal, epoch: bigint): Promise<SignedProposal> {
    // For an external sender the signed FramedContentTBS leaves the GroupContext out, so only the
    // group id and epoch of this stand-in matter.
    const context: GroupContext = {
      version: 'mls10',
      cipherSuite: DAVE_CIPHERSUITE,
      groupId: this.groupId,
      epoch,
      treeHash: new Uint8Array(),
      confirmedTranscriptHash: new Uint8Array(),
      extensions: [],
    };
    const { publicMessage } = await protectExternalProposalPublic(
      this.#signKey,
      context,
      new Uint8Array(),
      proposal,
      { senderType: 'external', senderIndex: 0 },
      this.#cs,
    );
    const ref = await makeProposalRef(
      { wireformat: 'mls_public_message', content: publicMessage.content, auth: publicMessage.auth },
      this.#cs.hash,
    );
    const message = encodeMlsMessage({ version: 'mls10', wireformat: 'mls_public_message', publicMessage });
    return { message: Buffer.from(message), ref: Buffer.from(ref) };
  }

  /** Splits an op 28 body: a commit MLSMessage, then (only when members were added) a bare Welcome. */
  parseCommitWelcome(payload: Buffer): ParsedCommitWelcome {
    const decoded = decodeMlsMessage(payload, 0);
    if (!decoded) throw new DaveProtocolError('op 28 does not start with an MLSMessage');
    const [message, used] = decoded;
    if (message.wireformat !== 'mls_public_message') {
      throw new DaveProtocolError(`op 28 commit is a ${message.wireformat}, want a PublicMessage`);
    }
    const content = message.publicMessage.content;
    if (content.contentType !== 'commit') {
      throw new DaveProtocolError(`op 28 MLSMessage holds a ${content.contentType}, want a commit`);
    }
    let welcome: Buffer | null = null;
    if (used < payload.length) {
      welcome = payload.subarray(used);
      const parsed = decodeWelcome(welcome, 0);
      if (!parsed) throw new DaveProtocolError('op 28 bytes after the commit are not a bare Welcome');
      if (parsed[1] !== welcome.length) {
        throw new DaveProtocolError(`op 28 has ${welcome.length - parsed[1]} bytes after the Welcome`);
      }
    }
    return {
      commit: payload.subarray(0, used),
      welcome,
      groupId: Buffer.from(content.groupId),
      epoch: content.epoch,
      sender: content.sender,
      proposals: content.commit.proposals,
    };
  }
}
