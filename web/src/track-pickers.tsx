// Which audio and subtitles play, when the item has a choice: the same switch as /watchparty audio
// and /watchparty subtitles, restarting the item where it is.
import type { Entry } from './api.ts';

const OFF = -1;

export function TrackPickers(props: {
  entry: Entry;
  choose: (kind: 'audio' | 'subtitles', track: string) => void;
}) {
  const offer = props.entry.tracks;
  if (!offer || (offer.audio.length < 2 && offer.subtitles.length === 0)) return null;
  const playingSubtitle = offer.playingSubtitle ?? OFF;
  return (
    <div class="tracks">
      {offer.audio.length > 1 && (
        <label>
          Audio
          <select
            value={String(offer.playingAudio ?? '')}
            onChange={(event) => props.choose('audio', event.currentTarget.value)}
          >
            {offer.playingAudio === null && <option value="">Automatic</option>}
            {offer.audio.map((track) => (
              <option key={track.index} value={String(track.index)}>
                {track.label}
              </option>
            ))}
          </select>
        </label>
      )}
      {offer.subtitles.length > 0 && (
        <label>
          Subtitles
          <select
            value={playingSubtitle === OFF ? 'off' : String(playingSubtitle)}
            onChange={(event) => props.choose('subtitles', event.currentTarget.value)}
          >
            <option value="off">Off</option>
            {offer.subtitles.map((track) => (
              <option key={track.index} value={String(track.index)}>
                {track.label}
              </option>
            ))}
          </select>
        </label>
      )}
    </div>
  );
}
