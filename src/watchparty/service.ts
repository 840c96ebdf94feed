// The watch-party domain: sessions, their queue, the state machine and the stream worker behind
// each live party. Discord, the JSON API and the dashboard are doors into this one class; it knows
// nothing of them. Each session's mutations run one at a time (KeyedSerializer) and commit in a
// transaction together with their audit event; worker calls happen between transactions, never
// inside one.
import type { Db } from '../db/connection.ts';
import type { QueueEntryRow, QueueEntryStatus, SessionRow, SessionUpdate } from '../db/schema.ts';
import { type Logger, sessionLogger } from '../logger.ts';
import type { EndReason, SessionStatusResponse, WorkerEvent } from '../worker/contract.ts';
import { asWatchPartyError, WatchPartyError } from './errors.ts';
import { KeyedSerializer } from './keyed-serializer.ts';
import type { MediaLibrary, PlaybackReporter } from './media-library.ts';
import { type Actor, actorUserId, type PartyAction, PermissionPolicy } from './permissions.ts';
import {
  appendEntry,
  deleteEntries,
  findEntry,
  historyEntries,
  orderUpcoming,
  upcomingEntries,
} from './queue-store.ts';
import { resolveSeekTarget } from './seek-time.ts';
import { canTransition, type SessionEvent, streamingStatuses, transition } from './session-state.ts';
import {
  findSession,
  findWorkerState,
  recordEvent,
  requireSession,
  saveWorkerState,
  updateSession,
  type WorkerStateUpdate,
} from './session-store.ts';
import {
  type PartySession,
  type QueueEntry,
  type SessionDetails,
  toPartyEvent,
  toPartySession,
  toQueueEntry,
  toWorkerState,
  type UpcomingEntry,
} from './views.ts';
import type { WorkerPool, WorkerPoolEvent } from './worker-pool.ts';

export interface WatchPartyServiceOptions {
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

export interface AddToQueueInput {
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
const RECENT_EVENTS = 20;
const HISTORY_ENTRIES = 20;
/** Jellyfin needs no finer progress than this; heartbeats come every few seconds. */
const PROGRESS_REPORT_INTERVAL_MS = 10_000;

const endedEntryStatus: Record<EndReason, QueueEntryStatus> = {
  finished: 'played',
  skipped: 'skipped',
  stopped: 'skipped',
  error: 'failed',
};

const system: Actor = { kind: 'system' };

export class WatchPartyService {
  readonly #db: Db;
  readonly #workers: WorkerPool;
  readonly #media: MediaLibrary;
  readonly #reporter: PlaybackReporter | undefined;
  readonly #logger: Logger;
  readonly #policy: PermissionPolicy;
  readonly #serial = new KeyedSerializer<number>();
  readonly #listeners = new Set<SessionChangeListener>();
  readonly #lastProgressReport = new Map<number, number>();
  readonly #unsubscribeWorkers: () => void;

  constructor(options: WatchPartyServiceOptions) {
    this.#db = options.db;
    this.#workers = options.workers;
    this.#media = options.media;
    this.#reporter = options.reporter;
    this.#logger = options.logger;
    this.#policy = new PermissionPolicy({ djRoleId: options.djRoleId });
    this.#unsubscribeWorkers = this.#workers.subscribe((sessionId, event) =>
      this.#onWorkerEvent(sessionId, event),
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

  // ── Reads ──────────────────────────────────────────────────────────────────────────────────────

  async getSession(sessionId: number): Promise<SessionDetails> {
    return this.#db.transaction().execute(async (tx) => {
      const session = await requireSession(tx, sessionId);
      const current =
        session.current_queue_entry_id === null
          ? undefined
          : await findEntry(tx, sessionId, session.current_queue_entry_id);
      const upcoming = await upcomingEntries(tx, sessionId);
      const history = await historyEntries(tx, sessionId, HISTORY_ENTRIES);
      const worker = await findWorkerState(tx, sessionId);
      const events = await tx
        .selectFrom('watch_party_events')
        .selectAll()
        .where('session_id', '=', sessionId)
        .orderBy('id', 'desc')
        .limit(RECENT_EVENTS)
        .execute();
      return {
        session: toPartySession(session),
        current: current ? toQueueEntry(current) : null,
        upcoming: upcoming.map((row, index) => ({ ...toQueueEntry(row), number: index + 1 })),
        history: history.map(toQueueEntry),
        worker: worker ? toWorkerState(worker) : null,
        recentEvents: events.map(toPartyEvent),
      };
    });
  }

