// The play request's tracks on the worker's side: which audio stream ffmpeg maps, and the subtitles
// it burns into the transcoded picture at the output size. Text subtitles (SRT, ASS/SSA with their
// styling, WebVTT, mov_text) come as the file Jellyfin delivers, read through the proxy and rendered
// by libass; picture subtitles (PGS, VobSub, DVB) are overlaid from the source's own stream.
import type { TrackSelection } from '../../worker-contract/http.ts';
import type { SourceInfo } from './probe.ts';
import type { SourceProxy } from './source-proxy.ts';

export type SubtitleBurnIn =
  /** `url`: the proxy's address of the delivered subtitle file. */
  | { format: 'text'; url: string }
  /** `streamIndex`: the picture subtitle stream in the source (ffmpeg `0:{index}`). */
  | { format: 'image'; streamIndex: number };

export interface OpenedSubtitle {
  burnIn: SubtitleBurnIn;
  release(): void;
}

/** Why a copyable source is transcoded anyway: the picture must change. */
const BURN_IN_COPY_BLOCKER = 'subtitles burned in';

/**
 * The source as the request's tracks play it: the chosen audio stream (the probe's pick when the
 * request names none or one the file lacks), and no copy while subtitles are burned in.
 */
export function withTracks(info: SourceInfo, tracks: TrackSelection | undefined): SourceInfo {
  const audio = info.audioStreams.find((stream) => stream.index === tracks?.audioStreamIndex);
  return {
    ...info,
    ...(audio ? { audioStreamIndex: audio.index, audioChannels: audio.channels } : {}),
    copyBlocker: info.copyBlocker ?? (tracks?.subtitle ? BURN_IN_COPY_BLOCKER : null),
  };
}

/** Registers a text subtitle file with the proxy (subtitle routes only); picture ones need nothing. */
export function openSubtitle(proxy: SourceProxy, tracks: TrackSelection | undefined): OpenedSubtitle | null {
  const subtitle = tracks?.subtitle;
  if (!subtitle) return null;
  if (subtitle.format === 'image') {
    return { burnIn: { format: 'image', streamIndex: subtitle.streamIndex }, release: () => {} };
  }
  const proxied = proxy.register(subtitle.url, 'subtitle');
  return { burnIn: { format: 'text', url: proxied.url }, release: () => proxied.release() };
}

/**
 * A filter option value in single quotes (the graph parser keeps `,` and `:` inside), with `:`
 * escaped for the option parser after it. The proxy's URLs hold no quote or backslash.
 */
function quotedOption(value: string): string {
  return `'${value.replaceAll(':', '\\:')}'`;
}

export interface PictureGraph {
  /** `-vf …` or `-filter_complex …`. */
  filterArgs: string[];
  /** What `-map` takes for the video: the source stream, or the graph's output. */
  videoMap: string;
}

/**
 * The transcoded picture's filters with the subtitles drawn between `beforeBurnIn` (everything up to
 * the output size) and `afterBurnIn` (the final format steps). A seeked ffmpeg counts the picture's
 * time from 0 while libass reads the film's time, so the text path shifts the clock there and back.
 */
export function pictureGraph(
  videoStreamIndex: number,
  beforeBurnIn: string[],
  afterBurnIn: string[],
  subtitle: SubtitleBurnIn | null | undefined,
  output: { width: number; height: number; startSeconds: number },
): PictureGraph {
  const video = `0:${videoStreamIndex}`;
  if (subtitle?.format === 'image') {
    const graph =
      `[${video}]${beforeBurnIn.join(',')}[picture];` +
      `[0:${subtitle.streamIndex}]scale=${output.width}:${output.height}[subtitles];` +
      `[picture][subtitles]overlay=eof_action=pass,${afterBurnIn.join(',')}[video]`;
    return { filterArgs: ['-filter_complex', graph], videoMap: '[video]' };
  }
  const shift = output.startSeconds > 0 ? output.startSeconds.toFixed(3) : null;
  const burnIn =
    subtitle?.format === 'text'
      ? [
          ...(shift ? [`setpts=PTS+${shift}/TB`] : []),
          `subtitles=f=${quotedOption(subtitle.url)}`,
          ...(shift ? [`setpts=PTS-${shift}/TB`] : []),
        ]
      : [];
  return { filterArgs: ['-vf', [...beforeBurnIn, ...burnIn, ...afterBurnIn].join(',')], videoMap: video };
}
