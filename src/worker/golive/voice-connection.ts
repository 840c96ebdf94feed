// One voice gateway v8 connection (protocol.md §2), written once and used twice: for the voice channel and
// for the Go Live stream. Every state is listed in `VoiceConnectionState` and carries only the
// resources alive in it; every transition goes through `#setState`, which releases what the next
// state no longer carries. The connection resumes by itself; anything else ends in `closed` with an
// outcome, and the parent (the Go Live session) decides what happens next.
import { EventEmitter } from 'node:events';
import { errorMessage } from '../../error-message.ts';
import type { Logger } from '../../logger.ts';
import { type CloseDecision, decideOnClose } from './close-codes.ts';
import { DAVE_VERSION, DaveChannel, DaveOp } from './dave.ts';
import { LossRecovery, type LossRecoveryCounters, newLossRecoveryCounters } from './loss-recovery.ts';
import { type Datagram, type DiscoveredAddress, MediaUdp } from './media-udp.ts';
import { H264Packetizer, OpusPacketizer, PayloadType, type RtpPacket, senderReport } from './rtp.ts';
import { TRANSPORT_MODE, TransportCipher } from './transport-crypto.ts';
import { parseVoicePacket, type ReadyPayload, type SessionDescriptionPayload } from './voice-payloads.ts';
import { VoiceOp, VoiceSocket } from './voice-socket.ts';

/** Resume attempts in a row without RESUMED before we ask for a fresh session instead. */
const MAX_RESUME_ATTEMPTS = 5;
const MAX_RESUME_DELAY_MS = 4_000;
/** Media time between RTCP sender reports per SSRC (§4.7). */
const SENDER_REPORT_INTERVAL_MS = 1_000;

export type ConnectionKind = 'voice' | 'stream';

export interface VoiceConnectionOptions {
  kind: ConnectionKind;
  /** Host and optional port, as the main gateway gave it (a `wss://` prefix is stripped). */
  endpoint: string;
  token: string;
  /** Guild id for the voice channel; STREAM_CREATE's rtc_server_id for the stream. */
  serverId: string;
  userId: string;
  /** The main voice session id, for both connections. */
  sessionId: string;
  /** MLS group id: the voice channel id, or the stream's rtc_channel_id. */
  daveGroupId: string;
  /** ws:// instead of wss://, only when pointed at the simulator. */
  insecure: boolean;
  /** Answer NACKs with RTX (default true); benchmarks and tests turn it off to compare. */
  retransmit?: boolean;
  log: Logger;
}

interface ServerInfo {
  ip: string;
  port: number;
  audioSsrc: number;
  videoSsrc: number;
  rtxSsrc: number;
}

/** What exists once SESSION_DESCRIPTION arrived: the key and the per-SSRC RTP state. */
interface MediaSession {
  cipher: TransportCipher;
  audio: OpusPacketizer;
  video: H264Packetizer;
  /** ptsMs of the last sender report per SSRC. */
  lastReportPts: { audio: number; video: number };
  recovery: LossRecovery;
}

export type ConnectionOutcome =
  | { kind: 'destroyed' }
  | { kind: 'reconnect'; reason: string; code: number | null }
  | { kind: 'disconnected'; reason: string; code: number }
  | { kind: 'fatal'; reason: string; code: number | null };

export type VoiceConnectionState =
  /** The websocket is connecting; IDENTIFY goes out when it opens. */
  | { status: 'opening-ws'; socket: VoiceSocket }
  /** IDENTIFY sent; waiting for READY (HELLO starts the heartbeat meanwhile). */
  | { status: 'identifying'; socket: VoiceSocket }
  /** READY arrived; UDP socket open, IP discovery running. */
  | {
      status: 'udp-handshaking';
      socket: VoiceSocket;
      udp: MediaUdp;
      server: ServerInfo;
      discovery: AbortController;
    }
  /** SELECT_PROTOCOL sent; waiting for SESSION_DESCRIPTION. */
  | { status: 'selecting-protocol'; socket: VoiceSocket; udp: MediaUdp; server: ServerInfo }
  /** Media may flow. */
  | { status: 'ready'; socket: VoiceSocket; udp: MediaUdp; server: ServerInfo; media: MediaSession }
  /** The websocket dropped; a new one sent RESUME. UDP and media keep going meanwhile. */
  | {
      status: 'resuming';
      socket: VoiceSocket;
      udp: MediaUdp;
      server: ServerInfo;
      media: MediaSession;
      attempt: number;
    }
  /** Over: nothing is held. */
  | { status: 'closed'; outcome: ConnectionOutcome };

