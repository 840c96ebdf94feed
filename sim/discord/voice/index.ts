// Voice/stream side of the Discord simulator (issue 5 item 7): the referee for the Go Live transport.
//
// Usage:
//   const voice = await startVoiceSim({
//     profile: 'orb-transport',                                 // our transport's own promises too (profile.ts)
//     outputDir: '/tmp/run1',
//     mainGatewayDispatchesVoiceState: true,                   // with sim/discord/gateway
//     gatewayClients: (userId) => gateway.clients({ userId }),  // follows main-gateway reconnects
//   });
//   gateway.addOpHandler(voice.opHandler);
//   // hand voice.opHandler to the main gateway (sim/discord/gateway-hooks.ts GatewayOpHandler);
//   // the client's op 4 / 18 / 19 / 21 / 22 then get VOICE_STATE_UPDATE, VOICE_SERVER_UPDATE,
//   // STREAM_CREATE, STREAM_SERVER_UPDATE, STREAM_UPDATE, STREAM_DELETE dispatches.
//   ... stream ...
//   voice.viewer.setMode('count');  // count and time frames only: no decryption, checks or files
//   voice.viewer.counters();  // videoFramesReceived, audioFramesReceived, daveDecryptOk, daveDecryptFailed, …
//   voice.viewer.videoFrames / audioFrames  // per frame: rtpTimestamp, receivedAtMs, daveDecrypted
//   voice.senderReports(), voice.senderTimeMs(ssrc, rtp)  // RTCP SRs (NTP ↔ RTP), for the A/V offset
//   frame.outputPosition                    // video: index in video.h264; audio: first sample in audio.ogg
//   voice.viewer.files                      // video.h264 (Annex B), audio.ogg (Ogg Opus), video-transport-only.h264
//   voice.faults.closeConnection('stream', 4015); voice.faults.dropUdp(2000); voice.faults.refuseUdp(2000);
//   voice.faults.network({ uplink: { lossPercent: 2, burstLength: 1, delayMs: 20, seed: 7 } }, 'stream');
//   voice.sessions('stream')[0].receiver.videoFeedback  // NACKs sent, RTX recovered, keyframe waits
//   await voice.faults.moveServer('stream');
//   voice.faults.deleteStream(userId); voice.faults.kick(userId);
//   voice.faults.viewerLeavesStreams(); voice.faults.viewerJoinsStreams();  // DAVE reset, then Add + commit
//   voice.faults.daveDowngrade('stream'); voice.faults.daveUpgrade('stream'); voice.faults.daveBrokenCommit('stream');
//   voice.faults.daveLoseNextKeyPackage('stream'); voice.faults.invalidateMainSession(userId);  // 4014 on both
//   assert.deepEqual(voice.divergences, []);  // every deviation the profile checks, one line per kind
//   await voice.stop();
//
// Endpoints are `127.0.0.1:<port>` like Discord's `host:port`. Without `tls` a client pointed at it
// must connect with `ws://` where Discord needs `wss://`; with `tls: true` the voice gateways speak
// wss:// with a fresh self-signed certificate (`voice.certificate`) the client must trust. Everything
// binds 127.0.0.1.
//
// Strictness: under the default profile `discord`, what Discord's voice servers accept (the official
// @discordjs/voice client passes it, npm run conformance); under `orb-transport`, also the choices our
// own transport makes, listed in one place (profile.ts). Between them they check protocol.md, §9
// first: IDENTIFY server_id/user_id/session_id/token (wrong ones are refused with 4011/4004/4006),
// video/streams/max_dave_protocol_version (no DAVE → 4017), heartbeats and seq_ack (incl. binary seq),
// IP discovery before SELECT_PROTOCOL with the discovered address and one UDP socket per connection,
// mode aead_aes256_gcm_rtpsize, opus/H264 codecs, op 12 "off" then active with the real size, SPEAKING 2
// before audio (and again after RESUMED), UDP keepalives on main voice, the transport nonce per
// connection, payload types, SSRCs, RTP sequence, marker bits, timestamps only moving forward, the
// header extensions (well-formed; DVS 6's playout delays under orb-transport), 1200-byte FU-A chunks,
// H.264 (no AUD, SPS/PPS before IDR, an IDR at least every 3 s under orb-transport, an SPS VUI with bitstream restrictions,
// size matching op 12), RTCP SRs (present, NTP and RTP times coherent), the DAVE key package
// (signature keys unique among members) / commit / welcome / op 23 / op 31 flow, DAVE frame
// format, clear media while DAVE is active, media on main voice, media while paused or after op 19,
// the stop sequence (speaking 0 and op 12 off before op 19), op 19 before leaving voice, leaving the
// old server after a move. Each lands in `divergences` as `<voice|stream|gateway>:<kind>: <detail>`.
//
// Loss recovery (protocol.md §4.8): the SFU puts video back in sequence order, NACKs gaps, re-NACKs
// after a round trip (up to 10 times), gives a gap up at its 250 ms playout deadline and sends PLIs
// while the picture is broken, as libwebrtc receivers do. RTX must carry the advertised RTX PT on
// the RTX SSRC and repeat a packet actually sent (OSN, timestamp, marker, payload). Under a network
// model with impairments, gaps, repeats and disorder in nonces and sequence numbers are the network's.
//
// Deliberate choices where protocol.md is silent: the SFU's media-time windows allow packets in flight
// (300 ms around pause/stop, 500 ms around DAVE transitions and RESUMED); the viewer sits in the voice
// channel too, so main voice forms a real DAVE group; whose commit wins is `committer`.
import type { GatewayClientHandle, GatewayOpHandler } from '../gateway-hooks.ts';
import type { CommitterPolicy } from './dave-group.ts';
import { DivergenceLog } from './divergences.ts';
import type { MediaPortKind } from './media-port.ts';
import type { SenderReportRecord } from './media-receiver.ts';
import type { ConnectionKind } from './media-session.ts';
import type { NetworkConditions } from './network-model.ts';
import type { SimProfile } from './profile.ts';
import { VoiceSimulator } from './simulator.ts';
import { selfSignedCertificate } from './tls-certificate.ts';
import { Viewer } from './viewer.ts';
import type { VoiceServer } from './voice-server.ts';
import type { VoiceSession } from './voice-session.ts';

