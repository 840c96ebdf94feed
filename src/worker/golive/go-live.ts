// One Go Live: the voice-channel connection, the stream connection and the main-gateway dialogue
// that creates, pauses, moves and ends them (protocol.md §1.4, §8). Every state is listed in
// `GoLiveState` and carries the connections alive in it; every transition goes through `#setState`,
// which retires (counts, then destroys) the connections the next state no longer holds and, once the
// Go Live is closing, stops everything that only a running one needs. The connections only report
// how they ended; this class decides: resume happened inside them already, so here it is a fresh
// reconnect, a server move, a full restart after a main-session reset, or giving up with a reason.
// What Discord has said is kept by `GoLiveSignals`, what we have asked by `GoLiveRequests`; the
// frames go in through `StreamFeed`.
import { EventEmitter } from 'node:events';
import { errorMessage } from '../../error-message.ts';
import type { Logger } from '../../logger.ts';
import { RecoveryBudget } from '../../recovery-budget.ts';
import type { AudioFrame, NowPlaying, StreamVideoParameters, VideoFrame } from '../media-sink.ts';
import { GoLiveRequests } from './go-live-requests.ts';
import { type ConnectionCredentials, DISCONNECT_EXPLANATION_MS, GoLiveSignals } from './go-live-signals.ts';
import {
  describeEnd,
  type GoLiveEnd,
  type GoLiveState,
  type GoLiveStatus,
  held,
  isOver,
  isRunning,
  type RecoveryCause,
  type RecoveryKind,
} from './go-live-state.ts';
import { type ConnectionFigures, ConnectionTally } from './go-live-stats.ts';
import { type GoLiveDispatch, guildStreamKey, type MainGateway } from './main-gateway.ts';
import { PauseTimeline } from './pause-timeline.ts';
import { PreviewUploader } from './preview.ts';
import { DEFAULT_WATCHDOG_TIMINGS, StallWatchdog, type WatchdogTimings } from './stall-watchdog.ts';
import { StreamFeed } from './stream-feed.ts';
import {
  type ConnectionKind,
  type ConnectionOutcome,
  describeOutcome,
  VoiceConnection,
} from './voice-connection.ts';

// The state's types live with their helpers; owners of a session name them through here.
export type { GoLiveEnd, GoLiveState, GoLiveStatus } from './go-live-state.ts';

const VOICE_CREDENTIALS_TIMEOUT_MS = 10_000;
const STREAM_CREDENTIALS_TIMEOUT_MS = 20_000;
/** How long a STREAM_PING may take to bring new stream credentials before we recreate the stream. */
const STREAM_PING_TIMEOUT_MS = 5_000;
/** An outage (STREAM_DELETE unavailable) may last this long before we give up. */
const STREAM_OUTAGE_TIMEOUT_MS = 60_000;
const CONNECTION_READY_TIMEOUT_MS = 15_000;
/** After a STREAM_DELETE, how long to wait for a voice state that says we were removed. */
const STREAM_END_EXPLANATION_MS = 1_000;
const STATS_LOG_INTERVAL_MS = 60_000;
/** Pause between the stream connection's stop ops and op 19 on the main gateway. */
const STOP_SETTLE_MS = 50;
/** More reconnects than this within the window means something is wrong that retrying won't fix. */
const MAX_RECOVERIES = 6;
const RECOVERY_WINDOW_MS = 10 * 60_000;
/** SPEAKING flag for "soundshare" audio (protocol.md §2.2). */
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
  /** Answer NACKs with RTX (default true); benchmarks and tests turn it off to compare. */
  retransmit?: boolean;
}

interface GoLiveEvents {
  stateChange: [from: GoLiveState, to: GoLiveState];
}

export interface GoLiveStats extends ConnectionFigures {
  status: GoLiveStatus;
  paused: boolean;
  videoFramesOffered: number;
  audioFramesOffered: number;
  /** Frames the stream connection could not send: not connected, waiting for a keyframe, DAVE. */
  videoFramesDropped: number;
  daveActive: boolean;
  daveReady: boolean;
  daveEpoch: number | null;
  /** Recoveries attempted over the whole run, including one refused for being over the budget. */
  recoveries: number;
  viewers: number;
}

