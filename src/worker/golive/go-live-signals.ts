// What the main gateway has told one Go Live (protocol.md §1.3, §8.2): the latest voice state, voice
// server, stream create, stream server and stream delete, already filtered to our user and stream
// key, and waits for the ones a step needs. Kept rather than only passed on, because a step often
// starts after the dispatch it needs has arrived (a recovery reads the credentials a move brought).
// The session decides what each dispatch means; this only keeps them.
import { type Logger, registerSecrets } from '../../logger.ts';
import {
  type DispatchFilter,
  type GoLiveDispatch,
  type MainGateway,
  parseGoLiveDispatch,
  type StreamCreate,
  type StreamDelete,
  type StreamServerUpdate,
  streamDaveGroupId,
  type VoiceServerUpdate,
  type VoiceStateUpdate,
} from './main-gateway.ts';
import type { ConnectionKind, VoiceConnection, VoiceConnectionOptions } from './voice-connection.ts';

/**
 * After a 4014, how long to wait for the main gateway to explain it (move, kick, delete, READY); and
 * the other way round, how long after READY a 4014 is still taken for the session reset
 * (protocol.md §8.2 item 5).
 */
export const DISCONNECT_EXPLANATION_MS = 5_000;

/**
 * How long a final STREAM_DELETE must stand, while we wait for our stream, before it is taken for a
 * refusal: Discord ends the account's earlier stream (a killed worker's, under the same stream key)
 * when ours replaces it, and then our STREAM_CREATE follows at once.
 */
export const STREAM_REFUSAL_CONFIRM_MS = 500;

/** The latest dispatch of each kind; null until one arrives, or after the session forgot it. */
export interface LatestDispatches {
  voiceState: VoiceStateUpdate | null;
  voiceServer: VoiceServerUpdate | null;
  streamCreate: StreamCreate | null;
  streamServer: StreamServerUpdate | null;
  streamDelete: StreamDelete | null;
}

/** What a connection is opened with: the ids and credentials the main gateway gave (protocol.md §1.5). */
export type ConnectionCredentials = Pick<
  VoiceConnectionOptions,
  'endpoint' | 'token' | 'serverId' | 'sessionId' | 'daveGroupId'
>;

export interface GoLiveSignalsOptions {
  gateway: MainGateway;
  filter: DispatchFilter;
  voiceChannelId: string;
  log: Logger;
  /** Each dispatch, once recorded and before the waiters look at it: the session acts on it first. */
  onDispatch: (dispatch: GoLiveDispatch) => void;
}

