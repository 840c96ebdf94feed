// Jellyfin as the transcoder, on the worker's side: whether an item reads Jellyfin's transcode
// (the play request's `playback.transcode`, TRANSCODE_SOURCE on the bot), and the address of that
// transcode for one segment. Jellyfin starts a progressive transcode where StartTimeTicks says, so
// every seek, pause and lost connection asks for a new one at its position; the audio is the track
// the worker would have mapped itself, and subtitles to burn in are burned in by Jellyfin.
import type { JellyfinTranscode, TrackSelection } from '../../worker-contract/http.ts';
import type { SourceInfo } from './probe.ts';

const TICKS_PER_SECOND = 10_000_000;

/**
 * Jellyfin's progressive transcode forces a keyframe every 5 s (EncodingHelper's
 * `-force_key_frames expr:gte(t,n_forced*5)`), longer than the 3 s the worker asks of a file it
 * copies; its output is passed through with that spacing (plus a frame's slack), so a viewer's
 * keyframe request may wait up to 5 s on it.
 */
export const JELLYFIN_KEYFRAME_INTERVAL_SECONDS = 5.1;

/** Whether the item reads Jellyfin's transcode rather than the file: `source` is the file's probe. */
export function readsJellyfinTranscode(
  transcode: JellyfinTranscode | null | undefined,
  source: SourceInfo,
): boolean {
  if (!transcode) return false;
  return transcode.use === 'always' || source.copyBlocker !== null;
}

/**
 * The transcode's address from `startSeconds`, with the audio the worker chose (`source`: the file's
 * probe with the request's tracks) and the request's subtitles burned in.
 */
export function transcodeUrlAt(
  transcode: JellyfinTranscode,
  startSeconds: number,
  source: SourceInfo,
  tracks: TrackSelection | undefined,
): string {
  const url = new URL(transcode.url);
  url.searchParams.set('StartTimeTicks', String(Math.round(startSeconds * TICKS_PER_SECOND)));
  if (source.audioStreamIndex !== null)
    url.searchParams.set('AudioStreamIndex', String(source.audioStreamIndex));
  const subtitle = tracks?.subtitle;
  if (subtitle) {
    url.searchParams.set('SubtitleStreamIndex', String(subtitle.streamIndex));
    url.searchParams.set('SubtitleMethod', 'Encode');
  }
  return url.toString();
}
