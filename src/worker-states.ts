// What a stream worker reports about itself and its playback. The worker contract validates them on
// the wire and the database keeps them in CHECK'd columns: one list serves both, so neither can learn
// a state the other refuses. Imports nothing, so the db and the contract may both depend on it.

export const workerStatuses = ['idle', 'starting', 'ready', 'restarting', 'stopped', 'failed'] as const;
export type WorkerStatus = (typeof workerStatuses)[number];

/**
 * Additions to the seed: `buffering` (an item had started, and its source stopped delivering frames
 * for a moment) and `reconnecting` (the stream to viewers is being reconnected). In both, viewers see
 * nothing and the position holds; `playing` follows once frames flow again.
 */
export const playbackStates = [
  'idle',
  'loading',
  'playing',
  'buffering',
  'reconnecting',
  'paused',
  'ended',
  'error',
] as const;
export type PlaybackState = (typeof playbackStates)[number];
