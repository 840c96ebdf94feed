// Where a party's playback is now, from the worker's last report: the one reading the panel, the
// progress bar, the API and a track change (which restarts the item where it is) all share.
import type { PartyActivity, PartyPlayback, SessionDetails } from './views.ts';

/** The stored parts a live reading is made from. */
type PartyReport = Pick<SessionDetails, 'session' | 'current' | 'worker'>;

/** What members see the party doing now; an outage shows only while the party should be playing. */
export function partyActivity({ session, worker }: PartyReport): PartyActivity {
  if (session.status !== 'playing' || !worker) return session.status;
  switch (worker.playbackState) {
    case 'reconnecting':
      return 'reconnecting';
    case 'buffering':
    case 'loading':
      return 'buffering';
    default:
      return 'playing';
  }
}

/** The party's activity and position at `nowMs`. */
export function partyPlayback(details: PartyReport, nowMs: number): PartyPlayback {
  return {
    activity: partyActivity(details),
    positionSeconds: currentPosition(details, nowMs),
    durationSeconds: durationOf(details),
    asOf: new Date(nowMs).toISOString(),
  };
}

/**
 * Where playback is now: the last reported position, moved on by the time since while frames reach
 * viewers, and held while they do not (paused, buffering, reconnecting).
 */
export function currentPosition(details: PartyReport, nowMs: number): number {
  const worker = details.worker;
  if (!worker) return 0;
  let position = worker.positionSeconds;
  if (details.session.status === 'playing' && worker.playbackState === 'playing') {
    const reportedAt = Date.parse(worker.updatedAt);
    if (Number.isFinite(reportedAt)) position += Math.max(0, (nowMs - reportedAt) / 1000);
  }
  const duration = durationOf(details);
  return duration === null ? position : Math.min(position, duration);
}

export function durationOf(details: PartyReport): number | null {
  return details.worker?.durationSeconds ?? details.current?.runtimeSeconds ?? null;
}