export class GoLiveSignals {
  readonly #gateway: MainGateway;
  readonly #filter: DispatchFilter;
  readonly #voiceChannelId: string;
  readonly #log: Logger;
  readonly #onDispatch: (dispatch: GoLiveDispatch) => void;
  readonly #latest: LatestDispatches = {
    voiceState: null,
    voiceServer: null,
    streamCreate: null,
    streamServer: null,
    streamDelete: null,
  };
  #viewers = 0;
  /** This Go Live has asked for a stream (op 18): from then on a STREAM_DELETE may be about ours. */
  #streamAsked = false;
  /** performance.now() of the latest recorded STREAM_DELETE. */
  #streamDeletedAt = 0;
  /**
   * Open for DISCONNECT_EXPLANATION_MS after READY: a 4014 within it is the voice servers dropping the
   * old session. A later one is not; it goes by the close-code policy (a kick must stay fatal).
   */
  #mainSessionResetWindow: NodeJS.Timeout | null = null;
  /** Aborted by `stop`: every wait, running or still to come, ends with the Go Live. */
  readonly #lifetime = new AbortController();
  readonly #waiters = new Set<() => void>();
  #unsubscribe: (() => void) | null = null;

  constructor(options: GoLiveSignalsOptions) {
    this.#gateway = options.gateway;
    this.#filter = options.filter;
    this.#voiceChannelId = options.voiceChannelId;
    this.#log = options.log;
    this.#onDispatch = options.onDispatch;
  }

  get latest(): Readonly<LatestDispatches> {
    return this.#latest;
  }

  /** Viewers of the stream, as the last STREAM_UPDATE that listed them said. */
  get viewers(): number {
    return this.#viewers;
  }

  /** A new main gateway session began moments ago: the voice servers are dropping both connections. */
  get mainSessionReset(): boolean {
    return this.#mainSessionResetWindow !== null;
  }

  listen(): void {
    this.#unsubscribe = this.#gateway.onDispatch((event, data) => this.#receive(event, data));
  }

  /** Stops listening and ends every wait; for good. */
  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#lifetime.abort();
    this.endMainSessionReset();
  }

  /** Drops what is no longer valid, so that a wait started now needs a fresh dispatch. */
  forget(...kinds: Array<keyof LatestDispatches>): void {
    for (const kind of kinds) this.#latest[kind] = null;
  }

  /** A fresh start no longer takes a 4014 for the reset that came before it. */
  endMainSessionReset(): void {
    if (this.#mainSessionResetWindow) clearTimeout(this.#mainSessionResetWindow);
    this.#mainSessionResetWindow = null;
  }

  /** The latest server update for `kind` names another server, or new credentials, than `connection` uses. */
  serverMoved(kind: ConnectionKind, connection: VoiceConnection): boolean {
    const server = kind === 'voice' ? this.#latest.voiceServer : this.#latest.streamServer;
    if (!server?.endpoint) return false;
    return connection.options.endpoint !== server.endpoint || connection.options.token !== server.token;
  }

  /** The voice connection's ids (protocol.md §1.5); throws while a dispatch they come from is missing. */
  voiceCredentials(): ConnectionCredentials {
    const { voiceState, voiceServer } = this.#latest;
    if (!voiceState || !voiceServer?.endpoint) throw new Error('no voice credentials to connect with');
    return {
      endpoint: voiceServer.endpoint,
      token: voiceServer.token,
      serverId: this.#filter.guildId,
      sessionId: voiceState.session_id,
      daveGroupId: this.#voiceChannelId,
    };
  }

  /** The stream connection's ids (protocol.md §1.5); logged, as its DAVE group id is an open point (§10 item 1). */
  streamCredentials(): ConnectionCredentials {
    const { streamCreate, streamServer, voiceState } = this.#latest;
    if (!streamCreate || !streamServer?.endpoint || !voiceState) {
      throw new Error('no stream credentials to connect with');
    }
    const daveGroupId = streamDaveGroupId(streamCreate);
    this.#log.info(
      {
        rtcServerId: streamCreate.rtc_server_id,
        rtcChannelId: streamCreate.rtc_channel_id ?? null,
        daveGroupId,
      },
      'stream identifiers',
    );
    return {
      endpoint: streamServer.endpoint,
      token: streamServer.token,
      serverId: streamCreate.rtc_server_id,
      sessionId: voiceState.session_id,
      daveGroupId,
    };
  }

  /**
   * Our STREAM_CREATE and STREAM_SERVER_UPDATE, to be called as op 18 goes out. A final STREAM_DELETE
   * meanwhile is a refusal once it has stood for STREAM_REFUSAL_CONFIRM_MS without a STREAM_CREATE.
   */
  async waitForStreamCredentials(timeoutMs: number): Promise<true> {
    this.#streamAsked = true;
    let recheck: NodeJS.Timeout | undefined;
    try {
      return await this.waitFor('STREAM_CREATE and STREAM_SERVER_UPDATE', timeoutMs, () => {
        const { streamCreate, streamServer, streamDelete } = this.#latest;
        if (streamDelete && !streamDelete.unavailable) {
          const standingMs = performance.now() - this.#streamDeletedAt;
          if (standingMs >= STREAM_REFUSAL_CONFIRM_MS) {
            throw new Error(`Discord refused the stream (${streamDelete.reason ?? 'no reason given'})`);
          }
          // A timer may fire a little early by performance.now(): each one arms the next if needed.
          recheck ??= setTimeout(() => {
            recheck = undefined;
            this.#checkWaiters();
          }, STREAM_REFUSAL_CONFIRM_MS - standingMs);
          return undefined;
        }
        return streamCreate && streamServer?.endpoint ? true : undefined;
      });
    } finally {
      clearTimeout(recheck);
    }
  }

  /** Resolves when `check` returns a value; rejects when it throws, on timeout, or on `stop`. */
  waitFor<T>(what: string, timeoutMs: number, check: () => T | undefined): Promise<T> {
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

  #receive(event: string, data: unknown): void {
    let dispatch: GoLiveDispatch | null;
    try {
      dispatch = parseGoLiveDispatch(event, data, this.#filter);
    } catch (error) {
      this.#log.warn({ err: error }, 'ignored a malformed main gateway dispatch');
      return;
    }
    if (!dispatch) return;
    // The same account's voice state under another main gateway session (a killed worker's, one
    // before a READY) names a session the voice servers refuse with 4006: never ours to connect with.
    if (dispatch.type === 'voice-state' && dispatch.data.session_id !== this.#gateway.sessionId) {
      this.#log.debug('ignored a voice state of another main gateway session');
      return;
    }
    // Likewise the end of a stream before this Go Live asked for one: the stream key is the same for
    // every session of the account, so it is an earlier session's stream (a killed worker's).
    if (dispatch.type === 'stream-delete' && !this.#streamAsked) {
      this.#log.debug('ignored a STREAM_DELETE of a stream this Go Live did not ask for');
      return;
    }
    // Voice and stream tokens are credentials too: masked wherever they might surface in a log.
    if (dispatch.type === 'voice-server' || dispatch.type === 'stream-server')
      registerSecrets([dispatch.data.token]);
    this.#record(dispatch);
    this.#onDispatch(dispatch);
    this.#checkWaiters();
  }

  #checkWaiters(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }

  #record(dispatch: GoLiveDispatch): void {
    switch (dispatch.type) {
      case 'voice-state': {
        const previous = this.#latest.voiceState;
        this.#latest.voiceState = dispatch.data;
        if (previous && previous.session_id !== dispatch.data.session_id) {
          this.#log.warn('voice session id changed');
        }
        return;
      }
      case 'voice-server':
        this.#latest.voiceServer = dispatch.data;
        return;
      case 'stream-create':
        this.#latest.streamCreate = dispatch.data;
        this.#latest.streamDelete = null;
        return;
      case 'stream-server':
        this.#latest.streamServer = dispatch.data;
        return;
      case 'stream-update':
        this.#viewers = dispatch.data.viewer_ids?.length ?? this.#viewers;
        this.#log.debug({ viewers: this.#viewers, paused: dispatch.data.paused }, 'stream update');
        return;
      case 'stream-delete':
        this.#latest.streamDelete = dispatch.data;
        this.#streamDeletedAt = performance.now();
        this.#log.warn(
          { reason: dispatch.data.reason ?? null, unavailable: dispatch.data.unavailable ?? false },
          'STREAM_DELETE',
        );
        return;
      case 'main-session-reset':
        this.#openMainSessionResetWindow();
        this.#log.warn('main gateway started a new session; the voice servers will drop both connections');
        return;
    }
  }

  #openMainSessionResetWindow(): void {
    this.endMainSessionReset();
    this.#mainSessionResetWindow = setTimeout(() => {
      this.#mainSessionResetWindow = null;
      this.#log.warn(
        `no 4014 within ${DISCONNECT_EXPLANATION_MS / 1000} s of the new main gateway session; the connections carry on`,
      );
    }, DISCONNECT_EXPLANATION_MS);
    this.#mainSessionResetWindow.unref();
  }
}
