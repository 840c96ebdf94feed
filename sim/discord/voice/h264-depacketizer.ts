// Rebuilds H.264 access units from RTP (RFC 6184, packetization-mode 1, protocol.md §4.5): single NAL unit
// packets, STAP-A and FU-A. Each NAL gets a 4-byte start code, as WebRTC receivers emit them, so a
// DAVE frame comes out byte-identical to what the sender's davey produced (protocol.md §6.6).
import type { RtpPacket } from './rtp-packet.ts';

const START_CODE = Buffer.from([0, 0, 0, 1]);
const STAP_A = 24;
const FU_A = 28;

export interface AccessUnit {
  readonly rtpTimestamp: number;
  /** Annex B bytes, 4-byte start codes. */
  readonly data: Buffer;
  /** False when a packet was missing or malformed: the frame is not what was sent. */
  readonly complete: boolean;
}

export class H264Depacketizer {
  readonly #onProblem: (kind: string, detail: string) => void;
  #timestamp: number | null = null;
  #parts: Buffer[] = [];
  #fragment: Buffer[] | null = null;
  #complete = true;
  #lastSequence: number | null = null;

  constructor(onProblem: (kind: string, detail: string) => void) {
    this.#onProblem = onProblem;
  }

  /** Feeds one packet; returns the access unit its marker bit closes, if any. */
  push(packet: RtpPacket): AccessUnit | null {
    if (this.#lastSequence !== null && packet.sequence !== ((this.#lastSequence + 1) & 0xffff))
      this.#complete = false;
    this.#lastSequence = packet.sequence;
    if (
      this.#timestamp !== null &&
      packet.timestamp !== this.#timestamp &&
      this.#parts.length + (this.#fragment ? 1 : 0) > 0
    ) {
      // After a gap the marker packet may simply have been lost: not the sender's fault.
      const gap = !this.#complete;
      if (!gap)
        this.#onProblem(
          'video-marker',
          'a new RTP timestamp began before the marker bit closed the previous access unit',
        );
      this.#reset();
      // Nobody can tell whether this frame's first packets were lost along with that marker.
      if (gap) this.#complete = false;
    }
    this.#timestamp = packet.timestamp;
    this.#take(packet.payload);
    if (!packet.marker) return null;
    if (this.#fragment) {
      this.#onProblem('video-fu-a', 'marker bit on an FU-A fragment without the E bit');
      this.#complete = false;
    }
    const unit: AccessUnit = {
      rtpTimestamp: packet.timestamp,
      data: Buffer.concat(this.#parts),
      complete: this.#complete && this.#parts.length > 0,
    };
    this.#reset();
    return unit;
  }

  /** Sequence numbers restart on a fresh connection. */
  restart(): void {
    this.#reset();
    this.#lastSequence = null;
  }

  #reset(): void {
    this.#parts = [];
    this.#fragment = null;
    this.#complete = true;
  }

  #nal(nal: Buffer): void {
    this.#parts.push(START_CODE, nal);
  }

  #take(payload: Buffer): void {
    const header = payload[0];
    if (header === undefined) {
      this.#onProblem('video-payload', 'empty RTP payload');
      return;
    }
    const type = header & 0x1f;
    if (type >= 1 && type <= 23) {
      this.#nal(payload);
      return;
    }
    if (type === STAP_A) {
      let at = 1;
      while (at + 2 <= payload.length) {
        const size = payload.readUInt16BE(at);
        if (size === 0 || at + 2 + size > payload.length) break;
        this.#nal(payload.subarray(at + 2, at + 2 + size));
        at += 2 + size;
      }
      if (at !== payload.length) {
        this.#onProblem('video-stap-a', 'STAP-A sizes do not add up to the payload');
        this.#complete = false;
      }
      return;
    }
    if (type === FU_A) {
      this.#takeFragment(header, payload);
      return;
    }
    this.#onProblem(
      'video-nal-packet-type',
      `RTP payload NAL type ${type}; senders use single NAL, STAP-A (24) and FU-A (28)`,
    );
    this.#complete = false;
  }

  #takeFragment(indicator: number, payload: Buffer): void {
    const fuHeader = payload[1];
    if (fuHeader === undefined) {
      this.#onProblem('video-fu-a', 'FU-A packet without an FU header');
      this.#complete = false;
      return;
    }
    const start = (fuHeader & 0x80) !== 0;
    const end = (fuHeader & 0x40) !== 0;
    if (start && end) this.#onProblem('video-fu-a', 'FU-A with both S and E set (RFC 6184 §5.8 forbids it)');
    if (start) {
      if (this.#fragment) {
        this.#onProblem('video-fu-a', 'FU-A start while the previous NAL was still open');
        this.#complete = false;
      }
      this.#fragment = [Buffer.from([(indicator & 0xe0) | (fuHeader & 0x1f)])];
    } else if (!this.#fragment) {
      this.#complete = false; // its start was lost (a gap is already counted)
      return;
    }
    this.#fragment.push(payload.subarray(2));
    if (end) {
      this.#nal(Buffer.concat(this.#fragment));
      this.#fragment = null;
    }
  }
}
