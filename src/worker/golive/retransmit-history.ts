// The last video packets sent, kept so a NACK can be answered (protocol.md §4.8). Packets live in
// fixed slots of two preallocated arenas, indexed by sequence number, so remembering one costs a
// copy and no allocation: at a Go Live bitrate that is close to a thousand packets a second, and
// fresh buffers for them would feed the garbage collector.
import type { RtpPacket } from './rtp.ts';

/** Slots, a power of two: about a second of a 1080p stream at 8 Mbit/s, keyframes included. */
export const HISTORY_SLOTS = 1024;
/**
 * A packet older than this is worthless to the receiver (its frame is past playout) and is not
 * sent again even while its slot still holds it.
 */
export const HISTORY_MAX_AGE_MS = 1_000;
/** The fixed header, its CSRCs and the extension preamble: 16 bytes for our video packets. */
const HEADER_SLOT_BYTES = 64;
/** Extension data plus one payload of at most 1 200 bytes (rtp.ts MAX_PAYLOAD_BYTES), with room. */
const BODY_SLOT_BYTES = 1_500;

/** One remembered packet; `header` and `body` are views into the arenas, valid until the slot is reused. */
export interface RememberedPacket {
  readonly sequence: number;
  readonly header: Buffer;
  readonly body: Buffer;
  /** How often it was sent again already, and when last (ms, on the clock `remember` was given). */
  readonly retransmits: number;
  readonly lastRetransmitAtMs: number;
}

export class RetransmitHistory {
  readonly #headers = Buffer.allocUnsafe(HISTORY_SLOTS * HEADER_SLOT_BYTES);
  readonly #bodies = Buffer.allocUnsafe(HISTORY_SLOTS * BODY_SLOT_BYTES);
  /** Per slot: the sequence number it holds, or -1. */
  readonly #sequences = new Int32Array(HISTORY_SLOTS).fill(-1);
  readonly #headerBytes = new Uint16Array(HISTORY_SLOTS);
  readonly #bodyBytes = new Uint16Array(HISTORY_SLOTS);
  readonly #sentAt = new Float64Array(HISTORY_SLOTS);
  readonly #retransmits = new Uint8Array(HISTORY_SLOTS);
  readonly #lastRetransmitAt = new Float64Array(HISTORY_SLOTS);

  /** Copies a packet in as it is sent (its body buffer is about to be reused by the packetizer). */
  remember(packet: RtpPacket, nowMs: number): void {
    const sequence = packet.header.readUInt16BE(2);
    const slot = sequence & (HISTORY_SLOTS - 1);
    if (packet.header.length > HEADER_SLOT_BYTES || packet.body.length > BODY_SLOT_BYTES) {
      // Never the case for our packetizer's output; an outsized packet is simply not kept.
      this.#sequences[slot] = -1;
      return;
    }
    packet.header.copy(this.#headers, slot * HEADER_SLOT_BYTES);
    packet.body.copy(this.#bodies, slot * BODY_SLOT_BYTES);
    this.#sequences[slot] = sequence;
    this.#headerBytes[slot] = packet.header.length;
    this.#bodyBytes[slot] = packet.body.length;
    this.#sentAt[slot] = nowMs;
    this.#retransmits[slot] = 0;
    this.#lastRetransmitAt[slot] = Number.NEGATIVE_INFINITY;
  }

  /** The packet with this sequence number if it is still held and young enough to be worth resending. */
  find(sequence: number, nowMs: number): RememberedPacket | null {
    const slot = sequence & (HISTORY_SLOTS - 1);
    if (this.#sequences[slot] !== sequence || nowMs - this.#sentAt[slot]! > HISTORY_MAX_AGE_MS) return null;
    const headerAt = slot * HEADER_SLOT_BYTES;
    const bodyAt = slot * BODY_SLOT_BYTES;
    return {
      sequence,
      header: this.#headers.subarray(headerAt, headerAt + this.#headerBytes[slot]!),
      body: this.#bodies.subarray(bodyAt, bodyAt + this.#bodyBytes[slot]!),
      retransmits: this.#retransmits[slot]!,
      lastRetransmitAtMs: this.#lastRetransmitAt[slot]!,
    };
  }

  /** Records that the packet went out again. */
  noteRetransmitted(sequence: number, nowMs: number): void {
    const slot = sequence & (HISTORY_SLOTS - 1);
    if (this.#sequences[slot] !== sequence) return;
    this.#retransmits[slot] = Math.min(255, this.#retransmits[slot]! + 1);
    this.#lastRetransmitAt[slot] = nowMs;
  }
}
