// Loss recovery for one connection's video (protocol.md §4.8): every video packet sent is
// remembered; RTCP arriving on the media socket is opened and read; generic NACKs are answered
// with RTX from the history within the retransmission budget; PLIs and FIRs are counted. They need
// no action here: the transcoder's keyframe interval is 1 s (ffmpeg-args.ts) and copy mode takes a
// source only when its keyframes are at most 3 s apart (probe.ts), so the keyframe a receiver asks
// for follows within a second, or three in copy mode, anyway.
import { RetransmitBudget } from './retransmit-budget.ts';
import { RetransmitHistory } from './retransmit-history.ts';
import {
  type Feedback,
  FeedbackError,
  FeedbackOpener,
  isRtcpDatagram,
  parseFeedback,
} from './rtcp-feedback.ts';
import type { RtpPacket } from './rtp.ts';
import { OSN_BYTES, RtxPacketizer } from './rtx-packetizer.ts';
import { NONCE_SUFFIX_BYTES, TAG_BYTES } from './transport-crypto.ts';

/** A packet is sent again at most this often: a receiver still missing it after that has moved on. */
export const MAX_RETRANSMITS_PER_PACKET = 3;
/**
 * Requests for the same packet closer together than this are one loss asked about twice (a
 * compound packet, or a receiver re-asking before our answer could arrive): answered once.
 */
export const MIN_RETRANSMIT_INTERVAL_MS = 10;

export interface LossRecoveryCounters {
  /** Sequence numbers asked for by generic NACKs. */
  nacksReceived: number;
  packetsRetransmitted: number;
  /** Bytes of the RTX datagrams, as sent (tag and nonce included). */
  retransmittedBytes: number;
  /** Asked-for packets not sent again: outside the history, too often asked, or over budget. */
  retransmitsRefused: number;
  /** PLIs and FIR entries for our video. */
  keyframeRequests: number;
  /** Datagrams that looked like RTCP but could not be opened or read. */
  feedbackRejected: number;
}

export function newLossRecoveryCounters(): LossRecoveryCounters {
  return {
    nacksReceived: 0,
    packetsRetransmitted: 0,
    retransmittedBytes: 0,
    retransmitsRefused: 0,
    keyframeRequests: 0,
    feedbackRejected: 0,
  };
}

export interface LossRecoveryOptions {
  videoSsrc: number;
  rtxSsrc: number;
  rtxPayloadType: number;
  secretKey: readonly number[] | Uint8Array;
  /** False: feedback is read and counted, never answered (benchmarks and tests compare both). */
  retransmit: boolean;
  /** Where the counts go (the connection's counters). */
  counters: LossRecoveryCounters;
  /** Seals and queues RTX packets, in order. */
  send(packets: RtpPacket[]): void;
}

export class LossRecovery {
  readonly #options: LossRecoveryOptions;
  readonly #history = new RetransmitHistory();
  readonly #budget = new RetransmitBudget();
  readonly #rtx: RtxPacketizer;
  readonly #opener: FeedbackOpener;

  constructor(options: LossRecoveryOptions) {
    this.#options = options;
    this.#rtx = new RtxPacketizer(options.rtxSsrc, options.rtxPayloadType);
    this.#opener = new FeedbackOpener(options.secretKey);
  }

  /** A video packet is about to be sealed and sent. */
  remember(packet: RtpPacket): void {
    this.#history.remember(packet, performance.now());
    this.#budget.earn(packet.header.length + packet.body.length);
  }

  /** A datagram arrived on the media socket. */
  receive(datagram: Buffer): void {
    // IP discovery answers and anything else that is not RTCP have nothing to say to us here.
    if (!isRtcpDatagram(datagram)) return;
    let feedback: Feedback[];
    try {
      feedback = parseFeedback(this.#opener.open(datagram));
    } catch (error) {
      if (!(error instanceof FeedbackError)) throw error;
      this.#options.counters.feedbackRejected += 1;
      return;
    }
    const { counters, videoSsrc } = this.#options;
    const now = performance.now();
    const answers: RtpPacket[] = [];
    for (const item of feedback) {
      if (item.kind === 'keyframe') {
        if (item.mediaSsrc === videoSsrc) counters.keyframeRequests += 1;
        continue;
      }
      counters.nacksReceived += item.sequences.length;
      if (!this.#options.retransmit) continue;
      if (item.mediaSsrc !== videoSsrc) {
        counters.retransmitsRefused += item.sequences.length;
        continue;
      }
      for (const sequence of item.sequences) {
        const packet = this.#answer(sequence, now);
        if (packet) answers.push(packet);
        else counters.retransmitsRefused += 1;
      }
    }
    if (answers.length > 0) this.#options.send(answers);
  }

  /** The RTX packet for one asked-for sequence number, or null when policy refuses it. */
  #answer(sequence: number, now: number): RtpPacket | null {
    const original = this.#history.find(sequence, now);
    if (!original || original.retransmits >= MAX_RETRANSMITS_PER_PACKET) return null;
    if (now - original.lastRetransmitAtMs < MIN_RETRANSMIT_INTERVAL_MS) return null;
    // Charged before it is built: a refused packet must not take an RTX sequence number.
    const bytes = original.header.length + original.body.length + OSN_BYTES + TAG_BYTES + NONCE_SUFFIX_BYTES;
    if (!this.#budget.spend(bytes)) return null;
    this.#history.noteRetransmitted(sequence, now);
    this.#options.counters.packetsRetransmitted += 1;
    this.#options.counters.retransmittedBytes += bytes;
    return this.#rtx.packetize(original);
  }
}
