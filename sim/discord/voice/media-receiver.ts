// The UDP side of one voice connection as the SFU sees it (protocol.md §3, 4, 5): decrypt each datagram
// with the connection's key, check nonce, SSRC, payload type, sequence and header extension, and hand
// audio frames and rebuilt video access units to the viewer.
import { containsIdr } from './decode-chain.ts';
import type { DivergenceLog } from './divergences.ts';
import { type AccessUnit, H264Depacketizer } from './h264-depacketizer.ts';
import { preciseNowMs } from './media-port.ts';
import {
  extensionElements,
  isRtcp,
  MediaPacketError,
  openRtcpSenderReport,
  openRtp,
  orbTransportExtensionProblem,
  type RtcpSenderReport,
  type RtpPacket,
} from './rtp-packet.ts';
import type { StreamPause } from './stream-pause.ts';
import { VideoFeedback, type VideoFeedbackConnection } from './video-feedback.ts';
import type { FrameSource, Viewer } from './viewer.ts';

/** What the receiver needs from the connection it belongs to (read on every packet). */
export interface ReceiverConnection extends VideoFeedbackConnection {
  readonly label: string;
  readonly kind: 'voice' | 'stream';
  readonly senderId: string;
  readonly ssrcs: { readonly audio: number; readonly video: number; readonly rtx: number };
  /** Null until SESSION_DESCRIPTION handed out the key. */
  readonly secretKey: Buffer | null;
  readonly payloadTypes: { readonly opus: number; readonly h264: number; readonly rtx: number | null };
  /** Why audio may not flow now (no op 5 speaking, or none since RESUMED), as a divergence, or null. */
  audioRefusal(now: number): { kind: string; detail: string } | null;
  readonly videoActive: boolean;
  /** When the stream was deleted, or null. */
  readonly streamEndedAt: number | null;
  /** The stream's pause state (null on the main voice connection). */
  readonly pause: StreamPause | null;
  frameSource(ssrc: number): FrameSource;
}

const NTP_UNIX_OFFSET_S = 2_208_988_800;
/** Same-machine clocks: an SR's NTP and RTP times must match the wall clock and media this closely. */
const SR_CLOCK_TOLERANCE_MS = 1500;
const SR_MISSING_MS = 3000;
const MAX_PACKET_GAP_MS = 200;
/** Packets sent just before a stop can still be on their way. */
const IN_FLIGHT_MS = 300;
/** protocol.md §4.5: FU-A chunks of at most 1200 bytes plus the 2-byte FU indicator and header. */
const MAX_VIDEO_PAYLOAD = 1202;
/**
 * protocol.md §4.4 item 4: our transport sends an IDR every second when transcoding and passes through
 * no source sparser than 3 s; a frame of slack at 30 fps.
 */
const MAX_KEYFRAME_GAP_90KHZ = 3 * 90_000 + 3000;

export function ntpToUnixMs(report: RtcpSenderReport): number {
  return (report.ntpSeconds - NTP_UNIX_OFFSET_S) * 1000 + (report.ntpFraction / 2 ** 32) * 1000;
}

/** The sender's wall time (Unix ms) of `rtpTimestamp`, by the NTP ↔ RTP pairing of `report` (RTP time wraps). */
export function senderTimeAt(report: RtcpSenderReport, rtpTimestamp: number, clockRate: number): number {
  return ntpToUnixMs(report) + (((rtpTimestamp - report.rtpTimestamp) | 0) / clockRate) * 1000;
}

export interface SenderReportRecord extends RtcpSenderReport {
  readonly receivedAtMs: number;
  readonly label: string;
}

export class MediaReceiver {
  packetsReceived = 0;
  readonly senderReports: SenderReportRecord[] = [];
  readonly #connection: ReceiverConnection;
  readonly #log: DivergenceLog;
  readonly #viewer: Viewer;
  readonly #depacketizer: H264Depacketizer;
  readonly #lastSequence = new Map<number, number>();
  #lastNonce = -1;
  /** Per SSRC: the last RTP timestamp seen and when, to judge the SRs against the media. */
  readonly #rtpClock = new Map<number, { timestamp: number; at: number }>();
  /** Per SSRC: media time elapsed since its last sender report. */
  readonly #reportFlow = new Map<number, { lastPacketAt: number; mediaMsSinceReport: number }>();
  readonly #lastFrameTimestamp = new Map<number, number>();
  #lastIdrTimestamp: number | null = null;
  /** The RTP timestamp of a video frame whose marker packet has not been delivered yet. */
  #openFrameTimestamp: number | null = null;
  /** When the datagram being handled arrived (media-port.ts); null outside receive(), e.g. on a recovery deadline. */
  #arrivedAtMs: number | null = null;
  /** Loss recovery: NACKs, RTX and keyframe requests for the video (protocol.md §4.8). */
  readonly videoFeedback: VideoFeedback;

