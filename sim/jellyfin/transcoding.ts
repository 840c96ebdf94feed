// Jellyfin's transcoding, as the simulator models it: POST /Items/{id}/PlaybackInfo with a
// DeviceProfile answers a TranscodingUrl and TranscodeReasons when the source does not fit the
// profile (or direct play and direct stream are turned off), and GET /Videos/{id}/stream.ts without
// static=true runs ffmpeg the way Jellyfin's progressive transcode does
// (EncodingHelper.GetProgressiveVideoFullCommandLine): the requested codec, size, rate and bitrate,
// a keyframe forced every 5 s, x264's own options, the chosen audio track, text subtitles burned in,
// from StartTimeTicks, streamed as MPEG-TS. With `prepareAhead` a transcode from the start is made
// into a file once (at the first request, or before it through JellyfinSim.prepareTranscode) and
// served from there, so a benchmark counts Jellyfin's encoding apart from the worker's (in
// production it runs on the Jellyfin server).
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { rename, rm, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { resolveFfmpeg } from '../../src/media/ffmpeg-binary.ts';
import { HttpError, type Query } from './http.ts';
import type { GeneratedMedia, MediaFactory, MediaRecipe } from './media.ts';

export interface SimTranscodingOptions {
  /** Transcode each requested rendition to a file once, before serving it (benchmarks). */
  prepareAhead?: boolean;
}

/** Jellyfin's progressive transcode forces a keyframe this often (seconds). */
const FORCED_KEYFRAME_SECONDS = 5;
const TICKS_PER_SECOND = 10_000_000;

interface ProfileCondition {
  Condition?: string;
  Property?: string;
  Value?: string;
}

interface DeviceProfileLike {
  DirectPlayProfiles?: { Type?: string; VideoCodec?: string; Container?: string }[];
  TranscodingProfiles?: {
    Type?: string;
    Container?: string;
    Protocol?: string;
    VideoCodec?: string;
    AudioCodec?: string;
    MaxAudioChannels?: string;
  }[];
  CodecProfiles?: { Type?: string; Codec?: string; Conditions?: ProfileCondition[] }[];
  MaxStreamingBitrate?: number;
}

interface PlaybackInfoBody {
  DeviceProfile?: DeviceProfileLike;
  EnableDirectPlay?: boolean;
  EnableDirectStream?: boolean;
  MaxStreamingBitrate?: number;
}

function csv(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((part) => part.trim().toLowerCase())
    .filter(Boolean);
}

function condition(conditions: ProfileCondition[], property: string): number | null {
  const found = conditions.find(
    (entry) => entry.Property === property && entry.Condition === 'LessThanEqual',
  );
  const value = Number(found?.Value);
  return found && Number.isFinite(value) ? value : null;
}

function conditionList(conditions: ProfileCondition[], property: string): string[] {
  const found = conditions.find((entry) => entry.Property === property && entry.Condition === 'EqualsAny');
  return found ? (found.Value ?? '').split('|').map((value) => value.trim().toLowerCase()) : [];
}

/** Jellyfin's TranscodeReasons for a source against a profile, in Jellyfin's spelling. */
function transcodeReasons(file: GeneratedMedia, profile: DeviceProfileLike): string[] {
  const video = file.probe.streams.find((stream) => stream.codec_type === 'video');
  const reasons: string[] = [];
  const direct = (profile.DirectPlayProfiles ?? []).filter((entry) => (entry.Type ?? 'Video') === 'Video');
  if (
    !direct.some(
      (entry) => csv(entry.Container).length === 0 || csv(entry.Container).includes(file.container),
    )
  ) {
    reasons.push('ContainerNotSupported');
  }
  if (!direct.some((entry) => csv(entry.VideoCodec).includes(video?.codec_name ?? ''))) {
    reasons.push('VideoCodecNotSupported');
  }
  const conditions = (profile.CodecProfiles ?? []).flatMap((entry) => entry.Conditions ?? []);
  const maxWidth = condition(conditions, 'Width');
  const maxHeight = condition(conditions, 'Height');
  if (
    (maxWidth !== null && (video?.width ?? 0) > maxWidth) ||
    (maxHeight !== null && (video?.height ?? 0) > maxHeight)
  ) {
    reasons.push('VideoResolutionNotSupported');
  }
  return reasons;
}

/** The TranscodingUrl's query, in the names and order Jellyfin's StreamInfo writes. */
function transcodingQuery(
  itemId: string,
  deviceId: string,
  playSessionId: string,
  profile: DeviceProfileLike,
  maxBitrate: number | undefined,
  reasons: string[],
  key: { name: string; value: string },
): URLSearchParams {
  const transcoding = (profile.TranscodingProfiles ?? []).find(
    (entry) => (entry.Type ?? 'Video') === 'Video',
  );
  const conditions = (profile.CodecProfiles ?? []).flatMap((entry) => entry.Conditions ?? []);
  const query = new URLSearchParams({
    DeviceId: deviceId,
    MediaSourceId: itemId,
    VideoCodec: csv(transcoding?.VideoCodec)[0] ?? 'h264',
    AudioCodec: csv(transcoding?.AudioCodec)[0] ?? 'aac',
  });
  const optional: [string, number | string | null | undefined][] = [
    ['VideoBitrate', condition(conditions, 'VideoBitrate') ?? maxBitrate],
    ['MaxFramerate', condition(conditions, 'VideoFramerate')],
    ['MaxWidth', condition(conditions, 'Width')],
    ['MaxHeight', condition(conditions, 'Height')],
    ['TranscodingMaxAudioChannels', transcoding?.MaxAudioChannels],
    ['h264-profile', conditionList(conditions, 'VideoProfile')[0]],
  ];
  for (const [name, value] of optional)
    if (value !== null && value !== undefined) query.set(name, String(value));
  query.set('PlaySessionId', playSessionId);
  query.set(key.name, key.value);
  query.set('TranscodeReasons', reasons.join(','));
  return query;
}

/** What one transcode request asks for (the query's names, case-insensitive). */
export interface TranscodeRequest {
  videoCodec: string;
  audioCodec: string;
  maxWidth: number | null;
  maxHeight: number | null;
  maxFramerate: number | null;
  videoBitrate: number | null;
  maxAudioChannels: number;
  audioStreamIndex: number | null;
  subtitleStreamIndex: number | null;
  burnSubtitles: boolean;
  startSeconds: number;
  profile: string | null;
}

function numberParam(query: Query, name: string): number | null {
  const value = query.get(name.toLowerCase());
  if (value === undefined || value === '') return null;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0)
    throw new HttpError(400, `The value '${value}' is not valid for ${name}.`);
  return parsed;
}

