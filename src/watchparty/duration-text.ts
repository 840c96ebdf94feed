// How positions and lengths read in every text a member sees (panel, replies, public lines). Its own
// module so the failure vocabulary and the seek parser can both use it without importing each other.

/** `1:02:03`, or `2:03` under an hour: how positions and lengths read in messages. */
export function formatDuration(totalSeconds: number): string {
  const whole = Math.max(0, Math.floor(totalSeconds));
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const seconds = whole % 60;
  const mm = hours > 0 ? String(minutes).padStart(2, '0') : String(minutes);
  return `${hours > 0 ? `${hours}:` : ''}${mm}:${String(seconds).padStart(2, '0')}`;
}