  constructor(connection: ReceiverConnection, log: DivergenceLog, viewer: Viewer) {
    this.#connection = connection;
    this.#log = log;
    this.#viewer = viewer;
    this.#depacketizer = new H264Depacketizer((kind, detail) => this.#record(kind, detail));
    this.videoFeedback = new VideoFeedback(connection, log, connection.label, (packet) =>
      this.#onOrderedVideo(packet),
    );
  }

  /** One datagram from the client, read off the media port at `arrivedAtMs` (wall-clock ms). */
  receive(datagram: Buffer, arrivedAtMs: number): void {
    const key = this.#connection.secretKey;
    if (!key) {
      this.#record('media-before-key', 'media datagram before SESSION_DESCRIPTION gave the key');
      return;
    }
    this.#arrivedAtMs = arrivedAtMs;
    try {
      if (isRtcp(datagram)) this.#onRtcp(openRtcpSenderReport(datagram, key));
      else this.#onRtp(openRtp(datagram, key));
    } catch (error) {
      // A RangeError here is a datagram too short for the header it claims; anything else a sim bug.
      const detail = (error as Error).message;
      if (error instanceof MediaPacketError || error instanceof RangeError)
        this.#record('media-packet', detail);
      else this.#record('sim-error', `simulator media error: ${detail}`);
    } finally {
      this.#arrivedAtMs = null;
    }
  }