  async listSessions(filter: { guildId?: string; includeStopped?: boolean } = {}): Promise<PartySession[]> {
    let query = this.#db.selectFrom('watch_party_sessions').selectAll().orderBy('id', 'desc').limit(200);
    if (filter.guildId !== undefined) query = query.where('guild_id', '=', filter.guildId);
    if (!filter.includeStopped) query = query.where('status', '!=', 'stopped');
    return (await query.execute()).map(toPartySession);
  }

  /** The party (not stopped) in a voice channel, or a guild's only party; null when none or ambiguous. */
  async findLiveSession(
    where: { voiceChannelId: string } | { guildId: string },
  ): Promise<PartySession | null> {
    const rows = await this.#db
      .selectFrom('watch_party_sessions')
      .selectAll()
      .where('status', '!=', 'stopped')
      .where((eb) =>
        'voiceChannelId' in where
          ? eb('voice_channel_id', '=', where.voiceChannelId)
          : eb('guild_id', '=', where.guildId),
      )
      .limit(2)
      .execute();
    return rows.length === 1 && rows[0] ? toPartySession(rows[0]) : null;
  }

  /**
   * "The caller's party": the party of the voice channel they are in, else the guild's only party.
   * Throws a not_found error that tells the caller what to do.
   */
  async findCallersParty(caller: { guildId: string; voiceChannelId: string | null }): Promise<PartySession> {
    if (caller.voiceChannelId !== null) {
      const inChannel = await this.findLiveSession({ voiceChannelId: caller.voiceChannelId });
      if (inChannel) return inChannel;
    }
    const inGuild = await this.listSessions({ guildId: caller.guildId });
    if (inGuild.length === 1 && inGuild[0]) return inGuild[0];
    if (inGuild.length === 0) {
      throw new WatchPartyError('not_found', 'No watch party is running in this server. Create one first.');
    }
    throw new WatchPartyError(
      'not_found',
      `${inGuild.length} watch parties are running in this server. Join the voice channel of the one you mean.`,
    );
  }

  // ── Sessions ───────────────────────────────────────────────────────────────────────────────────

  async createSession(input: CreateSessionInput, actor: Actor): Promise<PartySession> {
    this.#policy.assertMayCreate(actor, input.voiceChannelId);
    const title = input.title?.trim() || DEFAULT_SESSION_TITLE;
    if (title.length > MAX_TITLE_LENGTH) {
      throw new WatchPartyError('bad_request', `The title is longer than ${MAX_TITLE_LENGTH} characters.`, {
        field: 'title',
      });
    }
    let created: SessionRow;
    try {
      created = await this.#db.transaction().execute(async (tx) => {
        const row = await tx
          .insertInto('watch_party_sessions')
          .values({
            guild_id: input.guildId,
            voice_channel_id: input.voiceChannelId,
            text_channel_id: input.textChannelId,
            owner_user_id: input.ownerUserId,
            title,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await recordEvent(tx, row.id, 'created', actor, { title, ownerUserId: input.ownerUserId });
        return row;
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const existing = await this.findLiveSession({ voiceChannelId: input.voiceChannelId });
      const which = existing ? ` "${existing.title}" (#${existing.id}, ${existing.status})` : '';
      throw new WatchPartyError(
        'conflict',
        `<#${input.voiceChannelId}> already has a watch party${which}. Join it, or stop it before creating another.`,
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
      const media = await this.#call(() => this.#media.describe(input.itemId));
      const entry = await this.#db.transaction().execute(async (tx) => {
        const upcoming = await upcomingEntries(tx, sessionId);
        if (upcoming.length >= MAX_UPCOMING_ENTRIES) {
          throw new WatchPartyError(
            'conflict',
            `The queue is full (${MAX_UPCOMING_ENTRIES} items). Remove something first.`,
          );
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
        });
        const order = input.next
          ? [added.id, ...upcoming.map((row) => row.id)]
          : [...upcoming, added].map((row) => row.id);
        await orderUpcoming(tx, sessionId, order);
        await this.#changeStatus(tx, session, 'queue');
        const number = input.next ? 1 : upcoming.length + 1;
        await recordEvent(tx, sessionId, 'queued', actor, {
          entryId: added.id,
          itemId: media.itemId,
          title: media.title,
          number,
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
    return this.#editQueue(sessionId, actor, 'remove', async (tx, upcoming) => {
      const index = upcomingIndex(number, upcoming.length, 'index');
      const [removed] = upcoming.splice(index, 1);
      await deleteEntries(tx, [removed!.id]);
      await orderUpcoming(
        tx,
        sessionId,
        upcoming.map((row) => row.id),
      );
      return {
        event: 'removed',
        payload: { entryId: removed!.id, title: removed!.title, number },
        result: toQueueEntry(removed!),
      };
    });
  }

  /** Moves upcoming entry `from` to place `to` (both 1-based). */
  moveInQueue(sessionId: number, from: number, to: number, actor: Actor): Promise<UpcomingEntry> {
    return this.#editQueue(sessionId, actor, 'move', async (tx, upcoming) => {
      const fromIndex = upcomingIndex(from, upcoming.length, 'from');
      const toIndex = upcomingIndex(to, upcoming.length, 'to');
      const [moved] = upcoming.splice(fromIndex, 1);
      upcoming.splice(toIndex, 0, moved!);
      await orderUpcoming(
        tx,
        sessionId,
        upcoming.map((row) => row.id),
      );
      return {
        event: 'moved',
        payload: { entryId: moved!.id, title: moved!.title, from, to },
        result: { ...toQueueEntry(moved!), number: to },
      };
    });
  }

  /** Removes every upcoming entry; returns how many. The playing item plays on. */
  clearQueue(sessionId: number, actor: Actor): Promise<number> {
    return this.#editQueue(sessionId, actor, 'clear', async (tx, upcoming) => {
      await deleteEntries(
        tx,
        upcoming.map((row) => row.id),
      );
      return { event: 'cleared', payload: { count: upcoming.length }, result: upcoming.length };
    });
  }

