// The picture the worker sends: one of the contract's stream profiles, capped by the bitrate limit
// the supervisor passes down (STREAM_PROFILE / STREAM_MAX_BITRATE_KBPS, src/worker-contract).
import { type StreamProfileName, streamProfiles } from '../../worker-contract/environment.ts';

export interface StreamEncoding {
  profile: StreamProfileName;
  width: number;
  height: number;
  fps: number;
  bitrateKbps: number;
}

export function streamEncoding(profile: StreamProfileName, maxBitrateKbps?: number): StreamEncoding {
  const base = streamProfiles[profile];
  return { profile, ...base, bitrateKbps: Math.min(base.bitrateKbps, maxBitrateKbps ?? base.bitrateKbps) };
}
