// The server-side state of one identified voice connection (protocol.md §2): READY, SELECT_PROTOCOL,
// SESSION_DESCRIPTION, SPEAKING, VIDEO, the DAVE opcodes, seq-numbered messages kept for re-delivery
// after RESUME, and close codes (protocol.md §2.5). It outlives its websocket (voice-socket.ts): a RESUME on a
// new socket picks it up again.
import { randomBytes } from 'node:crypto';
import type { DaveMember } from './dave-group.ts';
import { serverBinaryFrame } from './dave-wire.ts';
import type { MediaPortKind } from './media-port.ts';
import { MediaReceiver, type ReceiverConnection } from './media-receiver.ts';
import type { VoiceCredential } from './media-session.ts';
import type { StreamPause } from './stream-pause.ts';
import type { TlsCertificate } from './tls-certificate.ts';
import type { FrameSource } from './viewer.ts';
import { isResumableClose, VoiceClose, VoiceOp } from './voice-opcodes.ts';
import type { VoiceServer } from './voice-server.ts';
import type { VoiceSocket } from './voice-socket.ts';
import { newSsrc } from './wire-ids.ts';

export interface VoiceConnectionOptions {
  /** HELLO heartbeat_interval. */
  readonly heartbeatIntervalMs: number;
  /** Refuse IDENTIFY without DAVE with 4017 (Discord since March 2026). */
  readonly requireDave: boolean;
  /** Send op 25 right after READY, before SESSION_DESCRIPTION (protocol.md §10 item 2: clients must buffer it). */
  readonly externalSenderBeforeSessionDescription: boolean;
  /** How long a session whose socket dropped stays resumable. */
  readonly resumeWindowMs: number;
  /** Serve the voice gateway as wss:// with this certificate; null: plain ws://. */
  readonly tls: TlsCertificate | null;
  /** Where media datagrams are read and stamped (media-port.ts). */
  readonly mediaPort: MediaPortKind;
}

const MODES = ['aead_aes256_gcm_rtpsize', 'aead_xchacha20_poly1305_rtpsize'] as const;
const TRANSPORT_MODE = 'aead_aes256_gcm_rtpsize';
const REPLAY_BUFFER = 256;
/** A seq_ack may lag messages younger than this (they can be in flight). */
const SEQ_ACK_SLACK_MS = 3000;
/** Keepalives are due every 5 s; this allows one late or lost one. */
const KEEPALIVE_LIMIT_MS = 12_000;
/** UDP media keeps flowing during a resume; packets this soon after RESUMED may predate the new op 5. */
const RESUME_SPEAKING_GRACE_MS = 500;

interface SentMessage {
  readonly seq: number;
  readonly at: number;
  readonly frame: string | Buffer;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Server-side state of one identified voice connection. */
export class VoiceSession implements ReceiverConnection, DaveMember {
  readonly server: VoiceServer;
  readonly credential: VoiceCredential;
  readonly label: string;
  readonly kind: 'voice' | 'stream';
  readonly remote = true;
  readonly ssrcs: { audio: number; video: number; rtx: number };
  readonly receiver: MediaReceiver;
  secretKey: Buffer | null = null;
  payloadTypes: { opus: number; h264: number; rtx: number | null } = { opus: 120, h264: 101, rtx: 102 };
  speaking = 0;
  /** Set by RESUMED until op 5 is sent again (protocol.md §8.2 item 2). */
  #resumedAt: number | null = null;
  videoActive = false;
  declaredSize: { width: number; height: number } | null = null;
  declaredFramerate: number | null = null;
  /** Where IP discovery saw the client's UDP socket. */
  discovered: { address: string; port: number } | null = null;
  selectedMode: string | null = null;
  /** Websocket closes this session went through, with the code (resumes count here too). */
  readonly closeCodes: number[] = [];
  resumes = 0;
  destroyed = false;
  keepalivesReceived = 0;
  /** Op 12 in its "off" form (video_ssrc 0 or an inactive stream) was seen (protocol.md §9). */
  videoOffSeen = false;
  readonly #daveOffered: boolean;
  #socket: VoiceSocket | null = null;
  #seq = 0;
  #sent: SentMessage[] = [];
  #resumeTimer: NodeJS.Timeout | null = null;
  #keepaliveCheck: NodeJS.Timeout | null = null;
  #lastKeepaliveAt = 0;
  #lastKeepaliveCounter = -1;