export function parseTranscodeRequest(query: Query): TranscodeRequest {
  const videoCodec = (query.get('videocodec') ?? 'h264').split(',')[0]!.toLowerCase();
  const audioCodec = (query.get('audiocodec') ?? 'aac').split(',')[0]!.toLowerCase();
  if (videoCodec !== 'h264') throw new HttpError(400, 'The simulator transcodes to h264 only.');
  if (audioCodec !== 'aac') throw new HttpError(400, 'The simulator transcodes audio to aac only.');
  return {
    videoCodec,
    audioCodec,
    maxWidth: numberParam(query, 'MaxWidth'),
    maxHeight: numberParam(query, 'MaxHeight'),
    maxFramerate: numberParam(query, 'MaxFramerate'),
    videoBitrate: numberParam(query, 'VideoBitrate'),
    maxAudioChannels:
      numberParam(query, 'TranscodingMaxAudioChannels') ?? numberParam(query, 'MaxAudioChannels') ?? 2,
    audioStreamIndex: numberParam(query, 'AudioStreamIndex'),
    subtitleStreamIndex: numberParam(query, 'SubtitleStreamIndex'),
    burnSubtitles: (query.get('subtitlemethod') ?? '').toLowerCase() === 'encode',
    startSeconds: (numberParam(query, 'StartTimeTicks') ?? 0) / TICKS_PER_SECOND,
    profile: query.get('h264-profile')?.toLowerCase() ?? null,
  };
}

/** libx264 knows baseline, main and high; Jellyfin maps constrained baseline onto baseline for it. */
function x264Profile(profile: string | null): string | null {
  if (!profile) return null;
  if (profile.includes('baseline')) return 'baseline';
  return profile.includes('high') ? 'high' : profile.includes('main') ? 'main' : null;
}

/** ffprobe's `24000/1001` as a number; 0 when unknown. */
function rateOf(text: string | undefined): number {
  const [num, den] = (text ?? '').split('/').map(Number);
  return num && den ? num / den : 0;
}

function videoFilters(request: TranscodeRequest, sourceRate: number, subtitleFile: string | null): string {
  const width = request.maxWidth ?? 1920;
  const height = request.maxHeight ?? 1080;
  // Only a faster source is slowed to MaxFramerate; a slower one keeps its own rate.
  const capped = request.maxFramerate !== null && sourceRate > request.maxFramerate;
  const filters = [
    ...(capped ? [`fps=${request.maxFramerate}`] : []),
    `scale=trunc(min(max(iw\\,ih*dar)\\,min(${width}\\,${height}*dar))/2)*2:trunc(min(max(iw/dar\\,ih)\\,min(${width}/dar\\,${height}))/2)*2`,
    'format=yuv420p',
  ];
  if (subtitleFile) {
    const shift = request.startSeconds.toFixed(3);
    filters.push(`setpts=PTS+${shift}/TB`, `subtitles=f='${subtitleFile}'`, `setpts=PTS-${shift}/TB`);
  }
  return filters.join(',');
}