export type { ConnectionKind } from './media-session.ts';
export type { NetworkConditions } from './network-model.ts';
export type { SimProfile } from './profile.ts';
export type { ReceivedFrame, Viewer, ViewerMode, ViewerOutputFiles } from './viewer.ts';
export type { VoiceSession } from './voice-session.ts';

export interface VoiceSimOptions {
  /** What clients are held to (default 'discord': what Discord accepts; see profile.ts). */
  profile?: SimProfile;
  /** Serve the voice gateways as wss:// with a fresh self-signed certificate (default false: ws://). */
  tls?: boolean;
  /** Where the viewer writes video.h264, audio.ogg and video-transport-only.h264; no files when omitted. */
  outputDir?: string;
  /** HELLO heartbeat_interval (default 13 750 ms). */
  heartbeatIntervalMs?: number;
  /** Refuse clients without DAVE with 4017 (default true, as Discord since March 2026). */
  requireDave?: boolean;
  /** The viewer's user id (default 900000000000000001). */
  viewerUserId?: string;
  /** The viewer also sits in the voice channel, so main voice forms a DAVE group (default true). */
  viewerInVoiceChannel?: boolean;
  /** STREAM_CREATE carries rtc_channel_id (default true; false makes clients use rtc_server_id − 1). */
  includeRtcChannelId?: boolean;
  /** Dispatch STREAM_SERVER_UPDATE before STREAM_CREATE (default false; clients must take either order, protocol.md §1.4). */
  streamServerUpdateFirst?: boolean;
  /** Send op 25 before SESSION_DESCRIPTION (default false; protocol.md §10 item 2: clients must buffer it). */
  externalSenderBeforeSessionDescription?: boolean;
  /** Whose commit wins when the client and the viewer both commit (default 'client'). */
  committer?: CommitterPolicy;
  /** How long a dropped voice websocket stays resumable (default 30 000 ms). */
  resumeWindowMs?: number;
  /** After a server move, how long the old websocket may stay open (default 5 000 ms). */
  moveGraceMs?: number;
  /**
   * Set when the main gateway itself answers op 4 with VOICE_STATE_UPDATE (sim/discord/gateway does),
   * so the client does not get two; VOICE_STATE_UPDATE for self_stream changes is still sent.
   */
  mainGatewayDispatchesVoiceState?: boolean;
  /**
   * The user's current main-gateway connections (e.g. `(id) => gateway.clients({ userId: id })`), so
   * dispatches and faults reach a client that reconnected its main gateway. Default: the connection
   * that sent the opcode.
   */
  gatewayClients?: (userId: string) => GatewayClientHandle[];
  /**
   * Read media on a thread of its own, so arrival times hold while the simulators are busy (default
   * 'loop': on the simulators' event loop, in order with the voice gateway; see media-port.ts).
   */
  mediaPort?: MediaPortKind;
}