  constructor(server: VoiceServer, credential: VoiceCredential, daveOffered: boolean) {
    this.server = server;
    this.credential = credential;
    this.kind = credential.kind;
    this.label = credential.media.label;
    this.#daveOffered = daveOffered;
    const taken = new Set<number>();
    for (const session of server.sessions) for (const ssrc of Object.values(session.ssrcs)) taken.add(ssrc);
    const audio = newSsrc(taken);
    taken.add(audio);
    const video = newSsrc(taken);
    taken.add(video);
    this.ssrcs = { audio, video, rtx: newSsrc(taken) };
    this.receiver = new MediaReceiver(this, server.context.log, server.context.viewer);
    server.sessions.add(this);
  }

  get userId(): string {
    return this.credential.userId;
  }

  get senderId(): string {
    return this.credential.userId;
  }

  get networkImpaired(): boolean {
    return this.server.uplinkImpaired;
  }

  /** RTCP feedback to the client's media socket, through the server's downlink network. */
  sendToClient(datagram: Buffer): void {
    if (this.discovered && !this.destroyed) this.server.sendToClient(datagram, this.discovered);
  }

  get streamEndedAt(): number | null {
    return this.credential.streamEndedAt;
  }

  get pause(): StreamPause | null {
    return this.credential.stream?.pause ?? null;
  }

  /** True while a websocket is bound and open. */
  get connected(): boolean {
    return this.#socket !== null && this.#socket.ws.readyState === this.#socket.ws.OPEN;
  }

  frameSource(ssrc: number): FrameSource {
    return {
      label: this.label,
      senderId: this.userId,
      media: this.credential.media,
      ssrc,
      declaredSize: this.declaredSize,
    };
  }

  record(kind: string, detail: string): void {
    this.server.context.log.record(`${this.label}:${kind}`, detail);
  }