/** ffmpeg's arguments for one transcode, shaped like Jellyfin's progressive command line. */
export function transcodeArgs(
  file: GeneratedMedia,
  request: TranscodeRequest,
  subtitleFile: string | null,
): string[] {
  const video = file.probe.streams.find((stream) => stream.codec_type === 'video');
  const audio =
    request.audioStreamIndex === null ? ['-map', '0:a:0?'] : ['-map', `0:${request.audioStreamIndex}`];
  const bitrate = request.videoBitrate ? String(request.videoBitrate) : null;
  const profile = x264Profile(request.profile);
  return [
    ...['-hide_banner', '-nostdin', '-loglevel', 'error'],
    ...(request.startSeconds > 0 ? ['-ss', request.startSeconds.toFixed(3)] : []),
    ...['-i', file.path, '-map_metadata', '-1', '-map_chapters', '-1', '-threads', '0'],
    ...['-map', '0:v:0', ...audio],
    ...['-codec:v:0', 'libx264', '-force_key_frames', `expr:gte(t,n_forced*${FORCED_KEYFRAME_SECONDS})`],
    ...['-vf', videoFilters(request, rateOf(video?.avg_frame_rate ?? video?.r_frame_rate), subtitleFile)],
    ...['-preset', 'veryfast', ...(profile ? ['-profile:v:0', profile] : [])],
    ...['-x264opts:0', 'subme=0:me_range=16:rc_lookahead=10:me=hex:open_gop=0'],
    ...(bitrate ? ['-b:v', bitrate, '-maxrate', bitrate, '-bufsize', String(2 * Number(bitrate))] : []),
    ...['-codec:a:0', 'aac', '-ac', String(request.maxAudioChannels), '-ab', '128000'],
    ...['-f', 'mpegts', 'pipe:1'],
  ];
}

/** A transcode the simulator was asked for: what a test checks Jellyfin was asked to do. */
export interface TranscodeRecord {
  itemId: string;
  request: TranscodeRequest;
  playSessionId: string | null;
  deviceId: string | null;
}

export class SimTranscoding {
  readonly #media: MediaFactory;
  readonly #ffmpeg: string;
  readonly #options: SimTranscodingOptions;
  readonly #prepared = new Map<string, Promise<string>>();
  /** Transcodes being served; ending one closes its answer, which stops its ffmpeg. */
  readonly #running = new Set<{ playSessionId: string | null; end: () => void }>();
  /** Every transcode started, in order. */
  readonly started: TranscodeRecord[] = [];
  /** Transcodes stopped through DELETE /Videos/ActiveEncodings, by PlaySessionId. */
  readonly stopped: string[] = [];

  constructor(media: MediaFactory, options: SimTranscodingOptions = {}) {
    this.#media = media;
    this.#ffmpeg = resolveFfmpeg();
    this.#options = options;
  }

  /**
   * The MediaSource fields a POSTed PlaybackInfo adds: the server's verdict on the profile, and a
   * TranscodingUrl with the reasons when the source must be transcoded.
   */
  async verdict(
    itemId: string,
    recipe: MediaRecipe,
    body: Record<string, unknown>,
    /** `keyName`: how this version writes the caller's token into the URL (`api_key`, 10.11+ `ApiKey`). */
    context: { deviceId: string; playSessionId: string; keyName: string; apiKey: string },
  ): Promise<Record<string, unknown>> {
    const info = body as PlaybackInfoBody;
    const profile = info.DeviceProfile;
    if (!profile) return {};
    const file = await this.#media.media(recipe);
    const reasons = transcodeReasons(file, profile);
    const directAllowed = info.EnableDirectPlay !== false || info.EnableDirectStream !== false;
    if (reasons.length === 0 && directAllowed) {
      return { SupportsDirectPlay: true, SupportsDirectStream: true, SupportsTranscoding: true };
    }
    const query = transcodingQuery(
      itemId,
      context.deviceId,
      context.playSessionId,
      profile,
      info.MaxStreamingBitrate ?? profile.MaxStreamingBitrate,
      reasons,
      { name: context.keyName, value: context.apiKey },
    );
    return {
      SupportsDirectPlay: false,
      SupportsDirectStream: false,
      SupportsTranscoding: true,
      TranscodingUrl: `/videos/${itemId}/stream.ts?${query}`,
      TranscodingSubProtocol: 'http',
      TranscodingContainer: 'ts',
      ...(reasons.length > 0 ? { TranscodeReasons: reasons } : {}),
    };
  }