  // ── Controls ───────────────────────────────────────────────────────────────────────────────────

  /** Runs a control by name; the API's single control route and the Discord buttons use this. */
  async control(sessionId: number, action: PartyControl, actor: Actor, position?: string): Promise<void> {
    switch (action) {
      case 'start':
        return this.start(sessionId, actor);
      case 'pause':
        return this.pause(sessionId, actor);
      case 'resume':
        return this.resume(sessionId, actor);
      case 'seek':
        if (position === undefined) {
          throw new WatchPartyError('bad_request', 'Seek needs a position, such as 1:23:45 or +30.', {
            field: 'position',
          });
        }
        return this.seek(sessionId, position, actor);
      case 'skip':
        return this.skip(sessionId, actor);
      case 'stop':
        return this.stop(sessionId, actor);
    }
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

  /** `target` is what the user typed (see parseSeekTime). */
  seek(sessionId: number, target: string, actor: Actor): Promise<void> {
    return this.#mutate(sessionId, async () => {
      const session = await requireSession(this.#db, sessionId);
      this.#policy.assertAllowed(actor, session, 'seek');
      transition(session.status, 'seek');
      const entry = await this.#currentEntry(session);
      const worker = await findWorkerState(this.#db, sessionId);
      const positionSeconds = resolveSeekTarget(target, {
        positionSeconds: worker?.position_seconds ?? 0,
        durationSeconds: worker?.duration_seconds ?? entry?.runtime ?? null,
        title: entry?.title ?? session.title,
      });
      const status = await this.#call(() =>
        this.#workers.control(String(sessionId), { action: 'seek', positionSeconds }),
      );
      await this.#db.transaction().execute(async (tx) => {
        await this.#changeStatus(tx, session, 'seek');
        await saveWorkerState(tx, sessionId, {
          ...workerStateFrom(status),
          position_seconds: positionSeconds,
        });
        await recordEvent(tx, sessionId, 'seeked', actor, {
          from: worker?.position_seconds ?? 0,
          to: positionSeconds,
        });
      });
    });
  }

  skip(sessionId: number, actor: Actor): Promise<void> {
    return this.#mutate(sessionId, async () => {
      const session = await requireSession(this.#db, sessionId);
      this.#policy.assertAllowed(actor, session, 'skip');
      const [next] = await upcomingEntries(this.#db, sessionId);
      transition(session.status, next ? 'advance' : 'exhaust');
      if (next) await this.#call(() => this.#workers.control(String(sessionId), { action: 'skip' }));
      await this.#advance(session, 'skipped', actor, 'skipped');
    });
  }

  stop(sessionId: number, actor: Actor): Promise<void> {
    return this.#mutate(sessionId, async () => {
      const session = await requireSession(this.#db, sessionId);
      this.#policy.assertAllowed(actor, session, 'stop');
      const current = await this.#currentEntry(session);
      const worker = await findWorkerState(this.#db, sessionId);
      await this.#db.transaction().execute(async (tx) => {
        await this.#changeStatus(tx, session, 'stop', { current_queue_entry_id: null });
        if (current) await markEntry(tx, current.id, 'skipped');
        await saveWorkerState(tx, sessionId, { worker_status: 'stopped', playback_state: 'idle' });
        await recordEvent(
          tx,
          sessionId,
          'stopped',
          actor,
          current ? { entryId: current.id, title: current.title } : {},
        );
      });
      await this.#closeWorker(sessionId);
      if (current)
        this.#report('stopped', sessionId, current.jellyfin_source_id, worker?.position_seconds ?? 0);
    });
  }

  /**
   * Picks parties up again after a bot restart: each party that was connecting, playing or paused
   * gets a worker again and replays its current item from the last known position (paused ones are
   * paused again). Returns the ids it resumed; failures are logged and leave the party in `error`.
   */
  async resumeLiveSessions(): Promise<number[]> {
    const sessions = await this.#db
      .selectFrom('watch_party_sessions')
      .select('id')
      .where('status', 'in', streamingStatuses)
      .orderBy('id')
      .execute();
    const resumed: number[] = [];
    for (const { id } of sessions) {
      try {
        await this.#mutate(id, () => this.#recover(id));
        resumed.push(id);
      } catch (error) {
        sessionLogger(this.#logger, id).warn(
          { err: error },
          'could not resume the watch party after a restart',
        );
      }
    }
    return resumed;
  }

  // ── Internals ──────────────────────────────────────────────────────────────────────────────────

  /** Runs a mutation of one session after the ones before it, then tells the listeners. */
  async #mutate<T>(sessionId: number, task: () => Promise<T>): Promise<T> {
    if (!Number.isSafeInteger(sessionId) || sessionId < 1) {
      throw new WatchPartyError('bad_request', 'A session id is a positive whole number.', { field: 'id' });
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
    edit: (
      tx: Db,
      upcoming: QueueEntryRow[],
    ) => Promise<{ event: string; payload: Record<string, unknown>; result: T }>,
  ): Promise<T> {
    return this.#mutate(sessionId, async () => {
      const session = await requireSession(this.#db, sessionId);
      this.#policy.assertAllowed(actor, session, action);
      return this.#db.transaction().execute(async (tx) => {
        await this.#changeStatus(tx, session, 'editQueue');
        const { event, payload, result } = await edit(tx, await upcomingEntries(tx, sessionId));
        await recordEvent(tx, sessionId, event, actor, payload);
        return result;
      });
    });
  }

  async #playerControl(
    sessionId: number,
    actor: Actor,
    action: 'pause' | 'resume',
    eventType: string,
  ): Promise<void> {
    await this.#mutate(sessionId, async () => {
      const session = await requireSession(this.#db, sessionId);
      this.#policy.assertAllowed(actor, session, action);
      transition(session.status, action);
      const status = await this.#call(() => this.#workers.control(String(sessionId), { action }));
      await this.#db.transaction().execute(async (tx) => {
        await this.#changeStatus(tx, session, action);
        await saveWorkerState(tx, sessionId, workerStateFrom(status));
        await recordEvent(tx, sessionId, eventType, actor, { positionSeconds: status.positionSeconds });
      });
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
    const resumable = session.status === 'error' ? await this.#currentEntry(session) : undefined;
    const entry = resumable ?? (await upcomingEntries(this.#db, sessionId))[0];
    if (!entry) {
      throw new WatchPartyError(
        'conflict',
        'The queue is empty. Queue something first, then start the party.',
      );
    }
    const startAt = resumable ? ((await findWorkerState(this.#db, sessionId))?.position_seconds ?? 0) : 0;
    await this.#db.transaction().execute(async (tx) => {
      await this.#changeStatus(tx, session, 'start', {
        worker_session_id: String(sessionId),
        current_queue_entry_id: entry.id,
      });
      await markEntry(tx, entry.id, 'playing');
      await saveWorkerState(tx, sessionId, {
        worker_status: 'starting',
        playback_state: 'loading',
        last_error: null,
      });
      await recordEvent(tx, sessionId, resumable ? 'retried' : 'started', actor, {
        entryId: entry.id,
        title: entry.title,
        startPositionSeconds: startAt,
      });
    });
    this.#notify(sessionId);
    await this.#connectAndPlay(session, entry, startAt);
  }

  async #connectAndPlay(session: SessionRow, entry: QueueEntryRow, startAt: number): Promise<void> {
    try {
      await this.#workers.open({
        sessionId: String(session.id),
        guildId: session.guild_id,
        voiceChannelId: session.voice_channel_id,
        textChannelId: session.text_channel_id,
      });
      await this.#play(session.id, entry, startAt);
    } catch (error) {
      throw await this.#fail(session.id, error);
    }
  }

  /** Sends the worker the entry to play. Throws what the media server or the worker threw. */
  async #play(sessionId: number, entry: QueueEntryRow, startAt: number): Promise<void> {
    const playback = await this.#media.playbackTarget(entry.jellyfin_source_id);
    await this.#workers.play(String(sessionId), {
      queueEntryId: entry.id,
      jellyfinSourceId: entry.jellyfin_source_id,
      title: entry.title,
      mediaType: entry.media_type,
      playback,
      ...(startAt > 0 ? { startPositionSeconds: startAt } : {}),
    });
    await saveWorkerState(this.#db, sessionId, {
      current_title: entry.title,
      duration_seconds: playback.durationSeconds ?? entry.runtime,
      position_seconds: startAt,
    });
    this.#report('started', sessionId, entry.jellyfin_source_id, startAt);
  }

  /**
   * Ends the current entry with `endedAs` and moves on: the next entry plays, or with nothing left
   * the worker is closed (freeing its streaming account) and the party goes idle.
   */
  async #advance(
    session: SessionRow,
    endedAs: QueueEntryStatus,
    actor: Actor,
    eventType: string,
    payload: Record<string, unknown> = {},
  ): Promise<void> {
    const ended = await this.#currentEntry(session);
    const worker = await findWorkerState(this.#db, session.id);
    const next = await this.#db.transaction().execute(async (tx) => {
      const [upcoming] = await upcomingEntries(tx, session.id);
      if (ended) await markEntry(tx, ended.id, endedAs);
      if (upcoming) await markEntry(tx, upcoming.id, 'playing');
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
      await recordEvent(tx, session.id, eventType, actor, {
        ...payload,
        endedEntryId: ended?.id ?? null,
        endedTitle: ended?.title ?? null,
        nextEntryId: upcoming?.id ?? null,
        nextTitle: upcoming?.title ?? null,
      });
      return upcoming;
    });
    if (ended) this.#report('stopped', session.id, ended.jellyfin_source_id, worker?.position_seconds ?? 0);
    this.#notify(session.id);
    if (!next) {
      await this.#closeWorker(session.id);
      return;
    }
    try {
      await this.#play(session.id, next, 0);
    } catch (error) {
      throw await this.#fail(session.id, error);
    }
  }

  /** After a bot restart: give the party a worker again and replay where it was. */
  async #recover(sessionId: number): Promise<void> {
    const session = await requireSession(this.#db, sessionId);
    if (!canTransition(session.status, 'recover')) return;
    const wasPaused = session.status === 'paused';
    const current = await this.#currentEntry(session);
    const entry = current ?? (await upcomingEntries(this.#db, sessionId))[0];
    if (!entry) {
      await this.#db.transaction().execute(async (tx) => {
        await this.#changeStatus(tx, session, 'exhaust', { current_queue_entry_id: null });
        await recordEvent(tx, sessionId, 'recovered', system, { idle: true });
      });
      return;
    }
    const startAt = current ? ((await findWorkerState(this.#db, sessionId))?.position_seconds ?? 0) : 0;
    await this.#db.transaction().execute(async (tx) => {
      await this.#changeStatus(tx, session, 'recover', { current_queue_entry_id: entry.id });
      await markEntry(tx, entry.id, 'playing');
      await saveWorkerState(tx, sessionId, { worker_status: 'starting', playback_state: 'loading' });
      await recordEvent(tx, sessionId, 'recovered', system, {
        entryId: entry.id,
        title: entry.title,
        startPositionSeconds: startAt,
        paused: wasPaused,
      });
    });
    this.#notify(sessionId);
    await this.#connectAndPlay(session, entry, startAt);
    if (!wasPaused) return;
    try {
      const status = await this.#workers.control(String(sessionId), { action: 'pause' });
      await saveWorkerState(this.#db, sessionId, workerStateFrom(status));
    } catch (error) {
      throw await this.#fail(sessionId, error);
    }
  }

  /**
   * The worker could not play: the party goes to `error` keeping its current entry (start retries
   * it), and the worker is closed to free its streaming account. Returns the error for the caller.
   */
  async #fail(sessionId: number, error: unknown): Promise<unknown> {
    const known = asWatchPartyError(error);
    const message = known?.message ?? 'The stream worker failed unexpectedly; see the bot log.';
    sessionLogger(this.#logger, sessionId).warn({ err: error }, 'watch party failed');
    await this.#db.transaction().execute(async (tx) => {
      const session = await requireSession(tx, sessionId);
      if (canTransition(session.status, 'fail')) await this.#changeStatus(tx, session, 'fail');
      await saveWorkerState(tx, sessionId, {
        worker_status: 'failed',
        playback_state: 'error',
        last_error: message,
      });
      await recordEvent(tx, sessionId, 'failed', system, { message });
    });
    await this.#closeWorker(sessionId);
    return known ?? error;
  }

  async #closeWorker(sessionId: number): Promise<void> {
    this.#lastProgressReport.delete(sessionId);
    try {
      await this.#workers.close(String(sessionId));
    } catch (error) {
      sessionLogger(this.#logger, sessionId).warn({ err: error }, 'could not close the stream worker');
    }
  }

  async #currentEntry(session: SessionRow): Promise<QueueEntryRow | undefined> {
    if (session.current_queue_entry_id === null) return undefined;
    const entry = await findEntry(this.#db, session.id, session.current_queue_entry_id);
    return entry?.status === 'playing' ? entry : undefined;
  }

  async #entryView(sessionId: number, entry: UpcomingEntry): Promise<UpcomingEntry | QueueEntry> {
    const row = await findEntry(this.#db, sessionId, entry.id);
    if (!row || row.status === 'queued') return entry;
    return toQueueEntry(row);
  }

  /** Calls a seam and turns its user-safe errors into WatchPartyErrors. */
  async #call<T>(seam: () => Promise<T>): Promise<T> {
    try {
      return await seam();
    } catch (error) {
      throw asWatchPartyError(error) ?? error;
    }
  }

  // ── Worker reports ─────────────────────────────────────────────────────────────────────────────

  #onWorkerEvent(workerSessionId: string, event: WorkerPoolEvent): void {
    const sessionId = Number(workerSessionId);
    if (!Number.isSafeInteger(sessionId) || sessionId < 1) {
      this.#logger.warn(
        { workerSessionId, eventType: event.type },
        'worker report for an unknown session id',
      );
      return;
    }
    this.#mutate(sessionId, () => this.#applyWorkerEvent(sessionId, event)).catch((error: unknown) => {
      sessionLogger(this.#logger, sessionId).error(
        { err: error, eventType: event.type },
        'could not apply worker report',
      );
    });
  }

  async #applyWorkerEvent(sessionId: number, event: WorkerPoolEvent): Promise<void> {
    const session = await findSession(this.#db, sessionId);
    if (!session || session.status === 'stopped') return;
    switch (event.type) {
      case 'state':
        return this.#applyWorkerState(session, event.status);
      case 'heartbeat':
        await saveWorkerState(this.#db, sessionId, { position_seconds: event.positionSeconds });
        await this.#reportProgress(session, event.positionSeconds);
        return;
      case 'ended':
        return this.#applyEnded(session, event);
      case 'error':
        await this.#db.transaction().execute(async (tx) => {
          await saveWorkerState(tx, sessionId, { last_error: event.message });
          await recordEvent(tx, sessionId, 'worker-error', system, {
            message: event.message,
            fatal: event.fatal,
          });
        });
        return;
      case 'worker-restarting':
        await this.#db.transaction().execute(async (tx) => {
          await saveWorkerState(tx, sessionId, { worker_status: 'restarting' });
          await recordEvent(tx, sessionId, 'worker-restarting', system, {
            attempt: event.attempt,
            reason: event.reason,
          });
        });
        return;
      case 'worker-failed':
        if (canTransition(session.status, 'fail')) {
          await this.#fail(
            sessionId,
            new WatchPartyError('unavailable', `The stream worker failed: ${event.reason}`),
          );
        }
        return;
    }
  }

  async #applyWorkerState(session: SessionRow, status: SessionStatusResponse): Promise<void> {
    const aboutCurrent =
      status.queueEntryId === null || status.queueEntryId === session.current_queue_entry_id;
    if (!aboutCurrent) return;
    await this.#db.transaction().execute(async (tx) => {
      await saveWorkerState(tx, session.id, workerStateFrom(status));
      if (status.playbackState === 'playing' && canTransition(session.status, 'workerPlaying')) {
        await this.#changeStatus(tx, session, 'workerPlaying');
        await recordEvent(tx, session.id, 'playing', system, { title: status.currentTitle });
      }
    });
  }

  async #applyEnded(session: SessionRow, event: Extract<WorkerEvent, { type: 'ended' }>): Promise<void> {
    // Reports about an entry we already moved past (skip, stop) change nothing.
    if (event.queueEntryId !== session.current_queue_entry_id) return;
    if (!canTransition(session.status, 'exhaust')) return;
    if (event.error !== null) await saveWorkerState(this.#db, session.id, { last_error: event.error });
    await saveWorkerState(this.#db, session.id, { position_seconds: event.positionSeconds });
    await this.#advance(session, endedEntryStatus[event.reason], system, 'item-ended', {
      reason: event.reason,
      error: event.error,
    });
  }

  async #reportProgress(session: SessionRow, positionSeconds: number): Promise<void> {
    const now = Date.now();
    const last = this.#lastProgressReport.get(session.id) ?? 0;
    if (!this.#reporter || now - last < PROGRESS_REPORT_INTERVAL_MS) return;
    const entry = await this.#currentEntry(session);
    if (!entry) return;
    this.#lastProgressReport.set(session.id, now);
    this.#report(
      'progress',
      session.id,
      entry.jellyfin_source_id,
      positionSeconds,
      session.status === 'paused',
    );
  }

  /** Tells the media server what plays; never lets its failure touch playback. */
  #report(
    kind: 'started' | 'progress' | 'stopped',
    sessionId: number,
    itemId: string,
    positionSeconds: number,
    paused = false,
  ): void {
    const reporter = this.#reporter;
    if (!reporter) return;
    const id = String(sessionId);
    const call = async () => {
      if (kind === 'progress') await reporter.progress(id, itemId, positionSeconds, paused);
      else await reporter[kind](id, itemId, positionSeconds);
    };
    call().catch((error: unknown) => {
      sessionLogger(this.#logger, sessionId).warn(
        { err: error, kind },
        'could not report playback to the media server',
      );
    });
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

async function markEntry(tx: Db, entryId: number, status: QueueEntryStatus): Promise<void> {
  await tx.updateTable('watch_party_queue').set({ status }).where('id', '=', entryId).execute();
}

/** A 1-based upcoming number → array index; a clear error naming `field` when out of range. */
function upcomingIndex(number: number, count: number, field: string): number {
  if (!Number.isInteger(number) || number < 1 || number > count) {
    const has =
      count === 0
        ? 'The queue is empty'
        : `The queue has ${count} upcoming item${count === 1 ? '' : 's'} (1-${count})`;
    throw new WatchPartyError('bad_request', `There is no item #${number} in the queue. ${has}.`, { field });
  }
  return number - 1;
}

function workerStateFrom(status: SessionStatusResponse): WorkerStateUpdate {
  return {
    worker_status: status.workerStatus,
    playback_state: status.playbackState,
    current_title: status.currentTitle,
    position_seconds: status.positionSeconds,
    duration_seconds: status.durationSeconds,
    last_error: status.lastError,
  };
}

function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof Error &&
    'code' in error &&
    typeof error.code === 'string' &&
    error.code.startsWith('SQLITE_CONSTRAINT_UNIQUE')
  );
}
