// What the worker sends: one of the contract's stream profiles, capped by the bitrate limit the
// supervisor passes down, and whether the sound is loudness-normalised (STREAM_PROFILE,
// STREAM_MAX_BITRATE_KBPS, AUDIO_NORMALIZE; src/worker-contract).
import { type StreamProfileName, streamProfiles } from '../../worker-contract/environment.ts';

export interface StreamEncoding {
  profile: StreamProfileName;
  width: number;
  height: number;
  /** The highest frame rate sent; a source keeps its own rate up to this. */
  fps: number;
  bitrateKbps: number;
  normalizeAudio: boolean;
}

export function streamEncoding(
  profile: StreamProfileName,
  maxBitrateKbps?: number,
  options: { normalizeAudio?: boolean } = {},
): StreamEncoding {
  const base = streamProfiles[profile];
  return {
    profile,
    ...base,
    bitrateKbps: Math.min(base.bitrateKbps, maxBitrateKbps ?? base.bitrateKbps),
    normalizeAudio: options.normalizeAudio ?? false,
  };
}