export type VoiceConnectionStatus = VoiceConnectionState['status'];

interface VoiceConnectionEvents {
  stateChange: [from: VoiceConnectionState, to: VoiceConnectionState];
}

export interface VideoAnnouncement {
  width: number;
  height: number;
  fps: number;
  maxBitrateKbps: number;
}

export interface ConnectionCounters extends LossRecoveryCounters {
  videoFramesSent: number;
  audioFramesSent: number;
  /** Frames that arrived while no media session existed. */
  framesDroppedDisconnected: number;
  /** Video frames skipped until the next keyframe (after a gap a decoder needs one to start). */
  framesSkippedUntilKeyframe: number;
}

export function voiceGatewayUrl(endpoint: string, insecure: boolean): string {
  const host = endpoint.replace(/^wss?:\/\//, '').replace(/\/+$/, '');
  return `${insecure ? 'ws' : 'wss'}://${host}/?v=8`;
}

export class VoiceConnection extends EventEmitter<VoiceConnectionEvents> {
  readonly options: VoiceConnectionOptions;
  readonly dave: DaveChannel;
  readonly #log: Logger;
  #state: VoiceConnectionState;
  #speaking = 0;
  #video: VideoAnnouncement | null = null;
  #needsKeyframe = true;
  readonly counters: ConnectionCounters = {
    videoFramesSent: 0,
    audioFramesSent: 0,
    framesDroppedDisconnected: 0,
    framesSkippedUntilKeyframe: 0,
    ...newLossRecoveryCounters(),
  };

  constructor(options: VoiceConnectionOptions) {
    super();
    this.options = options;
    this.#log = options.log.child({ connection: options.kind, voiceSessionId: options.sessionId });
    this.dave = new DaveChannel(
      { userId: options.userId, groupId: options.daveGroupId },
      {
        sendJson: (op, d) => this.#socket()?.send(op, d),
        sendBinary: (op, payload) => this.#socket()?.sendBinary(op, payload),
      },
      this.#log,
    );
    this.#state = { status: 'opening-ws', socket: this.#openSocket(false) };
    this.#log.info(
      { serverId: options.serverId, daveGroupId: options.daveGroupId, endpoint: options.endpoint },
      'voice connection opening',
    );
  }

  get state(): VoiceConnectionState {
    return this.#state;
  }

  get status(): VoiceConnectionStatus {
    return this.#state.status;
  }

  /** Media can leave: READY, key and UDP in place (also while the websocket resumes). */
  get canSendMedia(): boolean {
    return this.#state.status === 'ready' || this.#state.status === 'resuming';
  }

  get udpCounters(): MediaUdp['counters'] | null {
    return 'udp' in this.#state ? this.#state.udp.counters : null;
  }

  get transportNonce(): number {
    return 'media' in this.#state ? this.#state.media.cipher.counter : 0;
  }

  /** SPEAKING flags (2 = soundshare); re-sent after a resume. */
  setSpeaking(flags: number): void {
    this.#speaking = flags;
    this.#announceSpeaking();
  }

  /** The VIDEO op: active with the real size, or `null` for the "off" form. */
  announceVideo(video: VideoAnnouncement | null): void {
    this.#video = video;
    this.#announceVideo();
  }

  /**
   * The stream's half of the stop sequence (protocol.md §1.4): SPEAKING 0 and the "off" VIDEO op.
   * Resolves once both are on the wire, so the main gateway's op 19 cannot overtake them.
   */
  async announceStop(): Promise<void> {
    this.#speaking = 0;
    this.#video = null;
    const state = this.#state;
    if (state.status !== 'ready') return;
    this.#announceSpeaking();
    await state.socket.sendFlushed(VoiceOp.video, this.#videoPayload(state.server));
  }

  /** The next video frame must be a keyframe (after a pause or a gap). */
  requireKeyframe(): void {
    this.#needsKeyframe = true;
  }

  /** Sends one prepared H.264 access unit; returns false when it did not leave. */
  sendVideo(accessUnit: Buffer, ptsMs: number, keyframe: boolean): boolean {
    const state = this.#state;
    if (state.status !== 'ready' && state.status !== 'resuming') {
      this.counters.framesDroppedDisconnected += 1;
      this.#needsKeyframe = true;
      return false;
    }
    if (this.#needsKeyframe && !keyframe) {
      this.counters.framesSkippedUntilKeyframe += 1;
      return false;
    }
    const wrapped = this.dave.encryptVideo(accessUnit);
    if (wrapped.kind === 'drop') {
      this.#needsKeyframe = true;
      return false;
    }
    this.#needsKeyframe = false;
    const { media, udp } = state;
    const datagrams: Datagram[] = [];
    media.video.packetize(wrapped.data, ptsMs, (packet) => {
      media.recovery.remember(packet);
      datagrams.push(media.cipher.seal(packet));
    });
    if (ptsMs - media.lastReportPts.video >= SENDER_REPORT_INTERVAL_MS) {
      media.lastReportPts.video = ptsMs;
      datagrams.push(media.cipher.seal(this.#report(media.video, ptsMs)));
    }
    udp.enqueue(datagrams);
    this.counters.videoFramesSent += 1;
    return true;
  }

  /** `aheadMs`: how early the packet goes (its time is `ptsMs`, the stream's clock is `ptsMs - aheadMs`). */
  sendAudio(opus: Buffer, ptsMs: number, aheadMs = 0): boolean {
    const state = this.#state;
    if (state.status !== 'ready' && state.status !== 'resuming') {
      this.counters.framesDroppedDisconnected += 1;
      return false;
    }
    const wrapped = this.dave.encryptAudio(opus);
    if (wrapped.kind === 'drop') return false;
    const { media, udp } = state;
    const datagrams = [media.cipher.seal(media.audio.packetize(wrapped.data, ptsMs))];
    if (ptsMs - media.lastReportPts.audio >= SENDER_REPORT_INTERVAL_MS) {
      media.lastReportPts.audio = ptsMs;
      datagrams.push(media.cipher.seal(this.#report(media.audio, ptsMs - aheadMs)));
    }
    udp.enqueue(datagrams);
    this.counters.audioFramesSent += 1;
    return true;
  }

  /** Leaves for good: closes the websocket (marked as ours) and the UDP socket. */
  destroy(): void {
    if (this.#state.status === 'closed') return;
    this.#setState({ status: 'closed', outcome: { kind: 'destroyed' } });
  }

  /** Waits until the connection is ready; rejects with the outcome if it closes first. */
  whenReady(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (this.#state.status === 'ready') {
          done(null);
          return true;
        }
        if (this.#state.status === 'closed') {
          done(new Error(describeOutcome(this.options.kind, this.#state.outcome)));
          return true;
        }
        return false;
      };
      const timer = setTimeout(
        () => done(new Error(`${this.options.kind} connection not ready within ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
      const onChange = (): void => {
        check();
      };
      const done = (error: Error | null): void => {
        clearTimeout(timer);
        this.off('stateChange', onChange);
        if (error) reject(error);
        else resolve();
      };
      if (!check()) this.on('stateChange', onChange);
    });
  }

  /** A sender report pairs the wall clock now with the RTP time of the stream's clock now (`nowPtsMs`). */
  #report(packetizer: OpusPacketizer | H264Packetizer, nowPtsMs: number): RtpPacket {
    return senderReport(
      packetizer.ssrc,
      Date.now(),
      packetizer.rtpTime(nowPtsMs),
      packetizer.packetsSent,
      packetizer.octetsSent,
    );
  }

  #socket(): VoiceSocket | null {
    return 'socket' in this.#state ? this.#state.socket : null;
  }

  #openSocket(resume: boolean): VoiceSocket {
    const socket = new VoiceSocket(voiceGatewayUrl(this.options.endpoint, this.options.insecure));
    socket.on('open', () => this.#onOpen(socket, resume));
    socket.on('packet', (packet) => this.#onPacket(socket, packet.op, packet.d));
    socket.on('binary', (op, payload) => {
      if (socket === this.#socket()) this.dave.onBinary(op, payload);
    });
    socket.on('close', (code, reason, closedByUs) => this.#onClose(socket, code, reason, closedByUs));
    return socket;
  }

  #onOpen(socket: VoiceSocket, resume: boolean): void {
    if (socket !== this.#socket()) return;
    const { serverId, userId, sessionId, token } = this.options;
    if (resume) {
      socket.send(VoiceOp.resume, {
        server_id: serverId,
        session_id: sessionId,
        token,
        seq_ack: socket.lastSeq,
      });
      return;
    }
    socket.send(VoiceOp.identify, {
      server_id: serverId,
      user_id: userId,
      session_id: sessionId,
      token,
      video: true,
      streams: [{ type: 'screen', rid: '100', quality: 100 }],
      max_dave_protocol_version: DAVE_VERSION,
    });
    if (this.#state.status === 'opening-ws') this.#setState({ status: 'identifying', socket });
  }

  #onPacket(socket: VoiceSocket, op: number, d: unknown): void {
    if (socket !== this.#socket()) return;
    const parsed = parseVoicePacket(op, d);
    if (parsed.kind === 'ignored') {
      // HEARTBEAT_ACK, SPEAKING/VIDEO of others, SESSION_UPDATE, MEDIA_SINK_WANTS and friends.
      if (op !== VoiceOp.heartbeatAck) this.#log.debug({ op }, 'voice gateway message ignored');
      return;
    }
    if (parsed.kind === 'malformed') {
      // A server that breaks the protocol is treated like its protocol-error close codes: fatal.
      this.#log.error({ op }, parsed.reason);
      this.#fail(parsed.reason);
      return;
    }
    const { payload } = parsed;
    switch (payload.op) {
      case VoiceOp.hello:
        socket.startHeartbeat(payload.d.heartbeat_interval);
        return;
      case VoiceOp.ready:
        this.#onReady(socket, payload.d);
        return;
      case VoiceOp.sessionDescription:
        this.#onSessionDescription(payload.d);
        return;
      case VoiceOp.resumed:
        this.#onResumed();
        return;
      case VoiceOp.clientsConnect:
        this.dave.onClientsConnect(payload.d.user_ids);
        return;
      case VoiceOp.clientDisconnect:
        this.dave.onClientDisconnect(payload.d.user_id);
        return;
      case DaveOp.prepareTransition:
        this.dave.onPrepareTransition(payload.d.transition_id, payload.d.protocol_version);
        return;
      case DaveOp.executeTransition:
        this.dave.onExecuteTransition(payload.d.transition_id);
        return;
      case DaveOp.prepareEpoch:
        this.dave.onPrepareEpoch(payload.d.epoch, payload.d.protocol_version);
        return;
    }
  }

  #onReady(socket: VoiceSocket, ready: ReadyPayload): void {
    if (this.#state.status !== 'identifying' && this.#state.status !== 'opening-ws') return;
    if (!ready.modes.includes(TRANSPORT_MODE)) {
      this.#fail(
        `voice server does not offer ${TRANSPORT_MODE} (offers ${ready.modes.join(', ') || 'nothing'})`,
      );
      return;
    }
    const video = ready.streams?.[0];
    const server: ServerInfo = {
      ip: ready.ip,
      port: ready.port,
      audioSsrc: ready.ssrc,
      videoSsrc: video?.ssrc ?? 0,
      rtxSsrc: video?.rtx_ssrc ?? 0,
    };
    const udp = new MediaUdp(server.ip, server.port);
    udp.onDatagram((datagram) => {
      if ('media' in this.#state && this.#state.udp === udp) this.#state.media.recovery.receive(datagram);
    });
    const discovery = new AbortController();
    this.#setState({ status: 'udp-handshaking', socket, udp, server, discovery });
    this.#announceVideo();
    udp.discover(server.audioSsrc, discovery.signal).then(
      (address) => this.#onDiscovered(udp, address),
      (error: unknown) => {
        if (this.#state.status === 'udp-handshaking' && this.#state.udp === udp)
          this.#fail(errorMessage(error));
      },
    );
  }

  #onDiscovered(udp: MediaUdp, address: DiscoveredAddress): void {
    const state = this.#state;
    if (state.status !== 'udp-handshaking' || state.udp !== udp) return;
    state.socket.send(VoiceOp.selectProtocol, {
      protocol: 'udp',
      data: { address: address.address, port: address.port, mode: TRANSPORT_MODE },
      codecs: [
        { name: 'opus', type: 'audio', priority: 1000, payload_type: PayloadType.opus },
        {
          name: 'H264',
          type: 'video',
          priority: 1000,
          payload_type: PayloadType.h264,
          rtx_payload_type: PayloadType.h264Rtx,
          encode: true,
          decode: true,
        },
      ],
    });
    this.#setState({ status: 'selecting-protocol', socket: state.socket, udp, server: state.server });
  }

  #onSessionDescription(description: SessionDescriptionPayload): void {
    const state = this.#state;
    if (state.status !== 'selecting-protocol') return;
    if (description.mode !== TRANSPORT_MODE) {
      this.#fail(`voice server chose transport mode ${description.mode}`);
      return;
    }
    const videoCodec = description.video_codec;
    if (this.options.kind === 'stream' && videoCodec !== undefined && videoCodec !== 'H264') {
      this.#fail(`voice server chose video codec ${videoCodec}, we send H264`);
      return;
    }
    const secretKey = description.secret_key;
    let cipher: TransportCipher;
    try {
      cipher = new TransportCipher(secretKey);
    } catch (error) {
      this.#fail(errorMessage(error));
      return;
    }
    const media: MediaSession = {
      cipher,
      audio: new OpusPacketizer(state.server.audioSsrc),
      video: new H264Packetizer(state.server.videoSsrc),
      lastReportPts: { audio: Number.NEGATIVE_INFINITY, video: Number.NEGATIVE_INFINITY },
      recovery: new LossRecovery({
        videoSsrc: state.server.videoSsrc,
        rtxSsrc: state.server.rtxSsrc,
        rtxPayloadType: PayloadType.h264Rtx,
        secretKey,
        retransmit: this.options.retransmit ?? true,
        counters: this.counters,
        send: (packets) => state.udp.enqueue(packets.map((packet) => cipher.seal(packet))),
      }),
    };
    this.dave.onSessionDescription(description.dave_protocol_version ?? 0);
    state.udp.startKeepalive();
    this.#needsKeyframe = true;
    this.#setState({ status: 'ready', socket: state.socket, udp: state.udp, server: state.server, media });
    this.#announceSpeaking();
    this.#announceVideo();
  }

  #onResumed(): void {
    const state = this.#state;
    if (state.status !== 'resuming') return;
    this.#log.info({ attempt: state.attempt }, 'voice websocket resumed');
    this.#setState({
      status: 'ready',
      socket: state.socket,
      udp: state.udp,
      server: state.server,
      media: state.media,
    });
    this.#announceSpeaking();
    this.#announceVideo();
  }

  #onClose(socket: VoiceSocket, code: number, reason: string, closedByUs: boolean): void {
    if (socket !== this.#socket()) return;
    const decision: CloseDecision = decideOnClose(code, closedByUs);
    this.#log.warn(
      { code, reason, closedByUs, status: this.#state.status, decision },
      'voice websocket closed',
    );
    const state = this.#state;
    switch (decision.action) {
      case 'resume': {
        if (state.status !== 'ready' && state.status !== 'resuming') {
          this.#setClosed({
            kind: 'reconnect',
            reason: `websocket closed (${code}) before the session was up`,
            code,
          });
          return;
        }
        const attempt = state.status === 'resuming' ? state.attempt + 1 : 1;
        if (attempt > MAX_RESUME_ATTEMPTS) {
          this.#setClosed({ kind: 'reconnect', reason: `resume failed ${MAX_RESUME_ATTEMPTS} times`, code });
          return;
        }
        const resume = (): void => {
          const next = this.#openSocket(true);
          next.lastSeq = socket.lastSeq;
          this.#setState({ ...state, status: 'resuming', socket: next, attempt });
        };
        // The first resume goes at once; repeated failures back off so a short outage is outlasted.
        const delay = Math.min(MAX_RESUME_DELAY_MS, (attempt - 1) * 1_000);
        if (delay === 0) {
          resume();
          return;
        }
        const waiting: VoiceConnectionState = { ...state, status: 'resuming', socket, attempt };
        this.#setState(waiting);
        setTimeout(() => {
          if (this.#state === waiting) resume();
        }, delay).unref();
        return;
      }
      case 'reconnect':
        this.#setClosed({ kind: 'reconnect', reason: decision.reason, code });
        return;
      case 'disconnected':
        this.#setClosed({ kind: 'disconnected', reason: decision.reason, code });
        return;
      case 'fatal':
        this.#setClosed({ kind: 'fatal', reason: decision.reason, code });
        return;
    }
  }

  #fail(reason: string): void {
    this.#setClosed({ kind: 'fatal', reason, code: null });
  }

  #setClosed(outcome: ConnectionOutcome): void {
    if (this.#state.status === 'closed') return;
    this.#setState({ status: 'closed', outcome });
  }

  #announceSpeaking(): void {
    const state = this.#state;
    if (state.status !== 'ready') return;
    state.socket.send(VoiceOp.speaking, { speaking: this.#speaking, delay: 0, ssrc: state.server.audioSsrc });
  }

  #announceVideo(): void {
    const state = this.#state;
    if (!('server' in state)) return;
    state.socket.send(VoiceOp.video, this.#videoPayload(state.server));
  }

  #videoPayload(server: ServerInfo): Record<string, unknown> {
    const video = this.#video;
    return {
      audio_ssrc: server.audioSsrc,
      video_ssrc: video ? server.videoSsrc : 0,
      rtx_ssrc: video ? server.rtxSsrc : 0,
      streams: video
        ? [
            {
              type: 'video',
              rid: '100',
              ssrc: server.videoSsrc,
              rtx_ssrc: server.rtxSsrc,
              active: true,
              quality: 100,
              max_bitrate: video.maxBitrateKbps * 1000,
              max_framerate: video.fps,
              max_resolution: { type: 'fixed', width: video.width, height: video.height },
            },
          ]
        : [],
    };
  }

  /** The one place state changes: whatever the next state no longer holds is released here. */
  #setState(next: VoiceConnectionState): void {
    const previous = this.#state;
    const nextSocket = 'socket' in next ? next.socket : null;
    const nextUdp = 'udp' in next ? next.udp : null;
    if ('socket' in previous && previous.socket !== nextSocket) {
      previous.socket.removeAllListeners();
      previous.socket.on('close', () => {});
      previous.socket.close(1000, 'voice connection moved on');
    }
    if ('udp' in previous && previous.udp !== nextUdp) previous.udp.close();
    if (previous.status === 'udp-handshaking' && next.status !== 'udp-handshaking')
      previous.discovery.abort();
    this.#state = next;
    if (previous.status !== next.status) {
      const outcome = next.status === 'closed' ? next.outcome : undefined;
      this.#log.info({ from: previous.status, to: next.status, outcome }, 'voice connection state');
    }
    this.emit('stateChange', previous, next);
  }
}

export function describeOutcome(kind: ConnectionKind, outcome: ConnectionOutcome): string {
  const what = kind === 'voice' ? 'voice channel connection' : 'stream connection';
  switch (outcome.kind) {
    case 'destroyed':
      return `${what} was closed`;
    case 'reconnect':
    case 'disconnected':
    case 'fatal':
      return `${what} ended: ${outcome.reason}`;
  }
}
