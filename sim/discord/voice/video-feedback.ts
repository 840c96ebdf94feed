// The SFU's receive side for one stream's video (protocol.md §4.8): packets are put back in
// sequence order before the depacketizer sees them, gaps are NACKed (nack-tracker.ts), RTX is
// checked and unwrapped into the packet it repeats, a gap still open at its playout deadline is
// given up (the frame it belongs to is then incomplete), and undecodable frames ask for a keyframe
// (keyframe-requests.ts). Feedback goes to the sender as sealed RTCP.
import type { DivergenceLog } from './divergences.ts';
import { KeyframeRequests } from './keyframe-requests.ts';
import { NackTracker } from './nack-tracker.ts';
import { nackPacket, pliPacket, sealRtcp } from './rtcp-feedback.ts';
import type { RtpPacket } from './rtp-packet.ts';

/** How long a packet waits behind a gap before it plays without what is missing before it. */
export const PLAYOUT_DEADLINE_MS = 250;
/** An RTX whose original has not shown up this long after it came is no longer compared. */
const RTX_ORIGINAL_WAIT_MS = 2_000;
/** Originals remembered for checking RTX against: more than the sender's history holds. */
const ORIGINALS_KEPT = 4096;
/** The SFU's own SSRC as the sender of its feedback (a receive-only endpoint's). */
const SFU_SSRC = 1;
const TICK_MS = 5;

export interface VideoFeedbackConnection {
  readonly ssrcs: { readonly video: number; readonly rtx: number };
  readonly secretKey: Buffer | null;
  /** The network model loses, repeats or reorders datagrams: gaps and disorder are then its doing. */
  readonly networkImpaired: boolean;
  /** Sends a datagram to the client's media socket, through the downlink network. */
  sendToClient(datagram: Buffer): void;
}

interface Original {
  readonly timestamp: number;
  readonly marker: boolean;
  readonly payload: Buffer;
}

export interface VideoFeedbackCounters {
  /** Sequence numbers asked for (repeats included). */
  nacksSent: number;
  /** Missing packets given up at their playout deadline: what recovery could not save. */
  packetsGivenUp: number;
}

export class VideoFeedback {
  readonly counters: VideoFeedbackCounters = {
    nacksSent: 0,
    packetsGivenUp: 0,
  };
  readonly keyframes: KeyframeRequests;
  readonly #connection: VideoFeedbackConnection;
  readonly #log: DivergenceLog;
  readonly #label: string;
  readonly #deliver: (packet: RtpPacket) => void;
  readonly #nacks = new NackTracker();
  /** Packets waiting for an earlier one, and when they came, by unwrapped sequence number. */
  readonly #held = new Map<number, { packet: RtpPacket; arrivedAt: number }>();
  /** The next unwrapped sequence number the depacketizer wants. */
  #expected: number | null = null;
  /** The highest unwrapped sequence number seen, to unwrap the next one against. */
  #highest = 0;
  /** Originals sent (arrived, or lost on the way), by 16-bit sequence number. */
  readonly #originals = new Map<number, Original>();
  /** RTX that came before anything was known of its original, kept to compare when it shows up. */
  readonly #unmatchedRtx = new Map<number, { packet: RtpPacket; at: number }>();
  /** 16-bit sequence numbers recently NACKed: the only ones an RTX may bring unseen. */
  readonly #asked = new Set<number>();
  /** Fault injection dropped datagrams: the next gap given up is its doing, not the sender's. */
  #gapForgiven = false;
  #nonce = 0;
  #timer: NodeJS.Timeout | null = null;

  constructor(
    connection: VideoFeedbackConnection,
    log: DivergenceLog,
    label: string,
    deliver: (packet: RtpPacket) => void,
  ) {
    this.#connection = connection;
    this.#log = log;
    this.#label = label;
    this.#deliver = deliver;
    this.keyframes = new KeyframeRequests(() => this.#send(pliPacket(SFU_SSRC, connection.ssrcs.video)));
  }

  /** An original video packet arrived. */
  onVideo(packet: RtpPacket): void {
    this.#remember(packet);
    this.#accept(packet, false);
  }

  /** A video packet was lost on the way: what it carried is known to have been sent. */
  onLost(packet: RtpPacket): void {
    this.#remember(packet);
  }

  /** A packet arrived on the RTX SSRC (payload type already checked). */
  onRtx(packet: RtpPacket): void {
    if (packet.payload.length < 2) {
      this.#record('rtx', 'RTX packet without the 2-byte original sequence number (RFC 4588 §4)');
      return;
    }
    const osn = packet.payload.readUInt16BE(0);
    const original = this.#originals.get(osn);
    if (original && !this.#matches(packet, original)) return;
    if (!original) {
      if (!this.#asked.has(osn)) {
        this.#record('rtx', `RTX for sequence ${osn}, which the SFU neither received nor asked for`);
        return;
      }
      // Lost where nobody saw it (a full socket buffer), or still on its way: compared if it comes.
      this.#unmatchedRtx.set(osn, { packet, at: performance.now() });
    }
    this.#accept(this.#unwrap(packet, osn), true);
  }

  /** Fault injection dropped datagrams on purpose. */
  forgiveGap(): void {
    this.#gapForgiven = true;
  }

  /** The depacketizer produced a frame. */
  onFrame(complete: boolean, keyframe: boolean): void {
    this.keyframes.onFrame(complete, keyframe, performance.now());
    this.#arm();
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  #record(kind: string, detail: string): void {
    this.#log.record(`${this.#label}:${kind}`, detail);
  }

  #remember(packet: RtpPacket): void {
    const original = { timestamp: packet.timestamp, marker: packet.marker, payload: packet.payload };
    this.#originals.set(packet.sequence, original);
    if (this.#originals.size > ORIGINALS_KEPT) this.#originals.delete(this.#originals.keys().next().value!);
    const early = this.#unmatchedRtx.get(packet.sequence);
    if (early) {
      this.#unmatchedRtx.delete(packet.sequence);
      this.#matches(early.packet, original);
    }
  }

  /** RFC 4588 §4: an RTX packet repeats its original's timestamp, marker and payload exactly. */
  #matches(rtx: RtpPacket, original: Original): boolean {
    const osn = rtx.payload.readUInt16BE(0);
    const same =
      rtx.timestamp === original.timestamp &&
      rtx.marker === original.marker &&
      rtx.payload.subarray(2).equals(original.payload);
    if (!same)
      this.#record(
        'rtx',
        `RTX for sequence ${osn} differs from the packet sent (timestamp, marker or payload)`,
      );
    return same;
  }

