// How the stream is doing: the worker's state and, while it streams, what viewers get.
import type { Details, StreamHealth } from './api.ts';

export function StreamSection(props: { details: Details; health: StreamHealth | null }) {
  const { worker } = props.details;
  const { health } = props;
  return (
    <>
      <p class="muted">
        {worker
          ? `Worker ${worker.workerStatus}, ${worker.playbackState}${worker.lastError ? ` · ${worker.lastError}` : ''}`
          : 'No stream yet.'}
      </p>
      {health && (
        <ul class="health" aria-label="Stream health" data-testid="health">
          <li>{health.framesPerSecond} fps</li>
          <li>{health.bitrateKbps} kbit/s</li>
          <li>{health.daveEpoch === null ? 'not end-to-end encrypted' : `DAVE epoch ${health.daveEpoch}`}</li>
          <li>
            {health.viewers} {health.viewers === 1 ? 'viewer' : 'viewers'}
          </li>
          <li>
            {health.workerRestarts} {health.workerRestarts === 1 ? 'worker restart' : 'worker restarts'}
          </li>
          <li>
            {health.reconnects} {health.reconnects === 1 ? 'stream reconnect' : 'stream reconnects'}
          </li>
          {health.encoder && (
            <li>{health.encoder === 'copy' ? 'passed through' : `encoded with ${health.encoder}`}</li>
          )}
        </ul>
      )}
    </>
  );
}