  attach(socket: VoiceSocket): void {
    if (this.#resumeTimer) clearTimeout(this.#resumeTimer);
    this.#resumeTimer = null;
    if (this.#socket && this.#socket !== socket) this.#socket.close(VoiceClose.Disconnected, 'superseded');
    this.#socket = socket;
  }

  /** After IDENTIFY: READY, then op 11 for the others already here. */
  start(): void {
    const { audio, video, rtx } = this.ssrcs;
    this.send(VoiceOp.Ready, {
      ssrc: audio,
      ip: '127.0.0.1',
      port: this.server.udpPort,
      modes: [...MODES],
      experiments: [],
      streams: [{ type: 'video', rid: '100', ssrc: video, rtx_ssrc: rtx, quality: 100, active: false }],
    });
    this.credential.media.ready.then(
      ({ group }) => {
        if (this.destroyed || !this.#daveOffered) return;
        group.connect(this);
        if (this.server.context.options.externalSenderBeforeSessionDescription)
          group.sendExternalSender(this);
      },
      (error: unknown) => this.record('sim-error', `DAVE group: ${(error as Error).message}`),
    );
  }

  /** Sends a JSON message with the next seq (kept for re-delivery after RESUME). */
  send(op: number, d: unknown): void {
    const seq = ++this.#seq;
    this.#push({ seq, at: Date.now(), frame: JSON.stringify({ op, d, seq }) });
  }

  sendJson(op: number, data: unknown): void {
    this.send(op, data);
  }

  sendBinary(op: number, payload: Buffer): void {
    const seq = ++this.#seq;
    this.#push({ seq, at: Date.now(), frame: serverBinaryFrame(seq, op, payload) });
  }

  audioRefusal(now: number): { kind: string; detail: string } | null {
    if (this.speaking === 0) return { kind: 'speaking', detail: 'audio before op 5 SPEAKING' };
    if (this.#resumedAt !== null && now - this.#resumedAt > RESUME_SPEAKING_GRACE_MS) {
      return {
        kind: 'speaking',
        detail: 'audio after RESUMED without re-sending op 5 SPEAKING (protocol.md §8.2 item 2)',
      };
    }
    if ((this.speaking & 2) === 0)
      return { kind: 'speaking-soundshare', detail: 'audio with op 5 speaking lacking flag 2 (soundshare)' };
    return null;
  }

  replayAfter(seqAck: number): void {
    this.resumes++;
    this.#resumedAt = Date.now();
    for (const message of this.#sent) if (message.seq > seqAck) this.#socket?.sendRaw(message.frame);
  }

  checkSeqAck(seqAck: number): void {
    if (seqAck > this.#seq)
      this.record('seq-ack', `seq_ack ${seqAck} acknowledges a seq never sent (last ${this.#seq})`);
    const settled = this.#sent.filter((message) => Date.now() - message.at > SEQ_ACK_SLACK_MS).at(-1);
    if (settled && seqAck < settled.seq) {
      this.record(
        'seq-ack',
        `seq_ack ${seqAck} lags seq ${settled.seq} sent over ${SEQ_ACK_SLACK_MS} ms ago (binary frames carry seq too)`,
      );
    }
  }

  /** protocol.md §3.2: 8 bytes, a u32 little-endian counter then 4 zero bytes. */
  onKeepalive(datagram: Buffer): void {
    this.keepalivesReceived++;
    this.#lastKeepaliveAt = Date.now();
    const counter = datagram.readUInt32LE(0);
    if (datagram.readUInt32LE(4) !== 0) this.record('udp-keepalive', 'keepalive bytes 4-7 are not zero');
    if (counter <= this.#lastKeepaliveCounter) {
      this.record(
        'udp-keepalive',
        `keepalive counter ${counter} does not increase (previous ${this.#lastKeepaliveCounter})`,
      );
    }
    this.#lastKeepaliveCounter = counter;
  }

  onDiscovered(address: string, port: number): void {
    this.discovered = { address, port };
    const shared = this.server.context
      .sessionsOf(this.userId)
      .some(
        (other) => other !== this && other.discovered?.address === address && other.discovered.port === port,
      );
    if (shared) {
      this.record(
        'udp-shared-socket',
        'IP discovery from the UDP socket of the other voice connection (protocol.md §3.1: one socket each)',
      );
    }
  }

  onSocketClosed(socket: VoiceSocket, code: number): void {
    if (socket !== this.#socket || this.destroyed) return;
    this.closeCodes.push(code);
    this.#socket = null;
    if (socket.serverCloseCode !== null && !isResumableClose(code)) {
      this.destroy(code, 'closed');
      return;
    }
    this.#resumeTimer = setTimeout(
      () => this.destroy(VoiceClose.SessionTimeout, 'resume window over'),
      this.server.context.options.resumeWindowMs,
    ).unref();
  }

  /** Ends the session for good: no RESUME; the DAVE group sees the member leave. */
  destroy(code: number, reason: string): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.#resumeTimer) clearTimeout(this.#resumeTimer);
    if (this.#keepaliveCheck) clearInterval(this.#keepaliveCheck);
    this.#socket?.close(code, reason);
    this.server.sessions.delete(this);
    this.server.forgetAddress(this);
    this.credential.media.group?.disconnect(this);
    this.receiver.close();
  }

  /** Closes the websocket with `code`; a resumable code keeps the session for a RESUME. */
  closeSocket(code: number, reason: string): void {
    if (!isResumableClose(code)) {
      this.destroy(code, reason);
      return;
    }
    this.#socket?.close(code, reason);
  }

  onBinary(data: Buffer): void {
    const op = data[0];
    const payload = data.subarray(1);
    const group = this.credential.media.group;
    if (!this.#daveOffered || !group) {
      this.record('dave-binary', `binary op ${op} without a DAVE session`);
      return;
    }
    if (op === VoiceOp.DaveKeyPackage) void group.onKeyPackage(this.userId, payload);
    else if (op === VoiceOp.DaveCommitWelcome) group.onCommitWelcome(this.userId, payload);
    else {
      this.record('dave-binary', `binary op ${op}; clients send only 26 and 28 (protocol.md §6.1)`);
      this.closeSocket(VoiceClose.UnknownOpcode, 'unknown opcode');
    }
  }

  onJson(op: number, d: unknown): void {
    const group = this.credential.media.group;
    const transitionId = isObject(d) ? d.transition_id : undefined;
    switch (op) {
      case VoiceOp.SelectProtocol:
        this.#onSelectProtocol(d).catch((error) =>
          this.record('sim-error', `SELECT_PROTOCOL: ${(error as Error).message}`),
        );
        break;
      case VoiceOp.Speaking:
        this.#onSpeaking(d);
        break;
      case VoiceOp.Video:
        this.#onVideo(d);
        break;
      case VoiceOp.VoiceBackendVersion:
        this.send(VoiceOp.VoiceBackendVersion, { voice: '0.0.0-sim', rtc_worker: '0.0.0-sim' });
        break;
      case VoiceOp.DaveReadyForTransition:
        group?.onReadyForTransition(this.userId, transitionId);
        break;
      case VoiceOp.DaveInvalidCommitWelcome:
        group?.onInvalidCommitWelcome(this.userId, transitionId);
        break;
      default:
        this.record(
          'opcode',
          `client sent op ${op}, which the voice gateway does not take from clients (protocol.md §2)`,
        );
        this.closeSocket(VoiceClose.UnknownOpcode, 'unknown opcode');
    }
  }

  async #onSelectProtocol(d: unknown): Promise<void> {
    if (!isObject(d) || !isObject(d.data)) {
      this.record('select-protocol', 'op 1 without d.data');
      return this.closeSocket(VoiceClose.DecodeError, 'decode error');
    }
    if (d.protocol !== 'udp') {
      this.record('select-protocol', `protocol ${JSON.stringify(d.protocol)}, want "udp"`);
      return this.closeSocket(VoiceClose.UnknownProtocol, 'unknown protocol');
    }
    const { address, port, mode } = d.data;
    if (typeof mode !== 'string' || !(MODES as readonly string[]).includes(mode)) {
      this.record('select-protocol', `mode ${JSON.stringify(mode)} is not in READY modes`);
      return this.closeSocket(VoiceClose.UnknownEncryptionMode, 'unknown encryption mode');
    }
    if (mode !== TRANSPORT_MODE)
      this.record('select-protocol-mode', `mode ${mode}, our transport selects ${TRANSPORT_MODE}`);
    if (!this.discovered) this.record('select-protocol', 'SELECT_PROTOCOL before UDP IP discovery');
    else if (address !== this.discovered.address || port !== this.discovered.port) {
      this.record(
        'select-protocol',
        `data.address/port ${String(address)}:${String(port)} differ from IP discovery's ${this.discovered.address}:${this.discovered.port}`,
      );
    }
    this.#takeCodecs(d.codecs);
    this.selectedMode = mode;
    this.secretKey = randomBytes(32);
    const daveVersion = this.#daveOffered ? 1 : 0;
    const { group } = await this.credential.media.ready;
    if (this.destroyed) return;
    this.send(VoiceOp.SessionDescription, {
      mode,
      secret_key: [...this.secretKey],
      audio_codec: 'opus',
      video_codec: 'H264',
      media_session_id: randomBytes(16).toString('hex'),
      dave_protocol_version: daveVersion,
    });
    if (daveVersion > 0 && !this.server.context.options.externalSenderBeforeSessionDescription) {
      group.sendExternalSender(this);
    }
    if (this.kind === 'voice') this.#watchKeepalives();
  }

  /** protocol.md §8.2 item 8: main voice sends no media, so a UDP keepalive every 5 s keeps its path open. */
  #watchKeepalives(): void {
    if (this.#keepaliveCheck) return;
    this.#lastKeepaliveAt = Date.now();
    this.#keepaliveCheck = setInterval(() => {
      const silentFor = Date.now() - this.#lastKeepaliveAt;
      if (silentFor > KEEPALIVE_LIMIT_MS) {
        this.record(
          'udp-keepalive',
          `no UDP keepalive on main voice for ${KEEPALIVE_LIMIT_MS} ms (protocol.md §8.2 item 8: every 5 s)`,
        );
      }
    }, 5000).unref();
  }

  #takeCodecs(codecs: unknown): void {
    const list = Array.isArray(codecs) ? codecs.filter(isObject) : [];
    const opus = list.find((c) => c.name === 'opus');
    const h264 = list.find((c) => c.name === 'H264');
    if (opus?.type !== 'audio' || typeof opus.payload_type !== 'number') {
      this.record('codecs', 'SELECT_PROTOCOL codecs lack {name:"opus", type:"audio", payload_type}');
    }
    if (h264?.type !== 'video' || typeof h264.payload_type !== 'number') {
      this.record('codecs', 'SELECT_PROTOCOL codecs lack {name:"H264", type:"video", payload_type}');
    }
    this.payloadTypes = {
      opus: typeof opus?.payload_type === 'number' ? opus.payload_type : 120,
      h264: typeof h264?.payload_type === 'number' ? h264.payload_type : 101,
      rtx: typeof h264?.rtx_payload_type === 'number' ? h264.rtx_payload_type : null,
    };
  }

