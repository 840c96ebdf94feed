// The simulator's viewer inside one DAVE group: a real davey session, as a first-party client would
// run, so that what the streaming client encrypts is proven decryptable by a group member.
import { DAVESession, type MediaType } from '@snazzah/davey';
import type { DaveGroup, DaveMember } from './dave-group.ts';
import type { DivergenceLog } from './divergences.ts';
import { VoiceOp } from './voice-opcodes.ts';

const DAVE_PROTOCOL_VERSION = 1;

export class ViewerDaveMember implements DaveMember {
  readonly remote = false;
  readonly userId: string;
  readonly #group: DaveGroup;
  readonly #log: DivergenceLog;
  readonly #label: string;
  readonly #session: DAVESession;
  readonly #recognized = new Set<string>();
  /** False after `leave` until it watches again: STREAM_UPDATE lists no viewer then. */
  watching = true;

  constructor(userId: string, group: DaveGroup, log: DivergenceLog, label: string) {
    this.userId = userId;
    this.#group = group;
    this.#log = log;
    this.#label = label;
    this.#session = new DAVESession(DAVE_PROTOCOL_VERSION, userId, group.channelId);
    this.#recognized.add(userId);
  }

  /** Joins: the viewer is "connected" like any client and hands over its key package. */
  join(): void {
    this.#group.connect(this);
    this.#group.sendExternalSender(this);
  }

  /** Leaves the group, as a watcher closing the stream does. */
  leave(): void {
    this.watching = false;
    this.#group.disconnect(this);
  }

  /** Comes back with a fresh MLS state (the external sender stays set). */
  rejoin(): void {
    this.watching = true;
    this.#group.connect(this);
    this.resetLocal();
  }

  get ready(): boolean {
    return this.#session.ready;
  }

  /** Decrypts one DAVE frame from `senderId`; throws what davey throws. */
  decrypt(senderId: string, mediaType: MediaType, frame: Buffer): Buffer {
    return this.#session.decrypt(senderId, mediaType, frame);
  }

  sendJson(op: number, data: unknown): void {
    const d = data as { user_ids?: string[]; user_id?: string };
    if (op === VoiceOp.ClientsConnect) for (const id of d.user_ids ?? []) this.#recognized.add(id);
    if (op === VoiceOp.ClientDisconnect && d.user_id) this.#recognized.delete(d.user_id);
  }

  sendBinary(op: number, payload: Buffer): void {
    // Delivered on a later tick, like a network hop, so the group never re-enters itself.
    setImmediate(() => this.#handle(op, payload));
  }

  resetLocal(): void {
    this.#session.reinit(DAVE_PROTOCOL_VERSION, this.userId, this.#group.channelId);
    void this.#group.onKeyPackage(this.userId, this.#session.getSerializedKeyPackage());
  }

  #handle(op: number, payload: Buffer): void {
    try {
      switch (op) {
        case VoiceOp.DaveExternalSenderPackage:
          this.#session.setExternalSender(payload);
          void this.#group.onKeyPackage(this.userId, this.#session.getSerializedKeyPackage());
          return;
        case VoiceOp.DaveProposals: {
          const result = this.#session.processProposals(payload[0]!, payload.subarray(1), [
            ...this.#recognized,
          ]);
          if (result.commit) {
            const body = result.welcome ? Buffer.concat([result.commit, result.welcome]) : result.commit;
            this.#group.onCommitWelcome(this.userId, body);
          }
          return;
        }
        case VoiceOp.DaveAnnounceCommitTransition:
          this.#session.processCommit(payload.subarray(2));
          return;
        case VoiceOp.DaveWelcome:
          this.#session.processWelcome(payload.subarray(2));
          return;
      }
    } catch (error) {
      // The viewer only fails on what a client committed: the client's commit or welcome is bad.
      this.#log.record(
        `${this.#label}:viewer-dave-op${op}`,
        `the viewer's davey rejected op ${op}: ${(error as Error).message}`,
      );
    }
  }
}
