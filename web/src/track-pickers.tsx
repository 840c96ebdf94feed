// Which audio and subtitles play, when the item has a choice: the same switch as /watchparty audio
// and /watchparty subtitles, restarting the item where it is.
import type { Entry } from './api.ts';
import { say } from './i18n.ts';

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
          {say('tracks.audio')}
          <select
            value={String(offer.playingAudio ?? '')}
            onChange={(event) => props.choose('audio', event.currentTarget.value)}
          >
            {offer.playingAudio === null && <option value="">{say('web.tracks.automatic')}</option>}
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
          {say('tracks.subtitles')}
          <select
            value={playingSubtitle === OFF ? 'off' : String(playingSubtitle)}
            onChange={(event) => props.choose('subtitles', event.currentTarget.value)}
          >
            <option value="off">{say('tracks.off')}</option>
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
