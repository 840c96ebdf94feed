// Tells Jellyfin what each party is watching, so it shows on the dashboard: one device per party
// (a stable DeviceId derived from the session id), a start report, progress at least every 10 s
// (the dashboard hides API-key sessions silent for 95 s) and a stop report. Reporting is
// best-effort: a failure is logged and never breaks the party.
import { randomBytes } from 'node:crypto';
import type { Logger } from '../logger.ts';
import type { PlaybackReporter } from '../watchparty/media-library.ts';
import type { JellyfinClient, PlaybackReportKind } from './client.ts';
import { secondsToTicks } from './schemas.ts';

/** jellyfin-web reports every 10 s; so do we, whatever the caller's rhythm. */
export const PROGRESS_INTERVAL_MS = 10_000;

interface PartyPlayback {
  client: JellyfinClient;
  itemId: string;
  playSessionId: string;
  positionSeconds: number;
  paused: boolean;
  /** performance.now() when positionSeconds was last set. */
  positionAt: number;
  lastSentAt: number;
  heartbeat: NodeJS.Timeout;
}

/** Stable per party, so Jellyfin keeps one session row per party. */
export function partyDeviceId(sessionId: string): string {
  return `orb-watch-party-${sessionId}`;
}

export class JellyfinPlaybackReporter implements PlaybackReporter {
  readonly #client: JellyfinClient;
  readonly #logger: Logger | null;
  readonly #intervalMs: number;
  readonly #parties = new Map<string, PartyPlayback>();

  constructor(options: { client: JellyfinClient; logger?: Logger; progressIntervalMs?: number }) {
    this.#client = options.client;
    this.#logger = options.logger ?? null;
    this.#intervalMs = options.progressIntervalMs ?? PROGRESS_INTERVAL_MS;
  }

  async started(sessionId: string, itemId: string, positionSeconds: number): Promise<void> {
    this.#forget(sessionId);
    const party: PartyPlayback = {
      client: this.#client.asDevice(partyDeviceId(sessionId), `Discord watch party ${sessionId}`),
      itemId,
      playSessionId: randomBytes(16).toString('hex'),
      positionSeconds,
      paused: false,
      positionAt: performance.now(),
      lastSentAt: performance.now(),
      heartbeat: setInterval(() => void this.#beat(sessionId), this.#intervalMs),
    };
    party.heartbeat.unref();
    this.#parties.set(sessionId, party);
    await this.#send(party, 'start');
  }

  async progress(sessionId: string, itemId: string, positionSeconds: number, paused: boolean): Promise<void> {
    const party = this.#parties.get(sessionId);
    if (!party || party.itemId !== itemId) {
      await this.started(sessionId, itemId, positionSeconds);
      if (paused) await this.progress(sessionId, itemId, positionSeconds, paused);
      return;
    }
    const expected = this.#currentPosition(party);
    const stateChanged = party.paused !== paused || Math.abs(expected - positionSeconds) > 2;
    party.positionSeconds = positionSeconds;
    party.paused = paused;
    party.positionAt = performance.now();
    // Callers may report often (every worker heartbeat); Jellyfin needs a report per interval,
    // plus one straight away when the state changes (pause, resume, seek).
    if (stateChanged || performance.now() - party.lastSentAt >= this.#intervalMs)
      await this.#send(party, 'progress');
  }

  async stopped(sessionId: string, itemId: string, positionSeconds: number): Promise<void> {
    const party = this.#parties.get(sessionId);
    this.#forget(sessionId);
    const target = party && party.itemId === itemId ? party : null;
    const client =
      target?.client ?? this.#client.asDevice(partyDeviceId(sessionId), `Discord watch party ${sessionId}`);
    await this.#post(client, 'stopped', {
      ItemId: itemId,
      MediaSourceId: itemId,
      PlaySessionId: target?.playSessionId,
      PositionTicks: secondsToTicks(positionSeconds),
      Failed: false,
    });
  }

  /** Stops every heartbeat (bot shutdown); does not report parties as stopped. */
  close(): void {
    for (const sessionId of [...this.#parties.keys()]) this.#forget(sessionId);
  }

  async #beat(sessionId: string): Promise<void> {
    const party = this.#parties.get(sessionId);
    if (!party || performance.now() - party.lastSentAt < this.#intervalMs / 2) return;
    party.positionSeconds = this.#currentPosition(party);
    party.positionAt = performance.now();
    await this.#send(party, 'progress');
  }

  #currentPosition(party: PartyPlayback): number {
    return party.paused
      ? party.positionSeconds
      : party.positionSeconds + (performance.now() - party.positionAt) / 1000;
  }

  async #send(party: PartyPlayback, kind: 'start' | 'progress'): Promise<void> {
    party.lastSentAt = performance.now();
    await this.#post(party.client, kind, {
      ItemId: party.itemId,
      MediaSourceId: party.itemId,
      PlaySessionId: party.playSessionId,
      PlayMethod: 'DirectPlay',
      PositionTicks: secondsToTicks(party.positionSeconds),
      IsPaused: party.paused,
      IsMuted: false,
      CanSeek: true,
      RepeatMode: 'RepeatNone',
      PlaybackOrder: 'Default',
    });
  }

  async #post(client: JellyfinClient, kind: PlaybackReportKind, body: object): Promise<void> {
    try {
      await client.reportPlayback(kind, body);
    } catch (error) {
      this.#logger?.warn({ err: error, report: kind }, 'could not report playback to Jellyfin');
    }
  }

  #forget(sessionId: string): void {
    const party = this.#parties.get(sessionId);
    if (party) clearInterval(party.heartbeat);
    this.#parties.delete(sessionId);
  }
}
