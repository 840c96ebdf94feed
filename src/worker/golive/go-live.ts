// One Go Live: the voice-channel connection, the stream connection and the main-gateway dialogue
// that creates, pauses, moves and ends them (brief §1.4, §8). The connections only report how they
// ended; this class decides: resume happened inside them already, so here it is a fresh reconnect,
// a server move, a full restart after a main-session reset, or giving up with a clear reason.
import { generateP256Keypair, type SigningKeyPair } from '@snazzah/davey';
import { type Logger, registerSecrets } from '../../logger.ts';
import type { AudioFrame, NowPlaying, StreamVideoParameters, VideoFrame } from '../media-sink.ts';
import { H264Preparer } from './h264.ts';
import {
  type GoLiveDispatch,
  guildStreamKey,
  type MainGateway,
  MainOp,
  parseGoLiveDispatch,
  type StreamCreate,
  type StreamDelete,
  type StreamServerUpdate,
  streamDaveGroupId,
  type VoiceServerUpdate,
  type VoiceStateUpdate,
} from './main-gateway.ts';
import { posterPreviewDataUrl } from './preview.ts';
import {
  type ConnectionKind,
  type ConnectionOutcome,
  describeOutcome,
  VoiceConnection,
} from './voice-connection.ts';

const VOICE_CREDENTIALS_TIMEOUT_MS = 10_000;
const STREAM_CREDENTIALS_TIMEOUT_MS = 20_000;
/** How long a STREAM_PING may take to bring new stream credentials before we recreate the stream. */
const STREAM_PING_TIMEOUT_MS = 5_000;
/** An outage (STREAM_DELETE unavailable) may last this long before we give up. */
const STREAM_OUTAGE_TIMEOUT_MS = 60_000;
const CONNECTION_READY_TIMEOUT_MS = 15_000;
/**
 * After a 4014, how long to wait for the main gateway to explain it (move, kick, delete, READY); and
 * the other way round, how long after READY a 4014 is still taken for the session reset (§8.2 item 5).
 */
const DISCONNECT_EXPLANATION_MS = 5_000;
/** After a STREAM_DELETE, how long to wait for a voice state that says we were removed. */
const STREAM_END_EXPLANATION_MS = 1_000;
/** How often the watchdog looks and how long a stall may last before it reconnects (§8.2 item 10). */
export interface WatchdogTimings {
  intervalMs: number;
  /** Frames offered but none leaving for this long is a stall. */
  stallMs: number;
  /** Viewers present but the DAVE group not ready for this long is a stall too. */
  daveStallMs: number;
}

const DEFAULT_WATCHDOG: WatchdogTimings = { intervalMs: 2_000, stallMs: 10_000, daveStallMs: 30_000 };
const STATS_LOG_INTERVAL_MS = 60_000;
const PREVIEW_INTERVAL_MS = 300_000;
/** Pause between the stream connection's stop ops and op 19 on the main gateway. */
const STOP_SETTLE_MS = 50;
/** More reconnects than this within the window means something is wrong that retrying won't fix. */
const MAX_RECOVERIES = 6;
const RECOVERY_WINDOW_MS = 10 * 60_000;
/** SPEAKING flag for "soundshare" audio (brief §2.2). */
const SPEAKING_SOUNDSHARE = 2;

export interface GoLiveSessionOptions {
  gateway: MainGateway;
  guildId: string;
  voiceChannelId: string;
  /** ws:// to the voice servers (the simulator); wss:// otherwise. */
  insecure: boolean;
  log: Logger;
  /** Production uses the defaults; tests shorten them instead of waiting half a minute. */
  watchdog?: Partial<WatchdogTimings>;
}

/** Where the Go Live is in its life; the connections have their own, finer states. */
export type GoLivePhase = 'idle' | 'starting' | 'live' | 'closing' | 'closed';

type RecoveryKind = ConnectionKind | 'restart' | 'stream-outage';

export interface GoLiveStats {
  phase: GoLivePhase;
  paused: boolean;
  videoFramesOffered: number;
  audioFramesOffered: number;
  videoFramesSent: number;
  audioFramesSent: number;
  /** Frames the stream connection could not send: not connected, waiting for a keyframe, DAVE. */
  videoFramesDropped: number;
  daveActive: boolean;
  daveReady: boolean;
  daveEpoch: number | null;
  daveDroppedNotReady: number;
  daveDroppedEncryptFailed: number;
  encryptMicrosPerFrame: number;
  packetsSent: number;
  recoveries: number;
  viewers: number;
}