  /** When what is being handled arrived: the datagram's stamp, or now for a recovery deadline. */
  #arrival(): number {
    return this.#arrivedAtMs ?? preciseNowMs();
  }

  #record(kind: string, detail: string): void {
    this.#log.record(`${this.#connection.label}:${kind}`, detail);
  }

  #checkNonce(nonce: number): void {
    // protocol.md §5.1: one counter per connection, shared by audio, video and RTCP, never reused.
    if (nonce <= this.#lastNonce && !this.#connection.networkImpaired) {
      this.#record('nonce', `transport nonce ${nonce} does not increase (previous ${this.#lastNonce})`);
    }
    this.#lastNonce = Math.max(this.#lastNonce, nonce);
  }

  #onRtcp(report: RtcpSenderReport): void {
    this.#checkNonce(report.nonce);
    const { audio, video } = this.#connection.ssrcs;
    if (report.ssrc !== audio && report.ssrc !== video) {
      this.#record(
        'rtcp-ssrc',
        `sender report for SSRC ${report.ssrc}, not this connection's audio or video SSRC`,
      );
    }
    const now = this.#arrival();
    const ntpMs = ntpToUnixMs(report);
    if (Math.abs(ntpMs - now) > SR_CLOCK_TOLERANCE_MS) {
      this.#record(
        'rtcp-ntp',
        `SR NTP time is ${Math.round(ntpMs - now)} ms off the wall clock (protocol.md §4.7: the send time)`,
      );
    }
    const media = this.#rtpClock.get(report.ssrc);
    if (media) {
      const rate = report.ssrc === this.#connection.ssrcs.audio ? 48_000 : 90_000;
      const drift = ((report.rtpTimestamp - media.timestamp) | 0) / rate - (now - media.at) / 1000;
      if (Math.abs(drift) * 1000 > SR_CLOCK_TOLERANCE_MS) {
        this.#record(
          'rtcp-rtp-timestamp',
          `SR RTP timestamp is ${Math.round(drift * 1000)} ms off the media it describes`,
        );
      }
    }
    const flow = this.#reportFlow.get(report.ssrc);
    if (flow) flow.mediaMsSinceReport = 0;
    this.senderReports.push({ ...report, receivedAtMs: now, label: this.#connection.label });
  }

  /** The sender's wall-clock ms of an RTP timestamp on one of this connection's SSRCs, via its latest SR. */
  senderTimeMs(ssrc: number, rtpTimestamp: number): number | null {
    const report = this.senderReports.filter((r) => r.ssrc === ssrc).at(-1);
    if (!report) return null;
    return senderTimeAt(report, rtpTimestamp, ssrc === this.#connection.ssrcs.audio ? 48_000 : 90_000);
  }

  /** protocol.md §4.7 / 7 step 7: an SR per SSRC about every second of media. */
  #checkReportsFlow(ssrc: number, now: number): void {
    const flow = this.#reportFlow.get(ssrc);
    if (!flow) {
      this.#reportFlow.set(ssrc, { lastPacketAt: now, mediaMsSinceReport: 0 });
      return;
    }
    // Media time, not wall time: a pause adds at most one packet gap, since SRs follow media time.
    flow.mediaMsSinceReport += Math.min(now - flow.lastPacketAt, MAX_PACKET_GAP_MS);
    flow.lastPacketAt = now;
    if (flow.mediaMsSinceReport > SR_MISSING_MS) {
      this.#record(
        'rtcp-missing',
        `no RTCP sender report for SSRC ${ssrc} in ${SR_MISSING_MS} ms of media (protocol.md §4.7: about every second)`,
      );
      flow.mediaMsSinceReport = 0;
    }
  }

  #onRtp(packet: RtpPacket): void {
    this.#checkNonce(packet.nonce);
    this.packetsReceived++;
    const connection = this.#connection;
    if (connection.kind === 'voice') {
      this.#record(
        'media-on-main',
        'RTP media on the main voice connection; our transport sends media only on the stream',
      );
      return;
    }
    const now = this.#arrival();
    connection.pause?.onMedia(now);
    const endedAt = connection.streamEndedAt;
    if (endedAt !== null && now - endedAt > IN_FLIGHT_MS) {
      this.#record(
        'media-after-delete',
        'RTP media after the stream was deleted (protocol.md §1.4: stop media first)',
      );
    }
    const previous = this.#lastSequence.get(packet.ssrc);
    // Video gaps are judged once recovery is over (video-feedback.ts): RTX may still fill them.
    const gapsJudgedLater = connection.networkImpaired || packet.ssrc === connection.ssrcs.video;
    if (previous !== undefined && packet.sequence !== ((previous + 1) & 0xffff) && !gapsJudgedLater) {
      this.#record(
        'rtp-sequence',
        `SSRC ${packet.ssrc} sequence jumped from ${previous} to ${packet.sequence}`,
      );
    }
    this.#lastSequence.set(packet.ssrc, packet.sequence);
    this.#rtpClock.set(packet.ssrc, { timestamp: packet.timestamp, at: now });
    const { ssrcs, payloadTypes } = connection;
    // RTX carries repeats, not media time of its own: sender reports describe the video SSRC.
    if (packet.ssrc !== ssrcs.rtx) this.#checkReportsFlow(packet.ssrc, now);
    if (packet.ssrc === ssrcs.audio) this.#onAudio(packet);
    else if (packet.ssrc === ssrcs.video) this.#onVideo(packet);
    else if (packet.ssrc === ssrcs.rtx) {
      if (packet.payloadType !== payloadTypes.rtx) {
        this.#record(
          'payload-type',
          `RTX SSRC packet with PT ${packet.payloadType}, advertised RTX PT ${payloadTypes.rtx}`,
        );
      } else this.videoFeedback.onRtx(packet);
    } else
      this.#record(
        'ssrc',
        `RTP on SSRC ${packet.ssrc}, which READY did not assign (audio ${ssrcs.audio}, video ${ssrcs.video})`,
      );
  }

  #onAudio(packet: RtpPacket): void {
    const connection = this.#connection;
    if (packet.payloadType !== connection.payloadTypes.opus) {
      this.#record(
        'payload-type',
        `audio PT ${packet.payloadType}, advertised opus PT ${connection.payloadTypes.opus}`,
      );
      return;
    }
    this.#checkExtension(packet, 'audio');
    if (!connection.networkImpaired) this.#checkFrameOrder(packet.ssrc, packet.timestamp);
    const refusal = connection.audioRefusal(Date.now());
    if (refusal) this.#record(refusal.kind, refusal.detail);
    this.#viewer.onAudioFrame(
      connection.frameSource(packet.ssrc),
      packet.payload,
      packet.timestamp,
      this.#arrival(),
    );
  }

  #onVideo(packet: RtpPacket): void {
    const connection = this.#connection;
    if (packet.payloadType !== connection.payloadTypes.h264) {
      this.#record(
        'payload-type',
        `video PT ${packet.payloadType}, advertised H264 PT ${connection.payloadTypes.h264}`,
      );
      return;
    }
    this.#checkExtension(packet, 'video');
    if (!connection.videoActive)
      this.#record('video-inactive', 'video before op 12 VIDEO declared an active stream');
    if (packet.payload.length > MAX_VIDEO_PAYLOAD) {
      this.#record(
        'video-payload-size',
        `video RTP payload of ${packet.payload.length} bytes; FU-A chunks are at most 1200 bytes (protocol.md §4.5)`,
      );
    }
    this.videoFeedback.onVideo(packet);
  }

  /** Video packets in sequence order, originals and recovered ones, gaps given up on included. */
  #onOrderedVideo(packet: RtpPacket): void {
    const source = this.#connection.frameSource(packet.ssrc);
    const open = this.#openFrameTimestamp;
    if (open !== null && packet.timestamp !== open) {
      // The frame's marker packet never came: a watcher's decoder lost that frame.
      this.#onVideoUnit(source, { rtpTimestamp: open, data: Buffer.alloc(0), complete: false });
    }
    this.#openFrameTimestamp = packet.marker ? null : packet.timestamp;
    const unit = this.#depacketizer.push(packet);
    if (unit) this.#onVideoUnit(source, unit);
  }

  #onVideoUnit(source: FrameSource, unit: AccessUnit): void {
    const keyframe = unit.complete && containsIdr(unit.data);
    if (unit.complete) {
      this.#checkFrameOrder(source.ssrc, unit.rtpTimestamp);
      this.#checkKeyframeInterval(unit, keyframe);
    } else this.#lastIdrTimestamp = null; // a lost keyframe is not a late one
    this.videoFeedback.onFrame(unit.complete, keyframe);
    this.#viewer.onVideoFrame(source, unit, this.#arrival());
  }

  /**
   * Discord takes any well-formed RFC 8285 extension, or none (protocol.md §4.3); the exact
   * playout-delay form is a promise of our transport, checked under its profile only.
   */
  #checkExtension(packet: RtpPacket, media: 'audio' | 'video'): void {
    try {
      extensionElements(packet);
    } catch (error) {
      this.#record('rtp-extension', (error as Error).message);
      return;
    }
    const problem = orbTransportExtensionProblem(packet, media);
    if (problem) this.#record('playout-delay', problem);
  }

  /** protocol.md §4.4: frames leave in presentation order (no B-frames), so RTP timestamps only go forward. */
  #checkFrameOrder(ssrc: number, timestamp: number): void {
    const previous = this.#lastFrameTimestamp.get(ssrc);
    this.#lastFrameTimestamp.set(ssrc, timestamp);
    if (previous === undefined) return;
    const step = (timestamp - previous) >>> 0;
    if (step === 0 || step >= 2 ** 31) {
      this.#record(
        'rtp-timestamp',
        `SSRC ${ssrc} frame RTP timestamp ${timestamp} does not advance past ${previous}`,
      );
    }
  }

  /**
   * protocol.md §4.4 item 4: an IDR at least every 3 s of media. DAVE leaves NAL headers in clear, so the
   * check reads the frame as it arrived. Losses (including injected drops) restart the measurement.
   */
  #checkKeyframeInterval(unit: AccessUnit, idr: boolean): void {
    const last = this.#lastIdrTimestamp;
    if (idr || last === null) {
      this.#lastIdrTimestamp = idr ? unit.rtpTimestamp : last;
      return;
    }
    if ((unit.rtpTimestamp - last) >>> 0 > MAX_KEYFRAME_GAP_90KHZ) {
      this.#record(
        'keyframe-interval',
        'more than 3 s of video without an IDR (protocol.md §4.4: keyframes every 3 s or less)',
      );
      this.#lastIdrTimestamp = unit.rtpTimestamp;
    }
  }

  /** Fault injection dropped datagrams: sequence gaps and a late keyframe are then expected. */
  noteDropped(): void {
    this.#lastSequence.clear();
    this.#lastIdrTimestamp = null;
    this.videoFeedback.forgiveGap();
  }

  /** The network model lost this datagram: a video packet in it still counts as sent, for RTX checks. */
  noteLost(datagram: Buffer): void {
    const key = this.#connection.secretKey;
    if (!key || isRtcp(datagram)) return;
    try {
      const packet = openRtp(datagram, key);
      if (packet.ssrc === this.#connection.ssrcs.video) this.videoFeedback.onLost(packet);
    } catch {
      // Whatever is wrong with it is not the network's business; had it arrived, receive() would say.
    }
  }

  close(): void {
    this.videoFeedback.close();
  }
}
