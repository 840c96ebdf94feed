// One party, live: the bot pushes the party after every change (Server-Sent Events), and every
// action here answers the party as it stands afterwards, or the sentence Discord would show.
import { useEffect, useState } from 'preact/hooks';
import type { PlainKey } from '../../src/i18n/catalog.ts';
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
import { say } from './i18n.ts';
import { NowPlaying } from './now-playing.tsx';
import { QueueList } from './queue-list.tsx';
import { SearchBox } from './search-box.tsx';
import { StreamSection } from './stream-section.tsx';

const doneWords: Record<Control['action'], PlainKey> = {
  start: 'web.done.start',
  pause: 'web.done.pause',
  resume: 'reply.resumed',
  seek: 'web.done.seek',
  skip: 'web.done.skip',
  previous: 'web.done.previous',
  stop: 'web.done.stop',
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

  const run = async (done: PlainKey, action: () => Promise<PartyView>) => {
    try {
      setView(await action());
      setNotice(say(done));
      setProblem(null);
    } catch (error) {
      setNotice(null);
      setProblem(error instanceof ApiError ? error.message : say('web.party.noAnswer'));
    }
  };
  const act = (body: Control) => run(doneWords[body.action], () => control(partyId, body));

  if (view === null) {
    return (
      <main>
        <p role="status">{offline ? say('web.party.retrying') : say('web.party.loading')}</p>
      </main>
    );
  }
  const { details } = view;
  return (
    <main>
      <header class="party-header">
        <a href="/">{say('web.party.back')}</a>
        <h1>{details.session.title}</h1>
        <p class="muted">
          {say('web.party.where', { guild: view.guildName, channel: view.voiceChannelName })}
        </p>
      </header>
      <p
        role="status"
        aria-live="polite"
        class={problem || offline ? 'message problem' : 'message'}
        data-testid="message"
      >
        {problem ?? (offline ? say('web.party.reconnecting') : notice)}
      </p>
      <NowPlaying
        partyId={partyId}
        details={details}
        act={act}
        chooseTrack={(kind, track) =>
          run(kind === 'audio' ? 'web.done.audio' : 'web.done.subtitles', () =>
            chooseTrack(partyId, kind, track),
          )
        }
      />
      <section aria-labelledby="queue-title">
        <h2 id="queue-title">{say('panel.upNext')}</h2>
        <QueueList
          upcoming={details.upcoming}
          actions={{
            move: (from, to) => run('web.done.moved', () => moveItem(partyId, from, to)),
            remove: (number) => run('web.done.removed', () => removeItem(partyId, number)),
          }}
        />
      </section>
      <SearchBox add={(itemId, next) => run('web.done.queued', () => queueItem(partyId, itemId, next))} />
      <section aria-labelledby="health-title">
        <h2 id="health-title">{say('web.stream.title')}</h2>
        <StreamSection details={details} health={details.playback.activity === 'playing' ? health : null} />
      </section>
      {details.history.length > 0 && (
        <section aria-labelledby="history-title">
          <h2 id="history-title">{say('web.history.title')}</h2>
          <ol class="history">
            {details.history.map((entry) => (
              <li key={entry.id}>
                {entry.title} <span class="muted">({say(`web.entry.${entry.status}`)})</span>
              </li>
            ))}
          </ol>
        </section>
      )}
    </main>
  );
}