  /** The original packet an RTX packet carries. */
  #unwrap(rtx: RtpPacket, osn: number): RtpPacket {
    return { ...rtx, ssrc: this.#connection.ssrcs.video, sequence: osn, payload: rtx.payload.subarray(2) };
  }

  /** The unwrapped form of a 16-bit sequence number: the one nearest the highest seen. */
  #unwrapSequence(sequence: number): number {
    if (this.#expected === null) return sequence;
    const delta = (((sequence - this.#highest) & 0xffff) << 16) >> 16;
    return this.#highest + delta;
  }

  #accept(packet: RtpPacket, recovered: boolean): void {
    const now = performance.now();
    const sequence = this.#unwrapSequence(packet.sequence);
    if (this.#expected === null) {
      this.#expected = sequence;
      this.#highest = sequence;
    }
    // Already played (or given up), or a duplicate of one waiting.
    if (sequence < this.#expected || this.#held.has(sequence)) return;
    this.#highest = Math.max(this.#highest, sequence);
    if (!this.#nacks.onPacket(sequence, now, recovered)) this.#giveUpBefore(sequence);
    this.#held.set(sequence, { packet, arrivedAt: now });
    this.#release();
    this.#arm();
  }

  /** Hands over every packet now in order; a gap stops it until it is filled or its deadline passes. */
  #release(): void {
    while (this.#expected !== null) {
      const held = this.#held.get(this.#expected);
      if (!held) break;
      this.#held.delete(this.#expected);
      this.#expected += 1;
      this.#deliver(held.packet);
    }
  }

  #giveUpBefore(sequence: number): void {
    if (this.#expected === null || sequence <= this.#expected) return;
    // Whatever waits behind the gap plays now, in order; the depacketizer sees the gap.
    const waiting = [...this.#held.keys()].filter((held) => held < sequence).sort((a, b) => a - b);
    const givenUp = sequence - this.#expected - waiting.length;
    this.counters.packetsGivenUp += givenUp;
    if (givenUp > 0 && !this.#connection.networkImpaired && !this.#gapForgiven) {
      this.#record(
        'rtp-sequence',
        `video sequence numbers ${this.#expected & 0xffff}-${(sequence - 1) & 0xffff} never arrived, not even as RTX`,
      );
    }
    this.#gapForgiven = false;
    for (const held of waiting) {
      this.#deliver(this.#held.get(held)!.packet);
      this.#held.delete(held);
    }
    this.#expected = sequence;
    this.#nacks.forgetBefore(sequence);
  }

  #tick(): void {
    const now = performance.now();
    // Each gap has its own deadline: the first packet behind it may wait only so long.
    while (this.#held.size > 0) {
      const next = Math.min(...this.#held.keys());
      if (now - this.#held.get(next)!.arrivedAt <= PLAYOUT_DEADLINE_MS) break;
      this.#giveUpBefore(next);
      this.#release();
    }
    const ask = this.#nacks.due(now);
    if (ask.length > 0) {
      this.counters.nacksSent += ask.length;
      for (const sequence of ask) this.#asked.add(sequence & 0xffff);
      while (this.#asked.size > ORIGINALS_KEPT) this.#asked.delete(this.#asked.values().next().value!);
      this.#send(
        nackPacket(
          SFU_SSRC,
          this.#connection.ssrcs.video,
          ask.map((sequence) => sequence & 0xffff),
        ),
      );
    }
    this.keyframes.tick(now);
    for (const [osn, early] of this.#unmatchedRtx)
      if (now - early.at >= RTX_ORIGINAL_WAIT_MS) this.#unmatchedRtx.delete(osn);
    const idle =
      this.#held.size === 0 &&
      this.#nacks.missing === 0 &&
      !this.keyframes.waiting &&
      this.#unmatchedRtx.size === 0;
    if (idle) this.close();
  }

  #arm(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
    this.#timer.unref();
  }

  #send(compound: Buffer): void {
    const key = this.#connection.secretKey;
    if (!key) return;
    this.#nonce = (this.#nonce + 1) >>> 0;
    this.#connection.sendToClient(sealRtcp(compound, key, this.#nonce));
  }
}