  /** Serves one progressive transcode of `recipe` as MPEG-TS. */
  async serve(
    request: IncomingMessage,
    response: ServerResponse,
    itemId: string,
    recipe: MediaRecipe,
    query: Query,
  ): Promise<void> {
    const wanted = parseTranscodeRequest(query);
    const file = await this.#media.media(recipe);
    this.started.push({
      itemId,
      request: wanted,
      playSessionId: query.get('playsessionid') ?? null,
      deviceId: query.get('deviceid') ?? null,
    });
    const subtitleFile = await this.#subtitleFile(recipe, wanted);
    // Only a transcode from the start is served prepared: a copy from a later point would begin at
    // the prepared keyframe before it, where Jellyfin begins exactly at StartTimeTicks.
    const args =
      this.#options.prepareAhead && wanted.startSeconds === 0
        ? await this.#preparedArgs(file, wanted, subtitleFile)
        : transcodeArgs(file, wanted, subtitleFile);
    response.writeHead(200, { 'Content-Type': 'video/mp2t' });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    const ffmpeg = spawn(this.#ffmpeg, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    const job = { playSessionId: query.get('playsessionid') ?? null, end: () => response.destroy() };
    this.#running.add(job);
    ffmpeg.stdout.pipe(response);
    // The client went away (a seek, a stop): Jellyfin ends a progressive transcode with its request.
    response.once('close', () => {
      this.#running.delete(job);
      ffmpeg.kill('SIGKILL');
    });
    ffmpeg.once('error', () => response.destroy());
  }

  /** Ends every transcode being served (the simulator stops): none of their ffmpegs outlives it. */
  endAll(): void {
    for (const job of this.#running) job.end();
  }

  /** DELETE /Videos/ActiveEncodings?deviceId=&playSessionId=: Jellyfin kills that transcode. */
  stop(query: Query): void {
    const playSessionId = query.get('playsessionid');
    if (!playSessionId) throw new HttpError(400, 'The playSessionId field is required.');
    this.stopped.push(playSessionId);
    for (const job of this.#running) if (job.playSessionId === playSessionId) job.end();
  }

  /** Makes the rendition `query` asks for from the start, before any request needs it. */
  async prepare(recipe: MediaRecipe, query: Query): Promise<void> {
    const wanted = { ...parseTranscodeRequest(query), startSeconds: 0 };
    const file = await this.#media.media(recipe);
    await this.#preparedPath(file, wanted, await this.#subtitleFile(recipe, wanted));
  }

  async #subtitleFile(recipe: MediaRecipe, wanted: TranscodeRequest): Promise<string | null> {
    if (!wanted.burnSubtitles || wanted.subtitleStreamIndex === null) return null;
    const file = await this.#media.subtitleFile(recipe, wanted.subtitleStreamIndex, 'ass');
    if (!file) throw new HttpError(400, 'The simulator burns in text subtitles only.');
    return file;
  }

  /** The prepared rendition's file, made on first use. */
  #preparedPath(
    file: GeneratedMedia,
    request: TranscodeRequest,
    subtitleFile: string | null,
  ): Promise<string> {
    const key = JSON.stringify({ path: file.path, request, subtitleFile });
    let prepared = this.#prepared.get(key);
    if (!prepared) {
      prepared = this.#prepare(file, request, subtitleFile);
      this.#prepared.set(key, prepared);
      prepared.catch(() => this.#prepared.delete(key));
    }
    return prepared;
  }

  /** Arguments that stream the prepared rendition as it is. */
  async #preparedArgs(
    file: GeneratedMedia,
    request: TranscodeRequest,
    subtitleFile: string | null,
  ): Promise<string[]> {
    const path = await this.#preparedPath(file, request, subtitleFile);
    return [
      ...['-hide_banner', '-nostdin', '-loglevel', 'error'],
      ...['-i', path, '-map', '0', '-c', 'copy', '-f', 'mpegts', 'pipe:1'],
    ];
  }

  async #prepare(
    file: GeneratedMedia,
    request: TranscodeRequest,
    subtitleFile: string | null,
  ): Promise<string> {
    const args = transcodeArgs(file, request, subtitleFile);
    const key = createHash('sha256').update(JSON.stringify(args)).digest('hex').slice(0, 20);
    const path = join(this.#media.cacheDir, `prepared-${key}.ts`);
    if (
      await stat(path).then(
        () => true,
        () => false,
      )
    )
      return path;
    // Written beside the final name and renamed, so a concurrent reader never sees half a file.
    const temp = `${path}.${randomUUID()}.tmp.ts`;
    args.splice(-3, 3, '-f', 'mpegts', temp);
    try {
      await new Promise<void>((resolve, reject) => {
        const ffmpeg = spawn(this.#ffmpeg, args, { stdio: 'ignore' });
        ffmpeg.once('error', reject);
        ffmpeg.once('exit', (code) =>
          code === 0 ? resolve() : reject(new Error(`ffmpeg exited with ${code}`)),
        );
      });
      await rename(temp, path);
    } finally {
      await rm(temp, { force: true });
    }
    return path;
  }
}
