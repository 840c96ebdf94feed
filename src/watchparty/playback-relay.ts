// Tells the media server (Jellyfin) what each party plays, so it shows on its dashboard. Best effort:
// a failed report is logged and never touches playback. Every position is passed on: the reporter
// thins them to its own rhythm and sends a seek, pause or resume at once, which a second throttle
// here would hold back (Jellyfin then showed the position from before the seek).
import type { Db } from '../db/connection.ts';
import type { SessionRow } from '../db/schema.ts';
import { type Logger, sessionLogger } from '../logger.ts';
import type { PlaybackReporter } from './media-library.ts';
import { playingEntry } from './queue-store.ts';
import type { WatchHistory } from './watch-history.ts';

export interface PlaybackRelayOptions {
  db: Db;
  /** Without one, nothing is reported. */
  reporter?: PlaybackReporter | undefined;
  /** JELLYFIN_USER's resume position follows the party's; without one, nothing is saved. */
  history?: WatchHistory | undefined;
  logger: Logger;
}

export class PlaybackRelay {
  readonly #db: Db;
  readonly #reporter: PlaybackReporter | undefined;
  readonly #history: WatchHistory | undefined;
  readonly #logger: Logger;

  constructor(options: PlaybackRelayOptions) {
    this.#db = options.db;
    this.#reporter = options.reporter;
    this.#history = options.history;
    this.#logger = options.logger;
  }

  started(sessionId: number, itemId: string, positionSeconds: number): void {
    this.#send('started', sessionId, itemId, positionSeconds);
  }

  stopped(sessionId: number, itemId: string, positionSeconds: number): void {
    this.#send('stopped', sessionId, itemId, positionSeconds);
  }

  /** Reports the playing entry's position: a worker heartbeat, or where a seek, pause or resume left it. */
  async progress(session: SessionRow, positionSeconds: number, paused: boolean): Promise<void> {
    if (!this.#reporter && !this.#history) return;
    const entry = await playingEntry(this.#db, session);
    if (!entry) return;
    if (!paused) this.#history?.progress(entry.jellyfin_source_id, positionSeconds);
    this.#send('progress', session.id, entry.jellyfin_source_id, positionSeconds, paused);
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
