// A small voice client for testing the simulator itself (not the product's transport): raw ws, a
// dgram socket, davey and node:crypto, following docs/protocol.md step by step.

import { createCipheriv } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { DAVESession, type MediaType } from '@snazzah/davey';
import { WebSocket } from 'ws';
import type { GatewayClientHandle } from '../../../../sim/discord/gateway-hooks.ts';
import { splitAnnexB } from '../../../../sim/discord/voice/h264-stream-checks.ts';
import type { VoiceSim } from '../../../../sim/discord/voice/index.ts';
import { waitFor } from '../../../../sim/wait-for.ts';

export const VIDEO: MediaType = 1;
/** The one-byte-form playout-delay words our transport sends (protocol.md §4.3): 0-10 ms, 0-100 ms. */
const AUDIO_PLAYOUT_DELAY = Buffer.from([0x52, 0, 0, 1]);
const VIDEO_PLAYOUT_DELAY = Buffer.from([0x52, 0, 0, 10]);

/** Stands in for one main-gateway connection: records the dispatches the voice side sends. */
export class FakeGatewayClient implements GatewayClientHandle {
  readonly userId: string;
  readonly sessionId: string;
  readonly dispatches: { t: string; d: Record<string, unknown> }[] = [];
  closedWith: number | null = null;

  constructor(userId: string, sessionId: string) {
    this.userId = userId;
    this.sessionId = sessionId;
  }

  dispatch(eventName: string, data: unknown): void {
    this.dispatches.push({ t: eventName, d: data as Record<string, unknown> });
  }

  close(code: number): void {
    this.closedWith = code;
  }

  latest(t: string): Record<string, unknown> | undefined {
    return this.dispatches.filter((entry) => entry.t === t).at(-1)?.d;
  }
}

export interface IdentifyFields {
  server_id: string;
  user_id: string;
  session_id: string;
  token: string;
  max_dave_protocol_version?: number;
}

interface ReadyData {
  ssrc: number;
  ip: string;
  port: number;
  streams: { ssrc: number; rtx_ssrc: number }[];
}

export class VoiceTestClient {
  ws: WebSocket;
  readonly messages: { op: number; d: unknown }[] = [];
  /** Opcodes of the binary (DAVE) frames received, in order. */
  readonly binaryOps: number[] = [];
  closeCode: number | null = null;
  ready: ReadyData | null = null;
  secretKey: Buffer | null = null;
  discovered: { address: string; port: number } | null = null;
  dave: DAVESession | null = null;
  readonly #userId: string;
  readonly #channelId: string;
  readonly #udp: Socket = createSocket('udp4');
  readonly #recognized = new Set<string>();
  #seq = -1;
  #nonce = 0;
  #rtpSeq = new Map<number, number>();
  #heartbeat: NodeJS.Timeout | null = null;
  #speaking = false;
  #closed = false;
  #pendingDowngrade: number | null = null;
  /** After an executed downgrade the client stops wrapping frames (protocol.md §6.3). */
  downgraded = false;

