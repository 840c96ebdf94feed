// The watch-party domain's front: the commands on sessions and their queue, and every move of a
// party along the state machine. Discord, the JSON API and the dashboard are doors into this one
// class; it knows nothing of them. Each session's mutations run one at a time (KeyedSerializer) and
// commit in a transaction together with their audit event; worker calls happen between
// transactions, never inside one. Around it: reads (party-reads.ts), storage (session-store.ts,
// queue-store.ts, audit-events.ts), calls to the worker and media server (party-streams.ts),
// Jellyfin's playback reports (playback-relay.ts), resume, intros and series (party-film-night.ts),
// and the flows the system drives through PartyStatusChanges: worker reports (worker-reports.ts)
// and recovery after a restart (restart-recovery.ts).
import type { Db } from '../db/connection.ts';
import type { QueueEntryRow, QueueEntryStatus, SessionRow, SessionUpdate } from '../db/schema.ts';
import { phrase, render } from '../i18n/translate.ts';
import { type Logger, sessionLogger } from '../logger.ts';
import { PartyAnnouncements } from './announcements.ts';
import { type Advanced, type AuditEvent, recordEvent } from './audit-events.ts';
import { asWatchPartyError, callSeam, failureKindOf, WatchPartyError } from './errors.ts';
import { failurePhrase } from './failures.ts';
import { KeyedSerializer } from './keyed-serializer.ts';
import type { MediaLibrary, PlaybackReporter } from './media-library.ts';
import { type FilmNightSettings, PartyFilmNight, type QueuedStart } from './party-film-night.ts';
import { findCallersParty, findLiveSession, listSessions, readSessionDetails } from './party-reads.ts';
import { PartyStreams } from './party-streams.ts';
import { PartyTracks } from './party-tracks.ts';
import { type Actor, actorUserId, type PartyAction, PermissionPolicy, systemActor } from './permissions.ts';
import { PlaybackRelay } from './playback-relay.ts';
import { QueueMoves } from './queue-moves.ts';
import {
  appendEntry,
  clearUpcoming,
  findEntry,
  moveUpcoming,
  orderUpcoming,
  playingEntry,
  removeUpcoming,
  setEntryStatus,
  upcomingEntries,
} from './queue-store.ts';
import { RestartRecovery } from './restart-recovery.ts';
import { resolveSeekTarget } from './seek-time.ts';
import { canTransition, type SessionEvent, transition } from './session-state.ts';
import {
  findWorkerState,
  insertSession,
  isChannelTaken,
  lastErrorColumns,
  requireSession,
  saveWorkerState,
  unknownParty,
  updateSession,
  workerStateFrom,
} from './session-store.ts';
import type { PartyStatusChanges } from './status-changes.ts';
import { type QueuedTracks, type TrackSettings, trackColumns } from './tracks.ts';
import {
  type PartySession,
  type QueueEntry,
  type SessionDetails,
  toPartySession,
  toQueueEntry,
  type UpcomingEntry,
} from './views.ts';
import type { WorkerPool } from './worker-pool.ts';
import { WorkerReports } from './worker-reports.ts';

export interface WatchPartyServiceOptions extends TrackSettings, FilmNightSettings {
  db: Db;
  workers: WorkerPool;
  media: MediaLibrary;
  reporter?: PlaybackReporter | undefined;
  logger: Logger;
  djRoleId?: string | undefined;
}

export interface CreateSessionInput {
  guildId: string;
  voiceChannelId: string;
  textChannelId: string;
  ownerUserId: string;
  title?: string | undefined;
}

export interface AddToQueueInput extends QueuedTracks, QueuedStart {
  itemId: string;
  /** Play after the current item (upcoming #1) instead of at the end. */
  next?: boolean | undefined;
  /** Start the party when it is idle (draft or queued): the first item queued starts it. */
  startIfIdle?: boolean | undefined;
}

export interface AddToQueueResult {
  entry: UpcomingEntry | QueueEntry;
  /** True when this call started the party. */
  started: boolean;
  /** Why the party did not start although asked to (the item stays queued). */
  startError: WatchPartyError | null;
}

export type PartyControl = 'start' | 'pause' | 'resume' | 'seek' | 'skip' | 'stop';

export type SessionChangeListener = (sessionId: number) => void;

