// Asking Jellyfin to be the transcoder (TRANSCODE_SOURCE): the PlaybackInfo request whose
// DeviceProfile forces a transcode to exactly what the worker can pass through untouched, and the
// keyless transcode address taken from Jellyfin's answer. H.264 Baseline has no B-frames in any
// encoder Jellyfin drives (libx264, VAAPI, QSV, NVENC, AMF); the size, rate and bitrate are the
// stream profile's; audio is stereo AAC, which the worker turns into Opus as it does for every
// source; subtitles are burned in by Jellyfin. A progressive MPEG-TS stream (`stream.ts`) rather than
// HLS: the worker's source proxy maps one address to one Jellyfin route, and a seek is a new request
// with StartTimeTicks, which the worker sets per segment.
import { z } from 'zod';
import type { JellyfinTranscode } from '../worker-contract/http.ts';

export type TranscodeSource = 'auto' | 'worker' | 'jellyfin';

/** The stream profile the transcode must fit (src/config.ts `stream`). */
export interface TranscodeLimits {
  width: number;
  height: number;
  fps: number;
  bitrateKbps: number;
}

/** TRANSCODE_SOURCE and the stream profile it transcodes to. */
export interface TranscodeSettings {
  source: TranscodeSource;
  limits: TranscodeLimits;
}

/** Subtitle formats Jellyfin may meet; every one is burned in (`Encode`), so the worker gets one picture. */
const SUBTITLE_FORMATS = [
  'srt',
  'subrip',
  'ass',
  'ssa',
  'vtt',
  'webvtt',
  'mov_text',
  'pgssub',
  'dvdsub',
  'dvbsub',
];

/** The PlaybackInfoDto that makes Jellyfin offer its transcode of every source, within `limits`. */
export function transcodePlaybackInfoRequest(limits: TranscodeLimits): object {
  const bitsPerSecond = limits.bitrateKbps * 1000;
  const atMost = (Property: string, Value: number) => ({
    Condition: 'LessThanEqual',
    Property,
    Value: String(Value),
    IsRequired: true,
  });
  return {
    MaxStreamingBitrate: bitsPerSecond,
    // The worker's probe decides whether the file itself can be passed through (B-frames, keyframe
    // spacing: things PlaybackInfo cannot see), so Jellyfin is asked for its transcode every time.
    EnableDirectPlay: false,
    EnableDirectStream: false,
    EnableTranscoding: true,
    AllowVideoStreamCopy: false,
    AllowAudioStreamCopy: false,
    AlwaysBurnInSubtitleWhenTranscoding: true,
    DeviceProfile: {
      Name: 'Orb Watch Party stream worker',
      MaxStreamingBitrate: bitsPerSecond,
      DirectPlayProfiles: [{ Type: 'Video', Container: 'mp4,m4v,mkv,mov,ts', VideoCodec: 'h264' }],
      TranscodingProfiles: [
        {
          Type: 'Video',
          Container: 'ts',
          Protocol: 'http',
          Context: 'Streaming',
          VideoCodec: 'h264',
          AudioCodec: 'aac',
          MaxAudioChannels: '2',
          CopyTimestamps: false,
        },
      ],
      CodecProfiles: [
        {
          Type: 'Video',
          Codec: 'h264',
          Conditions: [
            {
              Condition: 'EqualsAny',
              Property: 'VideoProfile',
              Value: 'constrained baseline|baseline',
              IsRequired: true,
            },
            atMost('Width', limits.width),
            atMost('Height', limits.height),
            atMost('VideoFramerate', limits.fps),
            atMost('VideoBitrate', bitsPerSecond),
            atMost('VideoBitDepth', 8),
            { Condition: 'NotEquals', Property: 'IsInterlaced', Value: 'true', IsRequired: true },
            { Condition: 'EqualsAny', Property: 'VideoRangeType', Value: 'SDR', IsRequired: true },
          ],
        },
      ],
      SubtitleProfiles: SUBTITLE_FORMATS.map((Format) => ({ Format, Method: 'Encode' })),
      ContainerProfiles: [],
    },
  };
}

const transcodeOfferSchema = z.looseObject({
  TranscodingUrl: z.string().nullish(),
  TranscodingSubProtocol: z.string().nullish(),
});

/** Parameters the worker sets for each request, and the key, which never leaves the bot. */
const WORKER_SET_PARAMETERS = new Set([
  'api_key',
  'apikey',
  'starttimeticks',
  'audiostreamindex',
  'subtitlestreamindex',
  'subtitlemethod',
]);

const progressivePath = /^\/videos\/([A-Za-z0-9-]+)\/stream\.ts$/i;

/**
 * Jellyfin's transcode of `source` (a MediaSourceInfo from the POSTed PlaybackInfo) as the worker
 * reads it: on `baseUrl`, without the key Jellyfin wrote into it, without what the worker sets
 * itself. Null when Jellyfin offered none, or offered HLS, which the worker does not read.
 */
export function jellyfinTranscode(
  baseUrl: string,
  source: unknown,
  use: JellyfinTranscode['use'],
): JellyfinTranscode | null {
  const offer = transcodeOfferSchema.safeParse(source);
  const relative = offer.success ? offer.data.TranscodingUrl : null;
  if (!relative || (offer.data?.TranscodingSubProtocol ?? 'http').toLowerCase() !== 'http') return null;
  const parsed = new URL(relative, 'http://jellyfin.invalid');
  const itemId = progressivePath.exec(parsed.pathname)?.[1];
  if (!itemId) return null;
  const query = new URLSearchParams(
    [...parsed.searchParams].filter(([name]) => !WORKER_SET_PARAMETERS.has(name.toLowerCase())),
  );
  return { url: `${baseUrl}/Videos/${itemId}/stream.ts?${query}`, use };
}