  constructor(endpoint: string, userId: string, daveChannelId: string) {
    this.#userId = userId;
    this.#channelId = daveChannelId;
    this.ws = this.#connect(endpoint);
    this.#udp.on('message', (datagram) => {
      if (datagram.length === 74 && datagram.readUInt16BE(0) === 2) {
        const address = datagram.toString('ascii', 8, datagram.indexOf(0, 8));
        this.discovered = { address, port: datagram.readUInt16BE(72) };
      }
    });
  }

  #connect(endpoint: string): WebSocket {
    const ws = new WebSocket(`ws://${endpoint}/?v=8`);
    ws.binaryType = 'nodebuffer';
    ws.on('message', (data, isBinary) => this.#onMessage(data as Buffer, isBinary));
    ws.on('close', (code) => {
      if (ws === this.ws) this.closeCode = code;
    });
    return ws;
  }

  /** protocol.md §2.3 Resuming: a new websocket, op 7 with seq_ack; UDP, key and DAVE stay. */
  async resume(
    endpoint: string,
    fields: Omit<IdentifyFields, 'user_id' | 'max_dave_protocol_version'>,
  ): Promise<void> {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.closeCode = null;
    this.ws = this.#connect(endpoint);
    await once(this.ws, 'open');
    this.#json(7, { ...fields, seq_ack: this.#seq });
  }

  async open(): Promise<void> {
    await once(this.ws, 'open');
    await new Promise<void>((resolve) => this.#udp.bind(0, '127.0.0.1', resolve));
  }

  identify(fields: IdentifyFields): void {
    this.#json(0, {
      ...fields,
      video: true,
      streams: [{ type: 'screen', rid: '100', quality: 100 }],
      max_dave_protocol_version: fields.max_dave_protocol_version ?? 1,
    });
  }

  /** IP discovery, then SELECT_PROTOCOL with the discovered address and the codecs of protocol.md §4.1. */
  async selectProtocol(): Promise<void> {
    const ready = await waitFor('READY', () => this.ready);
    const request = Buffer.alloc(74);
    request.writeUInt16BE(1, 0);
    request.writeUInt16BE(70, 2);
    request.writeUInt32BE(ready.ssrc, 4);
    this.#udp.send(request, ready.port, ready.ip);
    const discovered = await waitFor('IP discovery', () => this.discovered);
    this.#json(12, { audio_ssrc: ready.ssrc, video_ssrc: 0, rtx_ssrc: 0, streams: [] });
    this.#json(1, {
      protocol: 'udp',
      data: { address: discovered.address, port: discovered.port, mode: 'aead_aes256_gcm_rtpsize' },
      codecs: [
        { name: 'opus', type: 'audio', priority: 1000, payload_type: 120 },
        {
          name: 'H264',
          type: 'video',
          priority: 1000,
          payload_type: 101,
          rtx_payload_type: 102,
          encode: true,
          decode: true,
        },
      ],
    });
    await waitFor('SESSION_DESCRIPTION', () => this.secretKey);
  }

  startStreaming(width: number, height: number): void {
    const ready = this.ready!;
    this.#json(5, { speaking: 2, delay: 0, ssrc: ready.ssrc });
    this.#speaking = true;
    const video = ready.streams[0]!;
    this.#json(12, {
      audio_ssrc: ready.ssrc,
      video_ssrc: video.ssrc,
      rtx_ssrc: video.rtx_ssrc,
      streams: [
        {
          type: 'video',
          rid: '100',
          ssrc: video.ssrc,
          rtx_ssrc: video.rtx_ssrc,
          active: true,
          quality: 100,
          max_bitrate: 2_500_000,
          max_framerate: 30,
          max_resolution: { type: 'fixed', width, height },
        },
      ],
    });
  }

  /** An encrypted RTCP sender report (protocol.md §4.7, 5.1) for the audio or video SSRC, NTP = now. */
  sendSenderReport(media: 'audio' | 'video', rtpTimestamp: number, packets: number, octets: number): void {
    const header = Buffer.from([0x80, 200, 0, 6, 0, 0, 0, 0]);
    header.writeUInt32BE(media === 'audio' ? this.ready!.ssrc : this.ready!.streams[0]!.ssrc, 4);
    const info = Buffer.alloc(20);
    const now = Date.now();
    info.writeUInt32BE(Math.floor(now / 1000) + 2_208_988_800, 0);
    info.writeUInt32BE(Math.floor(((now % 1000) / 1000) * 2 ** 32), 4);
    info.writeUInt32BE(rtpTimestamp >>> 0, 8);
    info.writeUInt32BE(packets, 12);
    info.writeUInt32BE(octets, 16);
    this.#sendSealed(header, info);
  }

  /** Sends an RTP packet whose nonce repeats the previous one (a client bug the simulator must catch). */
  sendOpusWithStaleNonce(frame: Buffer, timestamp: number): void {
    this.#nonce -= 1;
    this.sendOpus(frame, timestamp);
  }

  sendClearOpus(frame: Buffer, timestamp: number): void {
    this.#sendRtp(this.ready!.ssrc, 120, timestamp, true, AUDIO_PLAYOUT_DELAY, frame);
  }

  /** protocol.md §1.4 "To stop" on the stream connection: speaking 0 and op 12 with no active stream. */
  stopStreaming(): void {
    this.#speaking = false;
    this.#json(5, { speaking: 0, delay: 0, ssrc: this.ready!.ssrc });
    this.#json(12, { audio_ssrc: this.ready!.ssrc, video_ssrc: 0, rtx_ssrc: 0, streams: [] });
  }

  sendOpus(frame: Buffer, timestamp: number): void {
    const payload = this.dave?.ready && !this.downgraded ? this.dave.encryptOpus(frame) : frame;
    this.#sendRtp(this.ready!.ssrc, 120, timestamp, true, AUDIO_PLAYOUT_DELAY, payload);
  }

  /** Sends one H.264 access unit as FU-A / single NAL packets with the playout-delay extension. */
  sendH264(accessUnit: Buffer, timestamp: number): void {
    const frame = this.dave?.ready ? this.dave.encrypt(VIDEO, 4, accessUnit) : accessUnit;
    const nals = splitAnnexB(frame);
    const packets: Buffer[] = [];
    for (const nal of nals) {
      if (nal.length <= 1200) {
        packets.push(nal);
        continue;
      }
      const header = nal[0]!;
      for (let at = 1; at < nal.length; at += 1200) {
        const chunk = nal.subarray(at, Math.min(at + 1200, nal.length));
        const fu = (at === 1 ? 0x80 : 0) | (at + 1200 >= nal.length ? 0x40 : 0) | (header & 0x1f);
        packets.push(Buffer.concat([Buffer.from([(header & 0xe0) | 28, fu]), chunk]));
      }
    }
    packets.forEach((payload, i) => {
      this.#sendRtp(
        this.ready!.streams[0]!.ssrc,
        101,
        timestamp,
        i === packets.length - 1,
        VIDEO_PLAYOUT_DELAY,
        payload,
      );
    });
  }

  async close(): Promise<void> {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#udp.close();
    } catch (error) {
      // Already closed (the socket went away first under load): nothing left to release.
      if ((error as NodeJS.ErrnoException).code !== 'ERR_SOCKET_DGRAM_NOT_RUNNING') throw error;
    }
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = once(this.ws, 'close');
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
    else this.ws.terminate();
    await closed;
  }

  #sendRtp(
    ssrc: number,
    pt: number,
    timestamp: number,
    marker: boolean,
    extension: Buffer | null,
    payload: Buffer,
  ): void {
    const seq = ((this.#rtpSeq.get(ssrc) ?? 1000) + 1) & 0xffff;
    this.#rtpSeq.set(ssrc, seq);
    const header = Buffer.alloc(extension ? 16 : 12);
    header[0] = extension ? 0x90 : 0x80;
    header[1] = (marker ? 0x80 : 0) | pt;
    header.writeUInt16BE(seq, 2);
    header.writeUInt32BE(timestamp >>> 0, 4);
    header.writeUInt32BE(ssrc, 8);
    if (extension) {
      header.writeUInt16BE(0xbede, 12);
      header.writeUInt16BE(extension.length / 4, 14);
    }
    this.#sendSealed(header, extension ? Buffer.concat([extension, payload]) : payload);
  }

  /** rtpsize AEAD: the clear header is AAD; ciphertext, tag, then the u32 BE nonce counter. */
  #sendSealed(clearHeader: Buffer, plaintext: Buffer): void {
    const nonce = ++this.#nonce;
    const iv = Buffer.alloc(12);
    iv.writeUInt32BE(nonce, 0);
    const cipher = createCipheriv('aes-256-gcm', this.secretKey!, iv);
    cipher.setAAD(clearHeader);
    const sealed = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const suffix = Buffer.alloc(4);
    suffix.writeUInt32BE(nonce);
    this.#udp.send(
      Buffer.concat([clearHeader, sealed, cipher.getAuthTag(), suffix]),
      this.ready!.port,
      this.ready!.ip,
    );
  }

  #reinit(): void {
    if (!this.dave) return;
    this.dave.reinit(1, this.#userId, this.#channelId);
    this.#binary(26, this.dave.getSerializedKeyPackage());
  }

  #json(op: number, d: unknown): void {
    this.ws.send(JSON.stringify({ op, d }));
  }

  #binary(op: number, payload: Buffer): void {
    this.ws.send(Buffer.concat([Buffer.from([op]), payload]));
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    if (isBinary) {
      this.#seq = data.readUInt16BE(0);
      this.binaryOps.push(data[2]!);
      this.#onDave(data[2]!, data.subarray(3));
      return;
    }
    const message = JSON.parse(data.toString()) as { op: number; d: Record<string, unknown>; seq?: number };
    if (typeof message.seq === 'number') this.#seq = message.seq;
    this.messages.push(message);
    const d = message.d;
    switch (message.op) {
      case 8:
        this.#heartbeat = setInterval(
          () => this.#json(3, { t: Date.now(), seq_ack: this.#seq }),
          d.heartbeat_interval as number,
        );
        return;
      case 2:
        this.ready = d as unknown as ReadyData;
        return;
      case 9:
        if (this.#speaking) this.#json(5, { speaking: 2, delay: 0, ssrc: this.ready!.ssrc });
        return;
      case 4:
        this.secretKey = Buffer.from(d.secret_key as number[]);
        if ((d.dave_protocol_version as number) > 0) {
          this.dave = new DAVESession(1, this.#userId, this.#channelId);
          this.#binary(26, this.dave.getSerializedKeyPackage());
        }
        return;
      case 11:
        for (const id of d.user_ids as string[]) this.#recognized.add(id);
        return;
      case 13:
        this.#recognized.delete(d.user_id as string);
        return;
      case 24:
        // Sole-member reset or upgrade (protocol.md §6.3): reinit and a new key package.
        this.downgraded = false;
        this.#reinit();
        return;
      case 21:
        if (d.protocol_version === 0) {
          this.#pendingDowngrade = d.transition_id as number;
          this.#json(23, { transition_id: d.transition_id });
        }
        return;
      case 22:
        if (d.transition_id === this.#pendingDowngrade) this.downgraded = true;
        return;
    }
  }

  #onDave(op: number, payload: Buffer): void {
    const dave = this.dave!;
    if (op === 25) dave.setExternalSender(payload);
    if (op === 27) {
      const result = dave.processProposals(payload[0]!, payload.subarray(1), [...this.#recognized]);
      if (result.commit)
        this.#binary(28, result.welcome ? Buffer.concat([result.commit, result.welcome]) : result.commit);
    }
    if (op === 29 || op === 30) {
      const transitionId = payload.readUInt16BE(0);
      try {
        if (op === 29) dave.processCommit(payload.subarray(2));
        else dave.processWelcome(payload.subarray(2));
      } catch {
        // protocol.md §6.3: op 31, then re-initialise with a new key package.
        this.#json(31, { transition_id: transitionId });
        this.#reinit();
        return;
      }
      this.#json(23, { transition_id: transitionId });
    }
  }
}

export const GUILD = '111111111111111111';
export const CHANNEL = '222222222222222222';
export const USER = '333333333333333333';
export const SESSION = 'main-gateway-session-1';

export function joinVoice(sim: VoiceSim, gateway: FakeGatewayClient): void {
  sim.opHandler(gateway, 4, {
    guild_id: GUILD,
    channel_id: CHANNEL,
    self_mute: false,
    self_deaf: true,
    self_video: false,
  });
}

export interface LiveStream {
  readonly gateway: FakeGatewayClient;
  readonly main: VoiceTestClient;
  readonly stream: VoiceTestClient;
  readonly streamKey: string;
  readonly rtcServerId: string;
  readonly streamToken: string;
  readonly streamEndpoint: string;
}

/** The protocol.md §1.4 start sequence with the test client: main voice with DAVE, op 18, stream with DAVE. */
export async function goLive(sim: VoiceSim, track: (client: VoiceTestClient) => void): Promise<LiveStream> {
  const gateway = new FakeGatewayClient(USER, SESSION);
  joinVoice(sim, gateway);
  const voiceServer = gateway.latest('VOICE_SERVER_UPDATE')!;
  const main = new VoiceTestClient(String(voiceServer.endpoint), USER, CHANNEL);
  track(main);
  await main.open();
  main.identify({ server_id: GUILD, user_id: USER, session_id: SESSION, token: String(voiceServer.token) });
  await main.selectProtocol();
  await waitFor('main voice DAVE ready', () => main.dave?.ready);
  sim.opHandler(gateway, 18, { type: 'guild', guild_id: GUILD, channel_id: CHANNEL, preferred_region: null });
  const created = gateway.latest('STREAM_CREATE')!;
  const streamServer = gateway.latest('STREAM_SERVER_UPDATE')!;
  const stream = new VoiceTestClient(String(streamServer.endpoint), USER, String(created.rtc_channel_id));
  track(stream);
  await stream.open();
  stream.identify({
    server_id: String(created.rtc_server_id),
    user_id: USER,
    session_id: SESSION,
    token: String(streamServer.token),
  });
  await stream.selectProtocol();
  await waitFor('stream DAVE ready', () => stream.dave?.ready);
  await waitFor('op 22 execute transition', () => stream.messages.some((m) => m.op === 22));
  return {
    gateway,
    main,
    stream,
    streamKey: String(created.stream_key),
    rtcServerId: String(created.rtc_server_id),
    streamToken: String(streamServer.token),
    streamEndpoint: String(streamServer.endpoint),
  };
}
