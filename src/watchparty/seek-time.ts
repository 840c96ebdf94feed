// What users type to seek: clock forms (`1:23:45`, `83:45`), plain seconds (`90`), relative jumps
// (`+30`, `-10`) and unit forms (`1h2m`, `1h2m3s`, `45s`). One parser for every door.

import { phrase } from '../i18n/translate.ts';
import { formatDuration } from './duration-text.ts';
import { WatchPartyError } from './errors.ts';

export type SeekTarget = { kind: 'absolute'; seconds: number } | { kind: 'relative'; seconds: number };

const clockPattern = /^(?:(\d+):)?(\d+):(\d{1,2})$/;
const secondsPattern = /^\d+$/;
const unitPattern = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Parses a seek time; returns null when the text matches no accepted format. */
export function parseSeekTime(text: string): SeekTarget | null {
  const trimmed = text.trim().toLowerCase().replaceAll(' ', '');
  const sign = trimmed.startsWith('+') ? 1 : trimmed.startsWith('-') ? -1 : 0;
  const seconds = parseDuration(sign === 0 ? trimmed : trimmed.slice(1));
  if (seconds === null) return null;
  return sign === 0 ? { kind: 'absolute', seconds } : { kind: 'relative', seconds: sign * seconds };
}

function parseDuration(text: string): number | null {
  if (text === '') return null;
  if (secondsPattern.test(text)) return Number(text);
  const clock = clockPattern.exec(text);
  if (clock) {
    const [, hours, minutes, seconds] = clock;
    // `83:45` is 83 minutes; with hours present, minutes must read like a clock.
    if (Number(seconds) >= 60 || (hours !== undefined && Number(minutes) >= 60)) return null;
    return Number(hours ?? 0) * 3600 + Number(minutes) * 60 + Number(seconds);
  }
  const units = unitPattern.exec(text);
  if (units) {
    const [, hours, minutes, seconds] = units;
    return Number(hours ?? 0) * 3600 + Number(minutes ?? 0) * 60 + Number(seconds ?? 0);
  }
  return null;
}

/**
 * Resolves what the user typed, or a number of seconds (the API accepts both), against the playing
 * item: a relative jump before the start lands on 0, a target at or past the end is refused with the
 * item's length.
 */
export function resolveSeekTarget(
  requested: string | number,
  current: { positionSeconds: number; durationSeconds: number | null; title: string },
): number {
  const target = typeof requested === 'number' ? secondsTarget(requested) : parseSeekTime(requested);
  if (target === null) {
    const typed = String(requested).slice(0, 32);
    throw new WatchPartyError('bad_request', phrase('error.seekNotATime', { typed }), {
      field: 'position',
    });
  }
  const seconds = Math.max(
    0,
    target.kind === 'absolute' ? target.seconds : current.positionSeconds + target.seconds,
  );
  const { durationSeconds } = current;
  if (durationSeconds !== null && seconds >= durationSeconds) {
    // A number can be far too large to read as a clock (1e308), so it is named as it was given.
    const asked =
      typeof requested === 'number'
        ? phrase('time.seconds', { seconds: requested })
        : formatDuration(seconds);
    throw new WatchPartyError(
      'bad_request',
      phrase('error.seekPastEnd', { asked, title: current.title, length: formatDuration(durationSeconds) }),
      { field: 'position' },
    );
  }
  return seconds;
}

/** A position given as a number of seconds; negative and non-finite numbers name no position. */
function secondsTarget(seconds: number): SeekTarget {
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new WatchPartyError('bad_request', phrase('error.seekNotAPosition', { seconds }), {
      field: 'position',
    });
  }
  return { kind: 'absolute', seconds };
}