export class GoLiveSession extends EventEmitter<GoLiveEvents> {
  readonly #gateway: MainGateway;
  readonly #voiceChannelId: string;
  readonly #insecure: boolean;
  readonly #retransmit: boolean;
  readonly #log: Logger;
  readonly #streamKey: string;
  readonly #signals: GoLiveSignals;
  readonly #requests: GoLiveRequests;
  readonly #timeline = new PauseTimeline(() => performance.now());
  readonly #feed = new StreamFeed(this.#timeline, () => performance.now());
  readonly #watchdog: StallWatchdog;
  readonly #preview: PreviewUploader;
  readonly #tally = new ConnectionTally();
  readonly #budget = new RecoveryBudget({ allowed: MAX_RECOVERIES, windowMs: RECOVERY_WINDOW_MS });
  #state: GoLiveState = { status: 'idle' };
  /** Recoveries waiting for the running one; at most one of each kind, running one included. */
  #queuedRecoveries: RecoveryCause[] = [];
  #recoveries = 0;
  #video: StreamVideoParameters | null = null;
  #nowPlaying: NowPlaying | null = null;
  #paused = false;
  #lastStatsLogAt = 0;
  #watchdogTimer: NodeJS.Timeout | null = null;

  constructor(options: GoLiveSessionOptions) {
    super();
    this.#gateway = options.gateway;
    this.#voiceChannelId = options.voiceChannelId;
    this.#insecure = options.insecure;
    this.#retransmit = options.retransmit ?? true;
    this.#log = options.log.child({ component: 'golive' });
    this.#streamKey = guildStreamKey(options.guildId, options.voiceChannelId, options.gateway.userId);
    this.#requests = new GoLiveRequests({
      gateway: options.gateway,
      guildId: options.guildId,
      voiceChannelId: options.voiceChannelId,
      streamKey: this.#streamKey,
    });
    this.#signals = new GoLiveSignals({
      gateway: options.gateway,
      filter: { userId: options.gateway.userId, guildId: options.guildId, streamKey: this.#streamKey },
      voiceChannelId: options.voiceChannelId,
      log: this.#log,
      onDispatch: (dispatch) => this.#onDispatch(dispatch),
    });
    this.#watchdog = new StallWatchdog({ ...DEFAULT_WATCHDOG_TIMINGS, ...options.watchdog });
    this.#preview = new PreviewUploader(
      {
        subject: () => {
          const item = this.#nowPlaying;
          if (!item?.posterUrl || this.#paused || !this.#running) return null;
          return { title: item.title, posterUrl: item.posterUrl };
        },
        upload: (dataUrl) => this.#gateway.uploadStreamPreview(this.#streamKey, dataUrl),
      },
      this.#log,
    );
  }

  get state(): GoLiveState {
    return this.#state;
  }

  get status(): GoLiveStatus {
    return this.#state.status;
  }

  /** Failures after `open` resolved (kicked, refused, reconnects exhausted), once, after the stop. */
  onFatal(listener: (error: Error) => void): void {
    this.on('stateChange', (_from, to) => {
      if (to.status === 'closed' && to.end.kind === 'failed') listener(to.end.error);
    });
  }

  /** Joins the voice channel and goes live (protocol.md §1.4 steps 1-7). */
  async open(video: StreamVideoParameters): Promise<void> {
    if (this.status !== 'idle') throw new Error(`cannot open a Go Live that is ${this.status}`);
    this.#setState({ status: 'starting', voice: null, stream: null });
    this.#video = video;
    this.#signals.listen();
    try {
      await this.#establish();
    } catch (error) {
      await this.#end({ kind: 'failed-to-start', error: error as Error });
      throw error;
    }
    const state = this.#state;
    if (state.status !== 'starting') throw new Error('the Go Live was closed while it was starting');
    this.#setState({ status: 'live', voice: state.voice, stream: state.stream });
    this.#watchdogTimer = setInterval(() => this.#tick(), this.#watchdog.intervalMs);
    this.#watchdogTimer.unref();
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
    const stream = this.#connection('stream');
    if (changed) stream?.announceVideo(video);
    stream?.requireKeyframe();
    this.#preview.refresh();
  }

  sendVideo(frame: VideoFrame): void {
    this.#feed.video(frame, this.#sendingStream());
  }

  sendAudio(frame: AudioFrame): void {
    this.#feed.audio(frame, this.#sendingStream());
  }

  /** op 22 tells viewers; while paused no media leaves, heartbeats and keepalives go on (§8.5). */
  setPaused(paused: boolean): void {
    if (paused === this.#paused) return;
    this.#paused = paused;
    this.#log.info({ paused }, paused ? 'Go Live paused' : 'Go Live resumed');
    this.#requests.setPaused(paused);
    if (paused) {
      this.#timeline.pause();
      return;
    }
    this.#timeline.resume();
    const stream = this.#connection('stream');
    stream?.requireKeyframe();
    stream?.setSpeaking(SPEAKING_SOUNDSHARE);
    this.#preview.refresh();
  }

  /** The stop sequence of protocol.md §1.4; safe to call twice. */
  async close(reason: string): Promise<void> {
    if (this.#over) return;
    // The figures of the whole run, which the last periodic stats line leaves out.
    this.#log.info({ reason, stats: this.stats() }, 'Go Live closing');
    await this.#end({ kind: 'closed', reason });
  }

  stats(): GoLiveStats {
    const { voice, stream } = held(this.#state);
    const live = [voice, stream].filter((c): c is VoiceConnection => c !== null);
    return {
      status: this.#state.status,
      paused: this.#paused,
      videoFramesOffered: this.#feed.counts.videoOffered,
      audioFramesOffered: this.#feed.counts.audioOffered,
      videoFramesDropped: this.#feed.counts.videoDropped,
      ...this.#tally.figures(live),
      daveActive: stream?.dave.active ?? false,
      daveReady: stream?.dave.ready ?? false,
      daveEpoch: stream?.dave.epoch ?? null,
      recoveries: this.#recoveries,
      viewers: this.#signals.viewers,
    };
  }

  // ── state ────────────────────────────────────────────────────────────────────────────────────

  /** Live, whether or not a recovery runs: what Discord tells us now acts on the Go Live. */
  get #running(): boolean {
    return isRunning(this.#state);
  }

  get #over(): boolean {
    return isOver(this.#state);
  }

  #connection(kind: ConnectionKind): VoiceConnection | null {
    return held(this.#state)[kind];
  }

  /** The stream connection frames go to now, or null while they are dropped. */
  #sendingStream(): VoiceConnection | null {
    return this.#running && !this.#paused ? this.#connection('stream') : null;
  }

  /** Puts a connection in (or, with null, takes it out of) the current state. */
  #hold(kind: ConnectionKind, connection: VoiceConnection | null): void {
    const state = this.#state;
    if (state.status === 'idle' || state.status === 'closed' || (state.status === 'closing' && connection)) {
      connection?.destroy();
      if (connection) throw new Error(`the Go Live is ${state.status}; the new ${kind} connection was left`);
      return;
    }
    this.#setState(kind === 'voice' ? { ...state, voice: connection } : { ...state, stream: connection });
  }

  /** The one place state changes: whatever the next state no longer holds is released here. */
  #setState(next: GoLiveState): void {
    const previous = this.#state;
    this.#state = next;
    // Counted before it is destroyed: a closed connection no longer shows its UDP counters.
    for (const kind of ['voice', 'stream'] as const) {
      const connection = held(previous)[kind];
      if (connection && connection !== held(next)[kind]) {
        this.#tally.retire(connection);
        connection.destroy();
      }
    }
    if (isOver(next) && !isOver(previous)) {
      this.#signals.stop();
      if (this.#watchdogTimer) clearInterval(this.#watchdogTimer);
      this.#watchdogTimer = null;
      this.#preview.stop();
      this.#queuedRecoveries = [];
    }
    if (previous.status !== next.status) {
      this.#log.info(
        {
          from: previous.status,
          to: next.status,
          ...(next.status === 'recovering' ? { cause: next.cause } : {}),
          ...('end' in next ? { end: describeEnd(next.end) } : {}),
        },
        'Go Live state',
      );
    }
    this.emit('stateChange', previous, next);
  }

  // ── start ────────────────────────────────────────────────────────────────────────────────────

  async #establish(): Promise<void> {
    this.#signals.forget('voiceState', 'voiceServer');
    this.#signals.endMainSessionReset();
    this.#requests.joinVoice();
    await this.#signals.waitFor(
      'VOICE_STATE_UPDATE and VOICE_SERVER_UPDATE',
      VOICE_CREDENTIALS_TIMEOUT_MS,
      () => {
        const { voiceState, voiceServer } = this.#signals.latest;
        return voiceState?.channel_id === this.#voiceChannelId && voiceServer?.endpoint ? true : undefined;
      },
    );
    await this.#connectVoice();
    await this.#createStream();
  }

  async #connectVoice(): Promise<void> {
    const connection = this.#connect('voice', this.#signals.voiceCredentials());
    await connection.whenReady(CONNECTION_READY_TIMEOUT_MS);
  }

  /** op 18 + op 22, then wait for our STREAM_CREATE and STREAM_SERVER_UPDATE (protocol.md §1.4 steps 4-5). */
  async #createStream(): Promise<void> {
    this.#signals.forget('streamCreate', 'streamServer', 'streamDelete');
    this.#requests.createStream(this.#paused);
    await this.#signals.waitForStreamCredentials(STREAM_CREDENTIALS_TIMEOUT_MS);
    await this.#connectStream();
  }

  async #connectStream(): Promise<void> {
    const connection = this.#connect('stream', this.#signals.streamCredentials());
    await connection.whenReady(CONNECTION_READY_TIMEOUT_MS);
    connection.setSpeaking(SPEAKING_SOUNDSHARE);
    if (this.#video) connection.announceVideo(this.#video);
  }

  /** A new connection, held by the current state from the start. */
  #connect(kind: ConnectionKind, ids: ConnectionCredentials): VoiceConnection {
    const connection = new VoiceConnection({
      kind,
      ...ids,
      userId: this.#gateway.userId,
      insecure: this.#insecure,
      retransmit: this.#retransmit,
      log: this.#log,
    });
    connection.on('stateChange', (_from, to) => {
      if (to.status === 'closed') this.#onConnectionClosed(kind, connection, to.outcome);
    });
    this.#hold(kind, connection);
    return connection;
  }

  // ── main gateway ─────────────────────────────────────────────────────────────────────────────

  /** What a dispatch, already recorded by the signals, means for the Go Live. */
  #onDispatch(dispatch: GoLiveDispatch): void {
    this.#requests.note(dispatch);
    switch (dispatch.type) {
      case 'voice-state':
        if (this.#running && dispatch.data.channel_id !== this.#voiceChannelId) {
          this.#fail(
            dispatch.data.channel_id === null
              ? 'the streaming account was disconnected from the voice channel (kicked or the channel went away)'
              : 'the streaming account was moved to another voice channel',
          );
        }
        return;
      case 'voice-server':
      case 'stream-server': {
        const [kind, event] =
          dispatch.type === 'voice-server'
            ? (['voice', 'VOICE_SERVER_UPDATE'] as const)
            : (['stream', 'STREAM_SERVER_UPDATE'] as const);
        const connection = this.#connection(kind);
        // While a recovery runs, it reads the new credentials itself.
        if (this.#state.status === 'live' && connection && this.#signals.serverMoved(kind, connection)) {
          this.#recover(kind, `${kind} server moved (new ${event})`);
        }
        return;
      }
      case 'stream-delete':
        if (!this.#running) return;
        if (dispatch.data.unavailable) {
          this.#signals.forget('streamCreate', 'streamServer');
          this.#recover('stream-outage', 'stream unavailable (STREAM_DELETE)');
        } else {
          // Stop sending at once (protocol.md §8.2 item 6); the error waits a moment for its explanation.
          this.#hold('stream', null);
          this.#explainStreamEnd(dispatch.data.reason ?? 'no reason given');
        }
        return;
    }
  }

  // ── recovery ─────────────────────────────────────────────────────────────────────────────────

  #onConnectionClosed(kind: ConnectionKind, connection: VoiceConnection, outcome: ConnectionOutcome): void {
    if (connection !== this.#connection(kind) || !this.#running) return;
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
    const signals = this.#signals;
    const explanation = signals.waitFor('an explanation of the disconnect', DISCONNECT_EXPLANATION_MS, () => {
      if (signals.mainSessionReset) return 'restart' as const;
      if (signals.serverMoved(kind, connection)) return 'moved' as const;
      if (kind === 'stream' && signals.latest.streamDelete?.unavailable) return 'outage' as const;
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
    this.#signals
      .waitFor('the voice state after STREAM_DELETE', STREAM_END_EXPLANATION_MS, () =>
        this.#signals.latest.voiceState?.channel_id !== this.#voiceChannelId ? true : undefined,
      )
      .then(
        () => {
          // The voice-state handler has reported the removal already.
        },
        () => this.#fail(`Discord ended the stream (${reason})`),
      );
  }

  /** Starts a recovery, or queues it behind the running one; a kind already due is not queued twice. */
  #recover(kind: RecoveryKind, reason: string): void {
    const state = this.#state;
    if (state.status === 'live') {
      this.#setState({ ...state, status: 'recovering', cause: { kind, reason } });
      void this.#recoverUntilLive();
      return;
    }
    if (state.status !== 'recovering') return;
    if (state.cause.kind === kind || this.#queuedRecoveries.some((queued) => queued.kind === kind)) return;
    this.#queuedRecoveries.push({ kind, reason });
  }

  /** Runs the recovery in the state, then each queued one, and goes back to live. */
  async #recoverUntilLive(): Promise<void> {
    // Not from inside the report that asked for it: a connection's own closing event, a dispatch.
    await Promise.resolve();
    for (;;) {
      const state = this.#state;
      if (state.status !== 'recovering') return;
      if (!(await this.#runRecovery(state.cause))) return;
      const after = this.#state;
      if (after.status !== 'recovering') return;
      const next = this.#queuedRecoveries.shift();
      if (!next) {
        this.#setState({ status: 'live', voice: after.voice, stream: after.stream });
        return;
      }
      this.#setState({ ...after, cause: next });
    }
  }

  /** One recovery; false when the Go Live failed (or was closed) instead. */
  async #runRecovery({ kind, reason }: RecoveryCause): Promise<boolean> {
    this.#recoveries += 1;
    const { attempt, exhausted } = this.#budget.spend(performance.now());
    if (exhausted) {
      this.#fail(
        `gave up after ${MAX_RECOVERIES} reconnects within ${RECOVERY_WINDOW_MS / 60_000} minutes (last: ${reason})`,
      );
      return false;
    }
    this.#log.warn({ kind, reason, attempt }, 'Go Live recovering');
    try {
      switch (kind) {
        case 'voice':
          await this.#reconnectVoice();
          break;
        case 'stream':
          await this.#reconnectStream();
          break;
        case 'stream-outage':
          this.#hold('stream', null);
          await this.#signals.waitForStreamCredentials(STREAM_OUTAGE_TIMEOUT_MS);
          await this.#connectStream();
          break;
        case 'restart':
          this.#hold('stream', null);
          this.#hold('voice', null);
          await this.#establish();
          break;
      }
    } catch (error) {
      if (this.#state.status === 'recovering')
        this.#fail(`could not recover the ${kind} connection: ${errorMessage(error)}`);
      return false;
    }
    this.#log.info({ kind }, 'Go Live recovered');
    return true;
  }

  /** Fresh voice connection: new credentials if the old ones are spent (op 4 asks for them). */
  async #reconnectVoice(): Promise<void> {
    const old = this.#connection('voice');
    this.#hold('voice', null);
    const usable = old ? this.#signals.serverMoved('voice', old) : this.#signals.latest.voiceServer?.endpoint;
    if (!usable) {
      this.#signals.forget('voiceServer');
      this.#requests.joinVoice();
      await this.#signals.waitFor('a new VOICE_SERVER_UPDATE', VOICE_CREDENTIALS_TIMEOUT_MS, () =>
        this.#signals.latest.voiceServer?.endpoint ? true : undefined,
      );
    }
    await this.#connectVoice();
  }

  /** Fresh stream connection: op 21 asks for new credentials, else the stream is recreated (§8.2). */
  async #reconnectStream(): Promise<void> {
    const old = this.#connection('stream');
    this.#hold('stream', null);
    if (old && this.#signals.serverMoved('stream', old)) {
      await this.#connectStream();
      return;
    }
    this.#signals.forget('streamServer');
    this.#requests.pingStream();
    try {
      await this.#signals.waitFor('a STREAM_SERVER_UPDATE after STREAM_PING', STREAM_PING_TIMEOUT_MS, () => {
        const { streamServer, streamCreate } = this.#signals.latest;
        return streamServer?.endpoint && streamCreate ? true : undefined;
      });
      await this.#connectStream();
    } catch (error) {
      // Closed while waiting: no op 19 and op 18 for a stream that is being ended anyway.
      if (this.#over) throw error;
      this.#log.warn({ err: error }, 'STREAM_PING brought no usable stream server; recreating the stream');
      this.#hold('stream', null);
      this.#requests.deleteStream();
      await this.#createStream();
    }
  }

  /** Every watchdog interval: the stats line now and then, and the stall check while live. */
  #tick(): void {
    const now = performance.now();
    if (now - this.#lastStatsLogAt >= STATS_LOG_INTERVAL_MS) {
      this.#lastStatsLogAt = now;
      this.#log.info({ stats: this.stats() }, 'Go Live stats');
    }
    const stream = this.#connection('stream');
    const stall = this.#watchdog.check(now, {
      stream,
      resting: this.#state.status !== 'live' || this.#paused,
      daveWaiting: stream?.dave.active === true && !stream.dave.ready,
      viewers: this.#signals.viewers,
      lastOfferedAt: this.#feed.lastOfferedAt,
      lastSentAt: stream?.udpCounters?.lastSendAt ?? 0,
    });
    if (stall) this.#recover('stream', stall);
  }

  // ── ending ───────────────────────────────────────────────────────────────────────────────────

  #fail(reason: string): void {
    if (this.#over) return;
    this.#log.error({ reason }, 'Go Live failed');
    void this.#end({ kind: 'failed', error: new Error(reason) });
  }

  /**
   * Stop media, stream off (op 5/12), op 19, close stream, op 4 leave, close voice (protocol.md §1.4).
   * Only what is still ours is undone: no op 19 for a stream Discord ended, no op 4 after a kick.
   */
  async #end(end: GoLiveEnd): Promise<void> {
    if (this.#over) return;
    const { voice, stream } = held(this.#state);
    this.#setState({ status: 'closing', end, voice, stream });
    // The other side reads the voice websocket and the main gateway separately; a moment after our
    // last stream ops are on the wire, op 19 will not overtake them.
    await stream?.announceStop();
    await new Promise((resolve) => setTimeout(resolve, STOP_SETTLE_MS));
    try {
      this.#requests.endStream();
      this.#hold('stream', null);
      this.#requests.leaveVoice();
    } catch (error) {
      this.#log.warn({ err: error }, 'main gateway refused the stop sequence');
    }
    this.#setState({ status: 'closed', end });
  }
}