export interface VoiceSimFaults {
  closeConnection(kind: ConnectionKind, code: number, reason?: string): number;
  dropUdp(ms: number, kind?: ConnectionKind): void;
  /** The UDP port closes for `ms` (ICMP port unreachable), then reopens on the same number. */
  refuseUdp(ms: number, kind?: ConnectionKind): void;
  /**
   * Loss, bursts, reordering, duplication, delay and jitter on the media path of the current
   * servers of `kind` (both when omitted), per direction, from a seeded generator.
   */
  network(network: { uplink?: NetworkConditions; downlink?: NetworkConditions }, kind?: ConnectionKind): void;
  moveServer(kind: ConnectionKind, closeOldWith?: number): Promise<VoiceServer>;
  deleteStream(userId: string, options?: { reason?: string; unavailable?: boolean }): void;
  restoreStream(userId: string, streamKey: string): void;
  kick(userId: string): void;
  viewerLeavesStreams(): void;
  /** `connectMs`: how long after STREAM_UPDATE lists the viewer its DAVE Add starts (default 0). */
  viewerJoinsStreams(connectMs?: number): void;
  daveDowngrade(kind: ConnectionKind): void;
  daveUpgrade(kind: ConnectionKind): void;
  daveBrokenCommit(kind: ConnectionKind): void;
  /** The SFU loses the client's next DAVE key package on `kind`: it is never added to that group. */
  daveLoseNextKeyPackage(kind: ConnectionKind): void;
  /** A new main gateway session (READY after a re-IDENTIFY) for `userId`: both voice connections get 4014. */
  invalidateMainSession(userId: string): number;
}

export interface VoiceSim {
  readonly opHandler: GatewayOpHandler;
  readonly viewer: Viewer;
  readonly faults: VoiceSimFaults;
  /** Live list of divergences the profile checks, one line per kind. */
  readonly divergences: string[];
  /** With `tls`: the voice gateways' certificate (PEM), for the client's trusted CAs; else null. */
  readonly certificate: string | null;
  divergenceCounts(): Record<string, number>;
  /** Identified voice sessions (connected or waiting for a RESUME). */
  sessions(kind?: ConnectionKind): VoiceSession[];
  /** Sessions with an open websocket: after a clean stop there are none. */
  connectedSessions(): VoiceSession[];
  senderReports(): SenderReportRecord[];
  /**
   * The sender's wall-clock time (ms since the epoch) of an RTP timestamp on `ssrc`, from the latest
   * RTCP sender report for that SSRC (protocol.md §4.7); null before the first report. Applied to an audio
   * and a video frame that should coincide, the difference is the A/V offset the sender produced.
   */
  senderTimeMs(ssrc: number, rtpTimestamp: number): number | null;
  streamKeyOf(userId: string): string | null;
  isPaused(userId: string): boolean;
  /** Server name, endpoint and UDP port of every voice server started (moves add more). */
  servers(): { name: string; endpoint: string; udpPort: number }[];
  stop(): Promise<void>;
}

