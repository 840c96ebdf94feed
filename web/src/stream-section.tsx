// How the stream is doing: why it last failed, in the page's language, and, while it streams,
// what viewers get.
import type { Details, StreamHealth } from './api.ts';
import { say } from './i18n.ts';

export function StreamSection(props: { details: Details; health: StreamHealth | null }) {
  const { worker } = props.details;
  const { health } = props;
  return (
    <>
      {/* The activity line above says what the stream is doing; here only why it last failed. */}
      {worker === null && <p class="muted">{say('web.stream.none')}</p>}
      {worker?.lastError && <p class="muted">{worker.lastError}</p>}
      {health && (
        <ul class="health" aria-label={say('web.health.title')} data-testid="health">
          <li>{say('web.health.fps', { fps: health.framesPerSecond })}</li>
          <li>{say('web.health.bitrate', { kbps: health.bitrateKbps })}</li>
          <li>
            {health.daveEpoch === null
              ? say('web.health.unencrypted')
              : say('web.health.daveEpoch', { epoch: health.daveEpoch })}
          </li>
          <li>{say('web.health.viewers', { count: health.viewers })}</li>
          <li>{say('web.health.workerRestarts', { count: health.workerRestarts })}</li>
          <li>{say('web.health.reconnects', { count: health.reconnects })}</li>
          {health.encoder && (
            <li>
              {health.encoder === 'copy'
                ? say('web.health.passedThrough')
                : say('web.health.encodedWith', { encoder: health.encoder })}
            </li>
          )}
        </ul>
      )}
    </>
  );
}
