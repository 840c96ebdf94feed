// What plays now: poster, title, a position bar that seeks when dragged (or moved with the arrow
// keys), and the controls members have on Discord's panel.
import { useEffect, useState } from 'preact/hooks';
import { type Control, type Details, posterUrl } from './api.ts';
import { say } from './i18n.ts';
import { clock, spokenClock } from './time-text.ts';
import { TrackPickers } from './track-pickers.tsx';

/** Where the item is now: the last known position, moved on by the clock while it plays. */
function livePosition(playback: Details['playback'], now: number): number {
  const base = playback.positionSeconds;
  if (playback.activity !== 'playing') return base;
  const moved = base + Math.max(0, now - Date.parse(playback.asOf)) / 1000;
  return playback.durationSeconds === null ? moved : Math.min(moved, playback.durationSeconds);
}

export function NowPlaying(props: {
  partyId: number;
  details: Details;
  act: (control: Control) => void;
  chooseTrack: (kind: 'audio' | 'subtitles', track: string) => void;
}) {
  const { partyId, details, act } = props;
  const { current, playback } = details;
  const [now, setNow] = useState(Date.now());
  const [dragging, setDragging] = useState<number | null>(null);
  useEffect(() => {
    if (playback.activity !== 'playing') return;
    // The bar moves by the local clock; the bot is asked nothing until something changes.
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [playback.activity, playback.asOf]);

  const position = dragging ?? livePosition(playback, now);
  const duration = playback.durationSeconds ?? current?.runtimeSeconds ?? null;
  const paused = playback.activity === 'paused';
  const live = ['playing', 'paused', 'buffering', 'reconnecting', 'connecting'].includes(playback.activity);

  return (
    <section class="now-playing" aria-labelledby="now-title">
      {current && <img class="poster" src={posterUrl(partyId, current)} alt="" width={120} height={180} />}
      <div class="now-text">
        <p class="activity" data-testid="activity">
          {say(`web.activity.${playback.activity}`)}
        </p>
        <h2 id="now-title">{current ? current.title : say('panel.nothingPlaying')}</h2>
        {current?.year && <p class="muted">{current.year}</p>}
      </div>
      {current && duration !== null && (
        <div class="progress">
          <input
            type="range"
            min={0}
            // A seek must land before the end: the last second is as far as the bar goes.
            max={Math.max(0, Math.floor(duration) - 1)}
            step={1}
            value={Math.round(position)}
            aria-label={say('web.now.position')}
            aria-valuetext={say('web.now.positionOf', {
              at: spokenClock(position),
              length: spokenClock(duration),
            })}
            disabled={!live}
            onInput={(event) => setDragging(Number(event.currentTarget.value))}
            onChange={(event) => {
              setDragging(null);
              act({ action: 'seek', position: Number(event.currentTarget.value) });
            }}
          />
          <span class="times" aria-hidden="true">
            {clock(position)} / {clock(duration)}
          </span>
        </div>
      )}
      <fieldset class="controls">
        <legend class="visually-hidden">{say('web.now.controls')}</legend>
        <button type="button" onClick={() => act({ action: 'previous' })}>
          {say('button.previous')}
        </button>
        <button
          type="button"
          disabled={!live}
          onClick={() => act({ action: 'seek', position: '-30' })}
          aria-label={say('web.now.back30')}
        >
          {say('button.back')}
        </button>
        {playback.activity === 'queued' || playback.activity === 'draft' || playback.activity === 'error' ? (
          <button type="button" class="primary" onClick={() => act({ action: 'start' })}>
            {say('button.start')}
          </button>
        ) : (
          <button
            type="button"
            class="primary"
            disabled={!live}
            onClick={() => act({ action: paused ? 'resume' : 'pause' })}
          >
            {paused ? say('button.resume') : say('button.pause')}
          </button>
        )}
        <button
          type="button"
          disabled={!live}
          onClick={() => act({ action: 'seek', position: '+30' })}
          aria-label={say('web.now.forward30')}
        >
          {say('button.forward')}
        </button>
        <button
          type="button"
          disabled={!live}
          onClick={() => act({ action: 'skip' })}
          aria-label={say('web.now.skipNext')}
        >
          {say('button.skip')}
        </button>
        <button
          type="button"
          class="danger"
          disabled={playback.activity === 'stopped'}
          onClick={() => act({ action: 'stop' })}
        >
          {say('button.stop')}
        </button>
      </fieldset>
      {current && <TrackPickers entry={current} choose={props.chooseTrack} />}
    </section>
  );
}