  #onSpeaking(d: unknown): void {
    if (!isObject(d) || typeof d.speaking !== 'number') {
      this.record('speaking', 'op 5 without a numeric speaking');
      return;
    }
    if (d.ssrc !== this.ssrcs.audio)
      this.record('speaking', `op 5 ssrc ${String(d.ssrc)}, want READY ssrc ${this.ssrcs.audio}`);
    if (this.kind === 'stream' && d.speaking !== 0 && d.speaking !== 2) {
      this.record(
        'speaking-soundshare',
        `op 5 speaking ${d.speaking} on the stream connection, want 2 (soundshare)`,
      );
    }
    this.speaking = d.speaking;
    this.#resumedAt = null;
  }

  #onVideo(d: unknown): void {
    if (!isObject(d)) {
      this.record('video', 'op 12 d is not an object');
      return;
    }
    const { audio, video, rtx } = this.ssrcs;
    if (d.audio_ssrc !== audio)
      this.record('video', `op 12 audio_ssrc ${String(d.audio_ssrc)}, want READY ssrc ${audio}`);
    const off = d.video_ssrc === 0;
    if (!off && d.video_ssrc !== video)
      this.record(
        'video',
        `op 12 video_ssrc ${String(d.video_ssrc)}, want 0 or READY streams[0].ssrc ${video}`,
      );
    if (d.rtx_ssrc !== 0 && d.rtx_ssrc !== rtx)
      this.record('video', `op 12 rtx_ssrc ${String(d.rtx_ssrc)}, want 0 or READY rtx_ssrc ${rtx}`);
    const streams = Array.isArray(d.streams) ? d.streams.filter(isObject) : null;
    if (!streams) {
      this.record('video', 'op 12 without a streams array');
      return;
    }
    const stream = streams[0];
    const active = !off && stream?.active === true;
    if (!active) this.videoOffSeen = true;
    else if (!this.videoOffSeen) {
      this.record('op12-off', 'op 12 went active without the "off" form after READY first (protocol.md §9)');
    }
    if (active && stream) this.#checkActiveStream(stream);
    if (active && this.kind === 'voice')
      this.record(
        'video-on-main',
        'op 12 active video on the main voice connection; our transport sends only the "off" form there',
      );
    this.videoActive = active;
  }

  #checkActiveStream(stream: Record<string, unknown>): void {
    const { video, rtx } = this.ssrcs;
    if (stream.type !== 'video' || stream.rid !== '100' || stream.quality !== 100) {
      this.record(
        'video',
        `op 12 stream type/rid/quality ${String(stream.type)}/${String(stream.rid)}/${String(stream.quality)}, want video/100/100`,
      );
    }
    if (stream.ssrc !== video || stream.rtx_ssrc !== rtx)
      this.record('video', 'op 12 streams[0] ssrc/rtx_ssrc differ from READY');
    if (typeof stream.max_bitrate !== 'number' || stream.max_bitrate <= 0)
      this.record('video', 'op 12 active stream without max_bitrate');
    if (typeof stream.max_framerate !== 'number' || stream.max_framerate <= 0)
      this.record('video', 'op 12 active stream without max_framerate');
    const resolution = stream.max_resolution;
    if (
      !isObject(resolution) ||
      resolution.type !== 'fixed' ||
      typeof resolution.width !== 'number' ||
      typeof resolution.height !== 'number' ||
      resolution.width <= 0 ||
      resolution.height <= 0
    ) {
      this.record(
        'video',
        'op 12 active stream max_resolution is not {type:"fixed", width, height} with the real size',
      );
      this.declaredSize = null;
    } else this.declaredSize = { width: resolution.width, height: resolution.height };
    this.declaredFramerate = typeof stream.max_framerate === 'number' ? stream.max_framerate : null;
  }

  #push(message: SentMessage): void {
    this.#sent.push(message);
    if (this.#sent.length > REPLAY_BUFFER) this.#sent.shift();
    this.#socket?.sendRaw(message.frame);
  }
}