export const DEFAULT_SESSION_TITLE = 'Watch party';
export const MAX_UPCOMING_ENTRIES = 500;
const MAX_TITLE_LENGTH = 100;

export class WatchPartyService {
  readonly #db: Db;
  readonly #workers: WorkerPool;
  readonly #media: MediaLibrary;
  readonly #relay: PlaybackRelay;
  readonly #streams: PartyStreams;
  readonly #recovery: RestartRecovery;
  readonly #logger: Logger;
  readonly #policy: PermissionPolicy;
  readonly #serial = new KeyedSerializer<number>();
  readonly #listeners = new Set<SessionChangeListener>();
  readonly #unsubscribeWorkers: () => void;
  readonly tracks: PartyTracks;
  readonly filmNight: PartyFilmNight;
  /** Skip, vote skip, previous, shuffle and loop (queue-moves.ts). */
  readonly queueMoves: QueueMoves;
  /** The party's public lines (an item failed, the party stopped); doors add their announcers. */
  readonly announcements: PartyAnnouncements;

  constructor(options: WatchPartyServiceOptions) {
    this.#db = options.db;
    this.#workers = options.workers;
    this.#media = options.media;
    this.#relay = new PlaybackRelay(options);
    this.#streams = new PartyStreams({ ...options, relay: this.#relay });
    this.#logger = options.logger;
    this.#policy = new PermissionPolicy({ djRoleId: options.djRoleId });
    this.announcements = new PartyAnnouncements(options.logger);
    const party: PartyStatusChanges = {
      mutate: (sessionId, task) => this.#mutate(sessionId, task),
      notify: (sessionId) => this.#notify(sessionId),
      changeStatus: (tx, session, event, extra) => this.#changeStatus(tx, session, event, extra),
      advance: (session, endedAs, actor, toEvent) => this.#advance(session, endedAs, actor, toEvent),
      connectAndPlay: (session, entry, startAt) => this.#connectAndPlay(session, entry, startAt),
      fail: (sessionId, error) => this.#fail(sessionId, error),
      announcements: this.announcements,
    };
    const reports = new WorkerReports({ db: options.db, logger: options.logger, relay: this.#relay, party });
    this.#recovery = new RestartRecovery({ ...options, party });
    this.tracks = new PartyTracks({ ...options, streams: this.#streams, policy: this.#policy, party });
    const seek = (sessionId: number, to: number, actor: Actor) => this.seek(sessionId, to, actor);
    this.queueMoves = new QueueMoves({ ...options, policy: this.#policy, party, seek });
    this.filmNight = new PartyFilmNight({ ...options, policy: this.#policy, party, moves: this });
    this.#unsubscribeWorkers = this.#workers.subscribe((sessionId, event) =>
      reports.receive(sessionId, event),
    );
  }

  /** Stops listening to workers and waits for work in flight. Workers are the pool's to shut down. */
  async close(): Promise<void> {
    this.#unsubscribeWorkers();
    await this.settled();
  }

  /** Resolves once every command and worker report received so far has been applied. */
  settled(): Promise<void> {
    return this.#serial.idle();
  }

  /** Called after every committed change of a session (commands and worker reports alike). */
  onSessionChanged(listener: SessionChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  // ── Reads (party-reads.ts) ─────────────────────────────────────────────────────────────────────

  getSession(sessionId: number): Promise<SessionDetails> {
    return readSessionDetails(this.#db, sessionId);
  }

  /**
   * A party as a member of `guildId` sees it: one of another guild reads as unknown (a Discord
   * custom id can be forged to name any party), and `action`, when given, must be allowed to `actor`.
   */
  async getGuildSession(
    sessionId: number,
    guildId: string | null,
    check?: { actor: Actor; action: PartyAction },
  ): Promise<SessionDetails> {
    const details = await readSessionDetails(this.#db, sessionId);
    if (details.session.guildId !== guildId) throw unknownParty(sessionId);
    if (check) {
      const { voiceChannelId, ownerUserId } = details.session;
      this.#policy.assertAllowed(
        check.actor,
        { voice_channel_id: voiceChannelId, owner_user_id: ownerUserId },
        check.action,
      );
    }
    return details;
  }

  listSessions(filter: { guildId?: string; includeStopped?: boolean } = {}): Promise<PartySession[]> {
    return listSessions(this.#db, filter);
  }

  findLiveSession(where: { voiceChannelId: string } | { guildId: string }): Promise<PartySession | null> {
    return findLiveSession(this.#db, where);
  }

  findCallersParty(caller: { guildId: string; voiceChannelId: string | null }): Promise<PartySession> {
    return findCallersParty(this.#db, caller);
  }

  // ── Sessions ───────────────────────────────────────────────────────────────────────────────────

  async createSession(input: CreateSessionInput, actor: Actor): Promise<PartySession> {
    this.#policy.assertMayCreate(actor, input.voiceChannelId);
    const title = input.title?.trim() || DEFAULT_SESSION_TITLE;
    if (title.length > MAX_TITLE_LENGTH) {
      throw new WatchPartyError('bad_request', phrase('error.titleTooLong', { max: MAX_TITLE_LENGTH }), {
        field: 'title',
      });
    }
    let created: SessionRow;
    try {
      created = await this.#db.transaction().execute(async (tx) => {
        const row = await insertSession(tx, {
          guild_id: input.guildId,
          voice_channel_id: input.voiceChannelId,
          text_channel_id: input.textChannelId,
          owner_user_id: input.ownerUserId,
          title,
        });
        await recordEvent(tx, row.id, actor, {
          type: 'created',
          payload: { title, ownerUserId: input.ownerUserId },
        });
        return row;
      });
    } catch (error) {
      if (!isChannelTaken(error)) throw error;
      const existing = await this.findLiveSession({ voiceChannelId: input.voiceChannelId });
      const channelId = input.voiceChannelId;
      throw new WatchPartyError(
        'conflict',
        existing
          ? phrase('error.channelHasNamedParty', { channelId, title: existing.title, id: existing.id })
          : phrase('error.channelHasParty', { channelId }),
        { cause: error },
      );
    }
    this.#notify(created.id);
    return toPartySession(created);
  }

  // ── Queue ──────────────────────────────────────────────────────────────────────────────────────

  addToQueue(sessionId: number, input: AddToQueueInput, actor: Actor): Promise<AddToQueueResult> {
    return this.#mutate(sessionId, async () => {
      const session = await requireSession(this.#db, sessionId);
      this.#policy.assertAllowed(actor, session, 'queue');
      transition(session.status, 'queue');
      const wasIdle = session.status === 'draft' || session.status === 'queued';
      const media = await callSeam(() => this.#media.describe(input.itemId));
      const start = await this.filmNight.startOf(session.guild_id, media, input.from);
      const entry = await this.#db.transaction().execute(async (tx) => {
        const upcoming = await upcomingEntries(tx, sessionId);
        if (upcoming.length >= MAX_UPCOMING_ENTRIES) {
          throw new WatchPartyError('conflict', phrase('error.queueFull', { max: MAX_UPCOMING_ENTRIES }));
        }
        const added = await appendEntry(tx, {
          session_id: sessionId,
          media_type: media.mediaType,
          jellyfin_source_id: media.itemId,
          title: media.title,
          year: media.year,
          runtime: media.runtimeSeconds === null ? null : Math.round(media.runtimeSeconds),
          summary: media.summary,
          poster_url: media.posterUrl,
          requested_by_user_id: actorUserId(actor),
          ...trackColumns(input.tracks),
          start_position_seconds: start,
        });
        const order = input.next
          ? [added.id, ...upcoming.map((row) => row.id)]
          : [...upcoming, added].map((row) => row.id);
        await orderUpcoming(tx, sessionId, order);
        await this.#changeStatus(tx, session, 'queue');
        const number = input.next ? 1 : upcoming.length + 1;
        await recordEvent(tx, sessionId, actor, {
          type: 'queued',
          payload: { entryId: added.id, itemId: media.itemId, title: media.title, number },
        });
        return { ...toQueueEntry(added), number };
      });
      if (!input.startIfIdle || !wasIdle) {
        return { entry, started: false, startError: null };
      }
      this.#notify(sessionId);
      try {
        await this.#begin(sessionId, actor);
      } catch (error) {
        const known = asWatchPartyError(error);
        if (!known) throw error;
        return { entry: await this.#entryView(sessionId, entry), started: false, startError: known };
      }
      return { entry: await this.#entryView(sessionId, entry), started: true, startError: null };
    });
  }

  /** Removes upcoming entry `number` (1-based, as `list` shows it). */
  removeFromQueue(sessionId: number, number: number, actor: Actor): Promise<QueueEntry> {
    return this.#editQueue(sessionId, actor, 'remove', async (tx) => {
      const removed = await removeUpcoming(tx, sessionId, number);
      return {
        event: { type: 'removed', payload: { entryId: removed.id, title: removed.title, number } },
        result: toQueueEntry(removed),
      };
    });
  }

  /** Moves upcoming entry `from` to place `to` (both 1-based). */
  moveInQueue(sessionId: number, from: number, to: number, actor: Actor): Promise<UpcomingEntry> {
    return this.#editQueue(sessionId, actor, 'move', async (tx) => {
      const moved = await moveUpcoming(tx, sessionId, from, to);
      return {
        event: { type: 'moved', payload: { entryId: moved.id, title: moved.title, from, to } },
        result: { ...toQueueEntry(moved), number: to },
      };
    });
  }

  /** Removes every upcoming entry; returns how many. The playing item plays on. */
  clearQueue(sessionId: number, actor: Actor): Promise<number> {
    return this.#editQueue(sessionId, actor, 'clear', async (tx) => {
      const count = await clearUpcoming(tx, sessionId);
      return { event: { type: 'cleared', payload: { count } }, result: count };
    });
  }

  // ── Controls ───────────────────────────────────────────────────────────────────────────────────

  /** Runs a control by name; the API's single control route and the Discord buttons use this. */
  async control(
    sessionId: number,
    action: PartyControl,
    actor: Actor,
    position?: string | number,
  ): Promise<void> {
    if (action !== 'seek') return this[action](sessionId, actor);
    if (position === undefined) {
      throw new WatchPartyError('bad_request', phrase('error.seekNeedsPosition'), {
        field: 'position',
      });
    }
    return this.seek(sessionId, position, actor);
  }

  /** Starts an idle party, or retries one that stopped on an error. */
  start(sessionId: number, actor: Actor): Promise<void> {
    return this.#mutate(sessionId, async () => {
      const session = await requireSession(this.#db, sessionId);
      this.#policy.assertAllowed(actor, session, 'start');
      await this.#begin(sessionId, actor);
    });
  }

  pause(sessionId: number, actor: Actor): Promise<void> {
    return this.#playerControl(sessionId, actor, 'pause', 'paused');
  }

  resume(sessionId: number, actor: Actor): Promise<void> {
    return this.#playerControl(sessionId, actor, 'resume', 'resumed');
  }

  /** `target` is what the user typed (see parseSeekTime), or a number of seconds. */
  seek(sessionId: number, target: string | number, actor: Actor): Promise<void> {
    return this.#mutate(sessionId, async () => {
      const session = await requireSession(this.#db, sessionId);
      this.#policy.assertAllowed(actor, session, 'seek');
      transition(session.status, 'seek');
      const entry = await playingEntry(this.#db, session);
      const worker = await findWorkerState(this.#db, sessionId);
      const positionSeconds = resolveSeekTarget(target, {
        positionSeconds: worker?.position_seconds ?? 0,
        durationSeconds: worker?.duration_seconds ?? entry?.runtime ?? null,
        title: entry?.title ?? session.title,
      });
      const status = await callSeam(() =>
        this.#workers.control(String(sessionId), { action: 'seek', positionSeconds }),
      );
      await this.#db.transaction().execute(async (tx) => {
        await this.#changeStatus(tx, session, 'seek');
        await saveWorkerState(tx, sessionId, {
          ...workerStateFrom(status),
          position_seconds: positionSeconds,
        });
        await recordEvent(tx, sessionId, actor, {
          type: 'seeked',
          payload: { from: worker?.position_seconds ?? 0, to: positionSeconds },
        });
      });
      await this.#relay.progress(session, positionSeconds, status.playbackState === 'paused');
    });
  }

  skip(sessionId: number, actor: Actor): Promise<void> {
    return this.queueMoves.skip(sessionId, actor);
  }

  stop(sessionId: number, actor: Actor): Promise<void> {
    return this.#mutate(sessionId, async () => {
      const session = await requireSession(this.#db, sessionId);
      this.#policy.assertAllowed(actor, session, 'stop');
      const current = await playingEntry(this.#db, session);
      const worker = await findWorkerState(this.#db, sessionId);
      await this.#db.transaction().execute(async (tx) => {
        await this.#changeStatus(tx, session, 'stop', { current_queue_entry_id: null });
        if (current) await this.filmNight.ended(tx, current, 'skipped', worker?.position_seconds ?? 0);
        await saveWorkerState(tx, sessionId, { worker_status: 'stopped', playback_state: 'idle' });
        await recordEvent(tx, sessionId, actor, {
          type: 'stopped',
          payload: current ? { entryId: current.id, title: current.title } : {},
        });
      });
      await this.#streams.close(sessionId);
      if (current) this.#relay.stopped(sessionId, current.jellyfin_source_id, worker?.position_seconds ?? 0);
    });
  }

  /** After a bot restart: parties that were streaming get a worker again (restart-recovery.ts). */
  resumeLiveSessions(): Promise<number[]> {
    return this.#recovery.resumeLiveSessions();
  }

  // ── Internals ──────────────────────────────────────────────────────────────────────────────────

  /** Runs a mutation of one session after the ones before it, then tells the listeners. */
  async #mutate<T>(sessionId: number, task: () => Promise<T>): Promise<T> {
    if (!Number.isSafeInteger(sessionId) || sessionId < 1) {
      throw new WatchPartyError('bad_request', phrase('error.badPartyId'), { field: 'id' });
    }
    try {
      return await this.#serial.run(sessionId, task);
    } finally {
      this.#notify(sessionId);
    }
  }

