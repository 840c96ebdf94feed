// Tells the media server (Jellyfin) what each party plays, so it shows on its dashboard. Best effort:
// a failed report is logged and never touches playback. Heartbeats come every few seconds, but
// Jellyfin needs progress no finer than PROGRESS_REPORT_INTERVAL_MS, so progress is throttled.
import type { Db } from '../db/connection.ts';
import type { SessionRow } from '../db/schema.ts';
import { type Logger, sessionLogger } from '../logger.ts';
import type { PlaybackReporter } from './media-library.ts';
import { playingEntry } from './queue-store.ts';

const PROGRESS_REPORT_INTERVAL_MS = 10_000;

export interface PlaybackRelayOptions {
  db: Db;
  /** Without one, nothing is reported. */
  reporter: PlaybackReporter | undefined;
  logger: Logger;
}

export class PlaybackRelay {
  readonly #db: Db;
  readonly #reporter: PlaybackReporter | undefined;
  readonly #logger: Logger;
  readonly #lastProgressReport = new Map<number, number>();

  constructor(options: PlaybackRelayOptions) {
    this.#db = options.db;
    this.#reporter = options.reporter;
    this.#logger = options.logger;
  }

  started(sessionId: number, itemId: string, positionSeconds: number): void {
    this.#send('started', sessionId, itemId, positionSeconds);
  }

  stopped(sessionId: number, itemId: string, positionSeconds: number): void {
    this.#send('stopped', sessionId, itemId, positionSeconds);
  }

  /** Reports the playing entry's position, at most once per interval per party. */
  async progress(session: SessionRow, positionSeconds: number): Promise<void> {
    const now = Date.now();
    const last = this.#lastProgressReport.get(session.id) ?? 0;
    if (!this.#reporter || now - last < PROGRESS_REPORT_INTERVAL_MS) return;
    const entry = await playingEntry(this.#db, session);
    if (!entry) return;
    this.#lastProgressReport.set(session.id, now);
    this.#send(
      'progress',
      session.id,
      entry.jellyfin_source_id,
      positionSeconds,
      session.status === 'paused',
    );
  }

  /** The party's worker closed: its next progress, whenever it plays again, goes out at once. */
  forget(sessionId: number): void {
    this.#lastProgressReport.delete(sessionId);
  }

  #send(
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
}
