// One party, live: the bot pushes the party after every change (Server-Sent Events), and every
// action here answers the party as it stands afterwards, or the sentence Discord would show.
import { useEffect, useState } from 'preact/hooks';
import {
  ApiError,
  type Control,
  chooseTrack,
  control,
  moveItem,
  type PartyView,
  partyEventsUrl,
  queueItem,
  removeItem,
  type StreamHealth,
} from './api.ts';
import { NowPlaying } from './now-playing.tsx';
import { QueueList } from './queue-list.tsx';
import { SearchBox } from './search-box.tsx';
import { StreamSection } from './stream-section.tsx';

const doneWords: Record<Control['action'], string> = {
  start: 'Started.',
  pause: 'Paused.',
  resume: 'Resumed.',
  seek: 'Jumped.',
  skip: 'Skipped.',
  previous: 'Back to the previous item.',
  stop: 'Stopped.',
};

export function PartyPage(props: { partyId: number }) {
  const { partyId } = props;
  const [view, setView] = useState<PartyView | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [offline, setOffline] = useState(false);
  const [health, setHealth] = useState<StreamHealth | null>(null);

  useEffect(() => {
    const events = new EventSource(partyEventsUrl(partyId));
    events.addEventListener('health', (event) => {
      setHealth(JSON.parse((event as MessageEvent<string>).data) as StreamHealth);
    });
    events.addEventListener('party', (event) => {
      setView(JSON.parse((event as MessageEvent<string>).data) as PartyView);
      setOffline(false);
    });
    // The browser reconnects by itself; the page says so only while it is away.
    events.onerror = () => setOffline(events.readyState !== EventSource.OPEN);
    return () => events.close();
  }, [partyId]);

  const run = async (what: string, action: () => Promise<PartyView>) => {
    try {
      setView(await action());
      setNotice(what);
      setProblem(null);
    } catch (error) {
      setNotice(null);
      setProblem(error instanceof ApiError ? error.message : 'The bot did not answer. Try again.');
    }
  };
  const act = (body: Control) => run(doneWords[body.action], () => control(partyId, body));

  if (view === null) {
    return (
      <main>
        <p role="status">{offline ? 'The bot does not answer: trying again…' : 'Loading the party…'}</p>
      </main>
    );
  }
  const { details } = view;
  return (
    <main>
      <header class="party-header">
        <a href="/">← Parties</a>
        <h1>{details.session.title}</h1>
        <p class="muted">
          {view.guildName} · in {view.voiceChannelName}
        </p>
      </header>
      <p
        role="status"
        aria-live="polite"
        class={problem || offline ? 'message problem' : 'message'}
        data-testid="message"
      >
        {problem ?? (offline ? 'Lost touch with the bot: reconnecting…' : notice)}
      </p>
      <NowPlaying
        partyId={partyId}
        details={details}
        act={act}
        chooseTrack={(kind, track) =>
          run(kind === 'audio' ? 'Audio switched.' : 'Subtitles switched.', () =>
            chooseTrack(partyId, kind, track),
          )
        }
      />
      <section aria-labelledby="queue-title">
        <h2 id="queue-title">Up next</h2>
        <QueueList
          upcoming={details.upcoming}
          actions={{
            move: (from, to) => run('Moved.', () => moveItem(partyId, from, to)),
            remove: (number) => run('Removed.', () => removeItem(partyId, number)),
          }}
        />
      </section>
      <SearchBox add={(itemId, next) => run('Queued.', () => queueItem(partyId, itemId, next))} />
      <section aria-labelledby="health-title">
        <h2 id="health-title">Stream</h2>
        <StreamSection details={details} health={details.playback.activity === 'playing' ? health : null} />
      </section>
      {details.history.length > 0 && (
        <section aria-labelledby="history-title">
          <h2 id="history-title">Earlier</h2>
          <ol class="history">
            {details.history.map((entry) => (
              <li key={entry.id}>
                {entry.title} <span class="muted">({entry.status})</span>
              </li>
            ))}
          </ol>
        </section>
      )}
    </main>
  );
}