export async function startVoiceSim(options: VoiceSimOptions = {}): Promise<VoiceSim> {
  const log = new DivergenceLog(options.profile ?? 'discord');
  const tls = options.tls ? selfSignedCertificate('orb voice simulator') : null;
  const viewer = new Viewer(options.outputDir ?? null, log);
  const simulator = new VoiceSimulator(
    log,
    viewer,
    {
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 13_750,
      requireDave: options.requireDave ?? true,
      externalSenderBeforeSessionDescription: options.externalSenderBeforeSessionDescription ?? false,
      resumeWindowMs: options.resumeWindowMs ?? 30_000,
      tls,
      mediaPort: options.mediaPort ?? 'loop',
    },
    {
      viewerUserId: options.viewerUserId ?? '900000000000000001',
      viewerInVoiceChannel: options.viewerInVoiceChannel ?? true,
      includeRtcChannelId: options.includeRtcChannelId ?? true,
      streamServerUpdateFirst: options.streamServerUpdateFirst ?? false,
      committer: options.committer ?? 'client',
      moveGraceMs: options.moveGraceMs ?? 5000,
      mainGatewayDispatchesVoiceState: options.mainGatewayDispatchesVoiceState ?? false,
      gatewayClients: options.gatewayClients,
    },
  );
  await simulator.start();
  let stopped = false;
  return {
    opHandler: (client, op, data) => simulator.handle(client, op, data),
    viewer,
    faults: {
      closeConnection: (kind, code, reason) => simulator.closeConnection(kind, code, reason),
      dropUdp: (ms, kind) => simulator.dropUdp(ms, kind),
      refuseUdp: (ms, kind) => simulator.refuseUdp(ms, kind),
      network: (network, kind) => simulator.setNetwork(network, kind),
      moveServer: (kind, closeOldWith) => simulator.moveServer(kind, closeOldWith),
      deleteStream: (userId, deleteOptions) => simulator.deleteStream(userId, deleteOptions),
      restoreStream: (userId, streamKey) => simulator.restoreStream(userId, streamKey),
      kick: (userId) => simulator.kick(userId),
      viewerLeavesStreams: () => simulator.viewerLeavesStreams(),
      viewerJoinsStreams: (connectMs) => simulator.viewerJoinsStreams(connectMs),
      daveDowngrade: (kind) => simulator.daveDowngrade(kind),
      daveUpgrade: (kind) => simulator.daveUpgrade(kind),
      daveBrokenCommit: (kind) => simulator.daveBrokenCommit(kind),
      daveLoseNextKeyPackage: (kind) => simulator.daveLoseNextKeyPackage(kind),
      invalidateMainSession: (userId) => simulator.invalidateMainSession(userId),
    },
    divergences: log.list,
    certificate: tls?.cert ?? null,
    divergenceCounts: () => log.counts(),
    sessions: (kind) => simulator.sessions(kind),
    connectedSessions: () => simulator.sessions().filter((session) => session.connected),
    senderReports: () => simulator.sessions().flatMap((session) => session.receiver.senderReports),
    senderTimeMs: (ssrc, rtpTimestamp) => {
      const session = simulator.sessions().find((s) => s.ssrcs.audio === ssrc || s.ssrcs.video === ssrc);
      return session?.receiver.senderTimeMs(ssrc, rtpTimestamp) ?? null;
    },
    streamKeyOf: (userId) => simulator.streamKeyOf(userId),
    isPaused: (userId) => simulator.isPaused(userId),
    servers: () => simulator.servers.map((s) => ({ name: s.name, endpoint: s.endpoint, udpPort: s.udpPort })),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await simulator.stop();
      await viewer.close();
    },
  };
}
