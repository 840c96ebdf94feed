// The picture the worker sends: one of config.ts's stream profiles, capped by the bitrate limit.
// The supervisor passes the bot's settings down as STREAM_PROFILE / STREAM_MAX_BITRATE_KBPS.
import { z } from 'zod';
import { type StreamProfileName, streamProfiles } from '../../config.ts';

export interface StreamEncoding {
  profile: StreamProfileName;
  width: number;
  height: number;
  fps: number;
  bitrateKbps: number;
}

export const streamEncodingEnv = {
  profile: 'STREAM_PROFILE',
  maxBitrateKbps: 'STREAM_MAX_BITRATE_KBPS',
} as const;

const profileNames = Object.keys(streamProfiles) as [StreamProfileName, ...StreamProfileName[]];

/** zod fields for the worker's environment schema. */
export const streamEncodingEnvShape = {
  [streamEncodingEnv.profile]: z.enum(profileNames).default('720p30'),
  [streamEncodingEnv.maxBitrateKbps]: z.coerce.number().int().min(200).max(20_000).optional(),
};

export function streamEncoding(profile: StreamProfileName, maxBitrateKbps?: number): StreamEncoding {
  const base = streamProfiles[profile];
  return { profile, ...base, bitrateKbps: Math.min(base.bitrateKbps, maxBitrateKbps ?? base.bitrateKbps) };
}