  async #editQueue<T>(
    sessionId: number,
    actor: Actor,
    action: PartyAction,
    edit: (tx: Db) => Promise<{ event: AuditEvent; result: T }>,
  ): Promise<T> {
    return this.#mutate(sessionId, async () => {
      const session = await requireSession(this.#db, sessionId);
      this.#policy.assertAllowed(actor, session, action);
      return this.#db.transaction().execute(async (tx) => {
        await this.#changeStatus(tx, session, 'editQueue');
        const { event, result } = await edit(tx);
        await recordEvent(tx, sessionId, actor, event);
        return result;
      });
    });
  }

  async #playerControl(
    sessionId: number,
    actor: Actor,
    action: 'pause' | 'resume',
    eventType: 'paused' | 'resumed',
  ): Promise<void> {
    await this.#mutate(sessionId, async () => {
      const session = await requireSession(this.#db, sessionId);
      this.#policy.assertAllowed(actor, session, action);
      transition(session.status, action);
      const status = await callSeam(() => this.#workers.control(String(sessionId), { action }));
      await this.#db.transaction().execute(async (tx) => {
        await this.#changeStatus(tx, session, action);
        await saveWorkerState(tx, sessionId, workerStateFrom(status));
        await recordEvent(tx, sessionId, actor, {
          type: eventType,
          payload: { positionSeconds: status.positionSeconds },
        });
      });
      await this.#relay.progress(session, status.positionSeconds, action === 'pause');
    });
  }

  /** Moves the session along the state machine (throws on an illegal move) and saves `extra`. */
  async #changeStatus(
    tx: Db,
    session: SessionRow,
    event: SessionEvent,
    extra: SessionUpdate = {},
  ): Promise<void> {
    const status = transition(session.status, event);
    await updateSession(tx, session.id, { ...extra, status });
    if (status !== session.status) {
      sessionLogger(this.#logger, session.id).info(
        { from: session.status, to: status, event },
        'party status',
      );
    }
    session.status = status;
  }

  /** Start or retry: connect a worker and play the current entry (after an error) or the next one. */
  async #begin(sessionId: number, actor: Actor): Promise<void> {
    const session = await requireSession(this.#db, sessionId);
    transition(session.status, 'start');
    const resumable = session.status === 'error' ? await playingEntry(this.#db, session) : undefined;
    const entry = resumable ?? (await upcomingEntries(this.#db, sessionId))[0];
    if (!entry) {
      throw new WatchPartyError('conflict', phrase('error.queueEmptyToStart'));
    }
    const startAt = resumable
      ? ((await findWorkerState(this.#db, sessionId))?.position_seconds ?? 0)
      : (entry.start_position_seconds ?? 0);
    await this.#db.transaction().execute(async (tx) => {
      await this.#changeStatus(tx, session, 'start', {
        worker_session_id: String(sessionId),
        current_queue_entry_id: entry.id,
      });
      await setEntryStatus(tx, entry.id, 'playing');
      await saveWorkerState(tx, sessionId, {
        worker_status: 'starting',
        playback_state: 'loading',
        ...lastErrorColumns(null),
      });
      await recordEvent(tx, sessionId, actor, {
        type: resumable ? 'retried' : 'started',
        payload: { entryId: entry.id, title: entry.title, startPositionSeconds: startAt },
      });
    });
    this.#notify(sessionId);
    await this.#connectAndPlay(session, entry, startAt);
  }

  async #connectAndPlay(session: SessionRow, entry: QueueEntryRow, startAt: number): Promise<void> {
    try {
      await this.#streams.connect(session, entry, startAt);
    } catch (error) {
      throw await this.#fail(session.id, error);
    }
  }

  /**
   * Ends the current entry with `endedAs` and moves on: the next entry plays, or with nothing left
   * the worker is closed (freeing its streaming account) and the party goes idle. `toEvent` names
   * the cause in the audit log.
   */
  async #advance(
    session: SessionRow,
    endedAs: QueueEntryStatus,
    actor: Actor,
    toEvent: (advanced: Advanced) => AuditEvent,
  ): Promise<void> {
    const ended = await playingEntry(this.#db, session);
    const worker = await findWorkerState(this.#db, session.id);
    const next = await this.#db.transaction().execute(async (tx) => {
      const [upcoming] = await upcomingEntries(tx, session.id);
      if (ended) await this.filmNight.ended(tx, ended, endedAs, worker?.position_seconds ?? 0);
      if (upcoming) await setEntryStatus(tx, upcoming.id, 'playing');
      await this.#changeStatus(tx, session, upcoming ? 'advance' : 'exhaust', {
        current_queue_entry_id: upcoming?.id ?? null,
      });
      await saveWorkerState(
        tx,
        session.id,
        upcoming
          ? { playback_state: 'loading', position_seconds: 0, current_title: upcoming.title }
          : { worker_status: 'stopped', playback_state: 'idle', position_seconds: 0, current_title: null },
      );
      await recordEvent(
        tx,
        session.id,
        actor,
        toEvent({
          endedEntryId: ended?.id ?? null,
          endedTitle: ended?.title ?? null,
          nextEntryId: upcoming?.id ?? null,
          nextTitle: upcoming?.title ?? null,
        }),
      );
      return upcoming;
    });
    if (ended) this.#relay.stopped(session.id, ended.jellyfin_source_id, worker?.position_seconds ?? 0);
    this.#notify(session.id);
    if (!next) {
      await this.#streams.close(session.id);
      return;
    }
    try {
      await this.#streams.play(session.id, next, next.start_position_seconds ?? 0);
    } catch (error) {
      throw await this.#fail(session.id, error);
    }
  }

  /**
   * The worker could not play: the party goes to `error` keeping its current entry (start retries
   * it), and the worker is closed to free its streaming account. Returns the error for the caller.
   */
  async #fail(sessionId: number, error: unknown): Promise<unknown> {
    const known = asWatchPartyError(error);
    const kind = failureKindOf(error);
    const text = kind === null && known ? known.text : failurePhrase(kind ?? 'unexpected');
    const message = typeof text === 'string' ? text : render('en', text);
    sessionLogger(this.#logger, sessionId).warn({ err: error, detail: known?.detail }, 'watch party failed');
    const session = await this.#db.transaction().execute(async (tx) => {
      const session = await requireSession(tx, sessionId);
      if (canTransition(session.status, 'fail')) await this.#changeStatus(tx, session, 'fail');
      await saveWorkerState(tx, sessionId, {
        worker_status: 'failed',
        playback_state: 'error',
        ...lastErrorColumns(message, kind && { kind, atSeconds: null }),
      });
      await recordEvent(tx, sessionId, systemActor, { type: 'failed', payload: { message } });
      return session;
    });
    this.announcements.partyStopped(session, text);
    await this.#streams.close(sessionId);
    return known ?? error;
  }

  async #entryView(sessionId: number, entry: UpcomingEntry): Promise<UpcomingEntry | QueueEntry> {
    const row = await findEntry(this.#db, sessionId, entry.id);
    if (!row || row.status === 'queued') return entry;
    return toQueueEntry(row);
  }

  #notify(sessionId: number): void {
    for (const listener of this.#listeners) {
      try {
        listener(sessionId);
      } catch (error) {
        sessionLogger(this.#logger, sessionId).error({ err: error }, 'a session change listener threw');
      }
    }
  }
}