export class GoLiveSession {
  readonly #gateway: MainGateway;
  readonly #guildId: string;
  readonly #voiceChannelId: string;
  readonly #insecure: boolean;
  readonly #log: Logger;
  readonly #streamKey: string;
  readonly #watchdogTimings: WatchdogTimings;
  /** One identity key for both connections and every reinit (brief §6.2). */
  readonly #keyPair: SigningKeyPair = generateP256Keypair();
  readonly #preparer = new H264Preparer();
  readonly #lifetime = new AbortController();
  #phase: GoLivePhase = 'idle';
  #voice: VoiceConnection | null = null;
  #stream: VoiceConnection | null = null;
  #voiceState: VoiceStateUpdate | null = null;
  #voiceServer: VoiceServerUpdate | null = null;
  #streamCreate: StreamCreate | null = null;
  #streamServer: StreamServerUpdate | null = null;
  #streamDelete: StreamDelete | null = null;
  /**
   * Open for DISCONNECT_EXPLANATION_MS after READY: a 4014 within it is the voice servers dropping the
   * old session. A later one is not; it goes by the close-code policy (a kick must stay fatal).
   */
  #mainSessionResetWindow: NodeJS.Timeout | null = null;
  /** In a voice channel as far as we know: op 4 joined, and no voice state has shown us out since. */
  #inVoice = false;
  /** op 18 sent and no final STREAM_DELETE since. */
  #streamRequested = false;
  #tornDown = false;
  #viewers = 0;
  #video: StreamVideoParameters | null = null;
  #nowPlaying: NowPlaying | null = null;
  #paused = false;
  #pausedAt = 0;
  #resumePending = false;
  #lastPtsMs = 0;
  #ptsOffsetMs = 0;
  #lastOfferedAt = 0;
  /** The stream connection the watchdog clocks below belong to; a new connection starts them afresh. */
  #watchedStream: VoiceConnection | null = null;
  /** Since when this connection should be sending (live, unpaused, frames offered, DAVE ready). */
  #sendExpectedSince: number | null = null;
  /** Since when viewers have been waiting for this connection's DAVE group. */
  #daveWaitingSince: number | null = null;
  #lastStatsLogAt = 0;
  readonly #waiters = new Set<() => void>();
  readonly #pendingRecoveries = new Set<RecoveryKind>();
  #recoveryChain: Promise<void> = Promise.resolve();
  #recoveryTimes: number[] = [];
  #recoveries = 0;
  #watchdog: NodeJS.Timeout | null = null;
  #previewTimer: NodeJS.Timeout | null = null;
  readonly #fatalListeners: Array<(error: Error) => void> = [];
  #unsubscribe: (() => void) | null = null;
  #counts = { videoOffered: 0, audioOffered: 0, videoDropped: 0 };
  /** Counters of connections that were replaced, so stats cover the whole run. */
  #retired = {
    videoSent: 0,
    audioSent: 0,
    packets: 0,
    encrypted: 0,
    encryptMicros: 0,
    notReady: 0,
    failed: 0,
  };

  constructor(options: GoLiveSessionOptions) {
    this.#gateway = options.gateway;
    this.#guildId = options.guildId;
    this.#voiceChannelId = options.voiceChannelId;
    this.#insecure = options.insecure;
    this.#log = options.log.child({ component: 'golive' });
    this.#streamKey = guildStreamKey(options.guildId, options.voiceChannelId, options.gateway.userId);
    this.#watchdogTimings = { ...DEFAULT_WATCHDOG, ...options.watchdog };
  }

  get phase(): GoLivePhase {
    return this.#phase;
  }

  onFatal(listener: (error: Error) => void): void {
    this.#fatalListeners.push(listener);
  }

  /** Joins the voice channel and goes live (brief §1.4 steps 1-7). */
  async open(video: StreamVideoParameters): Promise<void> {
    if (this.#phase !== 'idle') throw new Error(`cannot open a Go Live that is ${this.#phase}`);
    this.#phase = 'starting';
    this.#video = video;
    this.#unsubscribe = this.#gateway.onDispatch((event, data) => this.#onDispatch(event, data));
    try {
      await this.#establish();
    } catch (error) {
      await this.#teardown();
      this.#phase = 'closed';
      throw error;
    }
    if (this.#phase !== 'starting') throw new Error('the Go Live was closed while it was starting');
    this.#phase = 'live';
    this.#watchdog = setInterval(() => this.#checkWatchdog(), this.#watchdogTimings.intervalMs);
    this.#watchdog.unref();
    this.#log.info({ streamKey: this.#streamKey }, 'Go Live is up');
  }

  async beginItem(item: NowPlaying, video: StreamVideoParameters): Promise<void> {
    this.#nowPlaying = item;
    const changed =
      !this.#video ||
      this.#video.width !== video.width ||
      this.#video.height !== video.height ||
      this.#video.fps !== video.fps ||
      this.#video.maxBitrateKbps !== video.maxBitrateKbps;
    this.#video = video;
    if (changed) this.#stream?.announceVideo(video);
    this.#stream?.requireKeyframe();
    this.#schedulePreview(0);
  }

  sendVideo(frame: VideoFrame): void {
    this.#counts.videoOffered += 1;
    this.#lastOfferedAt = performance.now();
    const stream = this.#stream;
    if (this.#phase !== 'live' || this.#paused || !stream) {
      this.#counts.videoDropped += 1;
      return;
    }
    const prepared = this.#preparer.prepare(frame.data);
    const sent = stream.sendVideo(
      prepared.data,
      this.#timeline(frame.ptsMs),
      prepared.keyframe || frame.keyframe,
    );
    if (!sent) this.#counts.videoDropped += 1;
  }

  sendAudio(frame: AudioFrame): void {
    this.#counts.audioOffered += 1;
    const stream = this.#stream;
    if (this.#phase !== 'live' || this.#paused || !stream) return;
    stream.sendAudio(frame.data, this.#timeline(frame.ptsMs), frame.aheadMs ?? 0);
  }

  /** op 22 tells viewers; while paused no media leaves, heartbeats and keepalives go on (§8.5). */
  setPaused(paused: boolean): void {
    if (paused === this.#paused) return;
    this.#paused = paused;
    this.#log.info({ paused }, paused ? 'Go Live paused' : 'Go Live resumed');
    this.#gateway.send(MainOp.streamSetPaused, { stream_key: this.#streamKey, paused });
    if (paused) {
      this.#pausedAt = performance.now();
      return;
    }
    this.#resumePending = true;
    this.#stream?.requireKeyframe();
    this.#stream?.setSpeaking(SPEAKING_SOUNDSHARE);
    this.#schedulePreview(0);
  }

  /** The stop sequence of brief §1.4; safe to call twice. */
  async close(reason: string): Promise<void> {
    if (this.#phase === 'closed' || this.#phase === 'closing') return;
    this.#log.info({ reason }, 'Go Live closing');
    await this.#teardown();
    this.#phase = 'closed';
  }

  stats(): GoLiveStats {
    const live = [this.#voice, this.#stream].filter((c): c is VoiceConnection => c !== null);
    const stream = this.#stream;
    const sum = (pick: (c: VoiceConnection) => number): number =>
      live.reduce((total, c) => total + pick(c), 0);
    const encrypted = this.#retired.encrypted + sum((c) => c.dave.counters.encrypted);
    const encryptMicros = this.#retired.encryptMicros + sum((c) => c.dave.counters.encryptMicros);
    return {
      phase: this.#phase,
      paused: this.#paused,
      videoFramesOffered: this.#counts.videoOffered,
      audioFramesOffered: this.#counts.audioOffered,
      videoFramesSent: this.#retired.videoSent + sum((c) => c.counters.videoFramesSent),
      audioFramesSent: this.#retired.audioSent + sum((c) => c.counters.audioFramesSent),
      videoFramesDropped: this.#counts.videoDropped,
      daveActive: stream?.dave.active ?? false,
      daveReady: stream?.dave.ready ?? false,
      daveEpoch: stream?.dave.epoch ?? null,
      daveDroppedNotReady: this.#retired.notReady + sum((c) => c.dave.counters.droppedNotReady),
      daveDroppedEncryptFailed: this.#retired.failed + sum((c) => c.dave.counters.droppedEncryptFailed),
      encryptMicrosPerFrame: encrypted === 0 ? 0 : encryptMicros / encrypted,
      packetsSent: this.#retired.packets + sum((c) => c.udpCounters?.packetsSent ?? 0),
      recoveries: this.#recoveries,
      viewers: this.#viewers,
    };
  }

  // ── start ────────────────────────────────────────────────────────────────────────────────────

  async #establish(): Promise<void> {
    this.#voiceState = null;
    this.#voiceServer = null;
    this.#closeMainSessionResetWindow();
    this.#sendVoiceState(this.#voiceChannelId);
    await this.#waitFor('VOICE_STATE_UPDATE and VOICE_SERVER_UPDATE', VOICE_CREDENTIALS_TIMEOUT_MS, () =>
      this.#voiceState?.channel_id === this.#voiceChannelId && this.#voiceServer?.endpoint ? true : undefined,
    );
    await this.#connectVoice();
    await this.#createStream();
  }

  #sendVoiceState(channelId: string | null): void {
    this.#inVoice = channelId !== null;
    this.#gateway.send(MainOp.voiceStateUpdate, {
      guild_id: this.#guildId,
      channel_id: channelId,
      self_mute: false,
      self_deaf: true,
      self_video: false,
    });
  }

  async #connectVoice(): Promise<void> {
    const state = this.#voiceState;
    const server = this.#voiceServer;
    if (!state || !server?.endpoint) throw new Error('no voice credentials to connect with');
    const connection = this.#connect('voice', {
      endpoint: server.endpoint,
      token: server.token,
      serverId: this.#guildId,
      sessionId: state.session_id,
      daveGroupId: this.#voiceChannelId,
    });
    this.#voice = connection;
    await connection.whenReady(CONNECTION_READY_TIMEOUT_MS);
  }

  /** op 18 + op 22, then wait for our STREAM_CREATE and STREAM_SERVER_UPDATE (brief §1.4 steps 4-5). */
  async #createStream(): Promise<void> {
    this.#streamCreate = null;
    this.#streamServer = null;
    this.#streamDelete = null;
    this.#streamRequested = true;
    this.#gateway.send(MainOp.streamCreate, {
      type: 'guild',
      guild_id: this.#guildId,
      channel_id: this.#voiceChannelId,
      preferred_region: null,
    });
    this.#gateway.send(MainOp.streamSetPaused, { stream_key: this.#streamKey, paused: this.#paused });
    await this.#waitForStreamCredentials(STREAM_CREDENTIALS_TIMEOUT_MS);
    await this.#connectStream();
  }

  #waitForStreamCredentials(timeoutMs: number): Promise<true> {
    return this.#waitFor('STREAM_CREATE and STREAM_SERVER_UPDATE', timeoutMs, () => {
      if (this.#streamDelete && !this.#streamDelete.unavailable) {
        throw new Error(`Discord refused the stream (${this.#streamDelete.reason ?? 'no reason given'})`);
      }
      return this.#streamCreate && this.#streamServer?.endpoint ? true : undefined;
    });
  }

  async #connectStream(): Promise<void> {
    const create = this.#streamCreate;
    const server = this.#streamServer;
    const state = this.#voiceState;
    if (!create || !server?.endpoint || !state) throw new Error('no stream credentials to connect with');
    const groupId = streamDaveGroupId(create);
    this.#log.info(
      {
        rtcServerId: create.rtc_server_id,
        rtcChannelId: create.rtc_channel_id ?? null,
        daveGroupId: groupId,
      },
      'stream identifiers',
    );
    const connection = this.#connect('stream', {
      endpoint: server.endpoint,
      token: server.token,
      serverId: create.rtc_server_id,
      sessionId: state.session_id,
      daveGroupId: groupId,
    });
    this.#stream = connection;
    await connection.whenReady(CONNECTION_READY_TIMEOUT_MS);
    connection.setSpeaking(SPEAKING_SOUNDSHARE);
    if (this.#video) connection.announceVideo(this.#video);
  }

  #connect(
    kind: ConnectionKind,
    ids: { endpoint: string; token: string; serverId: string; sessionId: string; daveGroupId: string },
  ): VoiceConnection {
    const connection = new VoiceConnection({
      kind,
      ...ids,
      userId: this.#gateway.userId,
      keyPair: this.#keyPair,
      insecure: this.#insecure,
      log: this.#log,
    });
    connection.on('stateChange', (_from, to) => {
      if (to.status === 'closed') this.#onConnectionClosed(kind, connection, to.outcome);
    });
    return connection;
  }

  // ── main gateway ─────────────────────────────────────────────────────────────────────────────

  #onDispatch(event: string, data: unknown): void {
    let dispatch: GoLiveDispatch | null;
    try {
      dispatch = parseGoLiveDispatch(event, data, {
        userId: this.#gateway.userId,
        guildId: this.#guildId,
        streamKey: this.#streamKey,
      });
    } catch (error) {
      this.#log.warn({ err: error }, 'ignored a malformed main gateway dispatch');
      return;
    }
    if (!dispatch) return;
    // Voice and stream tokens are credentials too: masked wherever they might surface in a log.
    if (dispatch.type === 'voice-server' || dispatch.type === 'stream-server')
      registerSecrets([dispatch.data.token]);
    this.#apply(dispatch);
    for (const waiter of [...this.#waiters]) waiter();
  }

  #apply(dispatch: GoLiveDispatch): void {
    const settled = this.#phase === 'live';
    switch (dispatch.type) {
      case 'voice-state': {
        const previous = this.#voiceState;
        this.#voiceState = dispatch.data;
        this.#inVoice = dispatch.data.channel_id !== null;
        if (previous && previous.session_id !== dispatch.data.session_id) {
          this.#log.warn('voice session id changed');
        }
        if (
          (settled || this.#pendingRecoveries.size > 0) &&
          dispatch.data.channel_id !== this.#voiceChannelId
        ) {
          this.#fail(
            dispatch.data.channel_id === null
              ? 'the streaming account was disconnected from the voice channel (kicked or the channel went away)'
              : 'the streaming account was moved to another voice channel',
          );
        }
        return;
      }
      case 'voice-server':
        this.#voiceServer = dispatch.data;
        if (settled && this.#pendingRecoveries.size === 0 && this.#voice && dispatch.data.endpoint) {
          if (differs(this.#voice, dispatch.data.endpoint, dispatch.data.token)) {
            this.#recover('voice', 'voice server moved (new VOICE_SERVER_UPDATE)');
          }
        }
        return;
      case 'stream-create':
        this.#streamCreate = dispatch.data;
        this.#streamDelete = null;
        return;
      case 'stream-server':
        this.#streamServer = dispatch.data;
        if (settled && this.#pendingRecoveries.size === 0 && this.#stream && dispatch.data.endpoint) {
          if (differs(this.#stream, dispatch.data.endpoint, dispatch.data.token)) {
            this.#recover('stream', 'stream server moved (new STREAM_SERVER_UPDATE)');
          }
        }
        return;
      case 'stream-update':
        this.#viewers = dispatch.data.viewer_ids?.length ?? this.#viewers;
        this.#log.debug({ viewers: this.#viewers, paused: dispatch.data.paused }, 'stream update');
        return;
      case 'stream-delete':
        if (this.#phase === 'closing' || this.#phase === 'closed') return;
        this.#streamDelete = dispatch.data;
        if (!dispatch.data.unavailable) this.#streamRequested = false;
        this.#log.warn(
          { reason: dispatch.data.reason ?? null, unavailable: dispatch.data.unavailable ?? false },
          'STREAM_DELETE',
        );
        if (!settled) return;
        if (dispatch.data.unavailable) {
          this.#streamCreate = null;
          this.#streamServer = null;
          this.#recover('stream-outage', 'stream unavailable (STREAM_DELETE)');
        } else {
          // Stop sending at once (brief §8.2 item 6); the error waits a moment for its explanation.
          this.#retire('stream');
          this.#explainStreamEnd(dispatch.data.reason ?? 'no reason given');
        }
        return;
      case 'main-session-reset':
        this.#openMainSessionResetWindow();
        this.#log.warn('main gateway started a new session; the voice servers will drop both connections');
        return;
    }
  }

  #openMainSessionResetWindow(): void {
    this.#closeMainSessionResetWindow();
    this.#mainSessionResetWindow = setTimeout(() => {
      this.#mainSessionResetWindow = null;
      this.#log.warn(
        `no 4014 within ${DISCONNECT_EXPLANATION_MS / 1000} s of the new main gateway session; the connections carry on`,
      );
    }, DISCONNECT_EXPLANATION_MS);
    this.#mainSessionResetWindow.unref();
  }

  #closeMainSessionResetWindow(): void {
    if (this.#mainSessionResetWindow) clearTimeout(this.#mainSessionResetWindow);
    this.#mainSessionResetWindow = null;
  }

  /** Resolves when `check` returns a value; rejects when it throws, on timeout, or on close. */
  #waitFor<T>(what: string, timeoutMs: number, check: () => T | undefined): Promise<T> {
    return new Promise((resolve, reject) => {
      const signal = this.#lifetime.signal;
      const finish = (error: Error | null, value?: T): void => {
        clearTimeout(timer);
        this.#waiters.delete(waiter);
        signal.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(value as T);
      };
      const waiter = (): void => {
        try {
          const value = check();
          if (value !== undefined) finish(null, value);
        } catch (error) {
          finish(error as Error);
        }
      };
      const onAbort = (): void => finish(new Error(`the Go Live closed while waiting for ${what}`));
      const timer = setTimeout(
        () => finish(new Error(`no ${what} from Discord within ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(waiter);
      waiter();
    });
  }

  // ── recovery ─────────────────────────────────────────────────────────────────────────────────

  #onConnectionClosed(kind: ConnectionKind, connection: VoiceConnection, outcome: ConnectionOutcome): void {
    const current = kind === 'voice' ? this.#voice : this.#stream;
    if (connection !== current || this.#phase !== 'live') return;
    switch (outcome.kind) {
      case 'destroyed':
        return;
      case 'reconnect':
        this.#recover(kind, outcome.reason);
        return;
      case 'fatal':
        this.#fail(describeOutcome(kind, outcome));
        return;
      case 'disconnected':
        this.#explainDisconnect(kind, connection, outcome.code);
        return;
    }
  }

  /** A 4014 alone says nothing: the main gateway tells whether it was a move, a kick or a reset. */
  #explainDisconnect(kind: ConnectionKind, connection: VoiceConnection, code: number): void {
    const explanation = this.#waitFor('an explanation of the disconnect', DISCONNECT_EXPLANATION_MS, () => {
      if (this.#mainSessionResetWindow) return 'restart' as const;
      const server = kind === 'voice' ? this.#voiceServer : this.#streamServer;
      if (server?.endpoint && differs(connection, server.endpoint, server.token)) return 'moved' as const;
      if (kind === 'stream' && this.#streamDelete?.unavailable) return 'outage' as const;
      return undefined;
    });
    explanation.then(
      (cause) => {
        if (cause === 'restart') this.#recover('restart', 'main gateway session was reset');
        else if (cause === 'outage') this.#recover('stream-outage', 'stream unavailable');
        else this.#recover(kind, `${kind} server moved after ${code}`);
      },
      () => {
        this.#fail(
          kind === 'voice'
            ? `Discord disconnected the streaming account from voice (${code}) and did not say why`
            : `Discord disconnected the stream (${code}) and did not say why`,
        );
      },
    );
  }

  /** A stream deleted because we left voice is better reported as what happened to the voice state. */
  #explainStreamEnd(reason: string): void {
    this.#waitFor('the voice state after STREAM_DELETE', STREAM_END_EXPLANATION_MS, () =>
      this.#voiceState?.channel_id !== this.#voiceChannelId ? true : undefined,
    ).then(
      () => {
        // The voice-state handler has reported the removal already.
      },
      () => this.#fail(`Discord ended the stream (${reason})`),
    );
  }

  /** Queues a recovery; recoveries run one at a time and a kind already queued is not queued twice. */
  #recover(kind: RecoveryKind, reason: string): void {
    if (this.#phase !== 'live' || this.#pendingRecoveries.has(kind)) return;
    this.#pendingRecoveries.add(kind);
    this.#recoveryChain = this.#recoveryChain.then(async () => {
      try {
        await this.#runRecovery(kind, reason);
      } finally {
        this.#pendingRecoveries.delete(kind);
      }
    });
  }

  async #runRecovery(kind: RecoveryKind, reason: string): Promise<void> {
    if (this.#phase !== 'live') return;
    const now = performance.now();
    this.#recoveryTimes = this.#recoveryTimes.filter((at) => now - at < RECOVERY_WINDOW_MS);
    this.#recoveryTimes.push(now);
    this.#recoveries += 1;
    if (this.#recoveryTimes.length > MAX_RECOVERIES) {
      this.#fail(`gave up after ${MAX_RECOVERIES} reconnects within 10 minutes (last: ${reason})`);
      return;
    }
    this.#log.warn({ kind, reason, attempt: this.#recoveryTimes.length }, 'Go Live recovering');
    try {
      switch (kind) {
        case 'voice':
          await this.#reconnectVoice();
          break;
        case 'stream':
          await this.#reconnectStream();
          break;
        case 'stream-outage':
          this.#retire('stream');
          await this.#waitForStreamCredentials(STREAM_OUTAGE_TIMEOUT_MS);
          await this.#connectStream();
          break;
        case 'restart':
          this.#retire('stream');
          this.#retire('voice');
          await this.#establish();
          break;
      }
      this.#log.info({ kind }, 'Go Live recovered');
    } catch (error) {
      if (this.#phase === 'live')
        this.#fail(`could not recover the ${kind} connection: ${(error as Error).message}`);
    }
  }

  /** Fresh voice connection: new credentials if the old ones are spent (op 4 asks for them). */
  async #reconnectVoice(): Promise<void> {
    const old = this.#retire('voice');
    const server = this.#voiceServer;
    if (!server?.endpoint || (old && !differs(old, server.endpoint, server.token))) {
      this.#voiceServer = null;
      this.#sendVoiceState(this.#voiceChannelId);
      await this.#waitFor('a new VOICE_SERVER_UPDATE', VOICE_CREDENTIALS_TIMEOUT_MS, () =>
        this.#voiceServer?.endpoint ? true : undefined,
      );
    }
    await this.#connectVoice();
  }

  /** Fresh stream connection: op 21 asks for new credentials, else the stream is recreated (§8.2). */
  async #reconnectStream(): Promise<void> {
    const old = this.#retire('stream');
    const server = this.#streamServer;
    if (server?.endpoint && old && differs(old, server.endpoint, server.token)) {
      await this.#connectStream();
      return;
    }
    this.#streamServer = null;
    this.#gateway.send(MainOp.streamPing, { stream_key: this.#streamKey });
    try {
      await this.#waitFor('a STREAM_SERVER_UPDATE after STREAM_PING', STREAM_PING_TIMEOUT_MS, () =>
        this.#streamServer?.endpoint && this.#streamCreate ? true : undefined,
      );
      await this.#connectStream();
    } catch (error) {
      this.#log.warn({ err: error }, 'STREAM_PING brought no usable stream server; recreating the stream');
      this.#retire('stream');
      this.#gateway.send(MainOp.streamDelete, { stream_key: this.#streamKey });
      await this.#createStream();
    }
  }

  /** Takes a connection out of service, keeping its counters for the stats. */
  #retire(kind: ConnectionKind): VoiceConnection | null {
    const connection = kind === 'voice' ? this.#voice : this.#stream;
    if (!connection) return null;
    if (kind === 'voice') this.#voice = null;
    else this.#stream = null;
    this.#retired.videoSent += connection.counters.videoFramesSent;
    this.#retired.audioSent += connection.counters.audioFramesSent;
    this.#retired.packets += connection.udpCounters?.packetsSent ?? 0;
    this.#retired.encrypted += connection.dave.counters.encrypted;
    this.#retired.encryptMicros += connection.dave.counters.encryptMicros;
    this.#retired.notReady += connection.dave.counters.droppedNotReady;
    this.#retired.failed += connection.dave.counters.droppedEncryptFailed;
    connection.destroy();
    return connection;
  }

  #checkWatchdog(): void {
    if (this.#phase !== 'live') return;
    const now = performance.now();
    if (now - this.#lastStatsLogAt >= STATS_LOG_INTERVAL_MS) {
      this.#lastStatsLogAt = now;
      this.#log.info({ stats: this.stats() }, 'Go Live stats');
    }
    const stream = this.#stream;
    const replaced = stream !== this.#watchedStream;
    this.#watchedStream = stream;
    const { intervalMs, stallMs, daveStallMs } = this.#watchdogTimings;
    // The stall clocks run only while sending is expected on this very connection: never across a
    // reconnect, a pause, a gap between items or a wait for DAVE, nor while nobody watches.
    const idle = this.#pendingRecoveries.size > 0 || this.#paused || !stream;
    const daveWaiting = !idle && stream.dave.active && !stream.dave.ready;
    const offering = now - this.#lastOfferedAt <= intervalMs * 2;
    if (replaced || idle || daveWaiting || !offering) this.#sendExpectedSince = null;
    if (replaced || !daveWaiting || this.#viewers === 0) this.#daveWaitingSince = null;
    if (idle) return;
    if (daveWaiting) {
      // Alone in a DAVE session nothing may leave; with viewers it must not last.
      if (this.#viewers === 0) return;
      this.#daveWaitingSince ??= now;
      if (now - this.#daveWaitingSince > daveStallMs) {
        this.#daveWaitingSince = null;
        this.#recover('stream', 'watchdog: viewers present but the DAVE group never became ready');
      }
      return;
    }
    if (!offering) return;
    this.#sendExpectedSince ??= now;
    const lastSent = Math.max(stream.udpCounters?.lastSendAt ?? 0, this.#sendExpectedSince);
    if (now - lastSent > stallMs) {
      this.#recover(
        'stream',
        `watchdog: frames offered but none left for ${Math.round((now - lastSent) / 1000)} s`,
      );
    }
  }

  // ── media timeline and preview ───────────────────────────────────────────────────────────────

  /** After a pause the RTP clock jumps by the wall-clock gap, so timestamps stay truthful (§8.5). */
  #timeline(ptsMs: number): number {
    if (this.#resumePending) {
      this.#resumePending = false;
      const wallGap = performance.now() - this.#pausedAt;
      const ptsGap = ptsMs - this.#lastPtsMs;
      if (wallGap > ptsGap) this.#ptsOffsetMs += wallGap - ptsGap;
    }
    this.#lastPtsMs = ptsMs;
    return ptsMs + this.#ptsOffsetMs;
  }

  #schedulePreview(delayMs: number): void {
    if (this.#previewTimer) clearTimeout(this.#previewTimer);
    this.#previewTimer = setTimeout(() => {
      void this.#uploadPreview().finally(() => {
        if (this.#phase === 'live' || this.#phase === 'starting') this.#schedulePreview(PREVIEW_INTERVAL_MS);
      });
    }, delayMs);
    this.#previewTimer.unref();
  }

  async #uploadPreview(): Promise<void> {
    const poster = this.#nowPlaying?.posterUrl;
    if (!poster || this.#paused || this.#phase !== 'live') return;
    try {
      const dataUrl = await posterPreviewDataUrl(poster);
      await this.#gateway.uploadStreamPreview(this.#streamKey, dataUrl);
      this.#log.info({ title: this.#nowPlaying?.title }, 'stream preview uploaded');
    } catch (error) {
      this.#log.warn({ err: error }, 'stream preview upload failed');
    }
  }

  // ── ending ───────────────────────────────────────────────────────────────────────────────────

  #fail(reason: string): void {
    if (this.#phase === 'closing' || this.#phase === 'closed') return;
    const error = new Error(reason);
    this.#log.error({ reason }, 'Go Live failed');
    void this.#teardown().then(() => {
      this.#phase = 'closed';
      for (const listener of this.#fatalListeners) listener(error);
    });
  }

  /** Stop media, stream off (op 5/12), op 19, close stream, op 4 leave, close voice (brief §1.4). */
  async #teardown(): Promise<void> {
    if (this.#tornDown) return;
    this.#tornDown = true;
    this.#phase = 'closing';
    this.#lifetime.abort();
    if (this.#watchdog) clearInterval(this.#watchdog);
    if (this.#previewTimer) clearTimeout(this.#previewTimer);
    this.#closeMainSessionResetWindow();
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    // The other side reads the voice websocket and the main gateway separately; a moment after our
    // last stream ops are on the wire, op 19 will not overtake them.
    await this.#stream?.announceStop();
    await new Promise((resolve) => setTimeout(resolve, STOP_SETTLE_MS));
    try {
      // Only what is still ours: no op 19 for a stream Discord ended, no op 4 after a kick.
      if (this.#streamRequested) this.#gateway.send(MainOp.streamDelete, { stream_key: this.#streamKey });
      this.#retire('stream');
      if (this.#inVoice) this.#sendVoiceState(null);
    } catch (error) {
      this.#log.warn({ err: error }, 'main gateway refused the stop sequence');
    }
    this.#retire('stream');
    this.#retire('voice');
  }
}

function differs(connection: VoiceConnection, endpoint: string, token: string): boolean {
  return connection.options.endpoint !== endpoint || connection.options.token !== token;
}
