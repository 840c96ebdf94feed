// The dashboard's front end: who is logged in decides between the login link and the pages; the
// path decides the page.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { loadMe, logout, type Me } from './api.ts';
import { HomePage } from './home-page.tsx';
import { PartyPage } from './party-page.tsx';

function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    loadMe().then(setMe, () => setProblem('The bot did not answer. Reload the page in a moment.'));
  }, []);

  if (problem) return <p role="alert">{problem}</p>;
  if (me === undefined) return <p role="status">Loading…</p>;
  if (me === null) {
    return (
      <main class="login">
        <h1>Orb Watch Party</h1>
        <p>Run your server's watch parties from here: pause, seek, skip and queue, as in Discord.</p>
        <a class="button primary" href={`/login?${new URLSearchParams({ next: location.pathname })}`}>
          Log in with Discord
        </a>
      </main>
    );
  }
  const party = /^\/party\/(\d+)$/.exec(location.pathname);
  return (
    <>
      <nav class="top" aria-label="Account">
        <span>{me.user.username}</span>
        <button
          type="button"
          onClick={() =>
            logout().then(
              () => location.assign('/'),
              () => location.assign('/'),
            )
          }
        >
          Log out
        </button>
      </nav>
      {party ? <PartyPage partyId={Number(party[1])} /> : <HomePage me={me} />}
    </>
  );
}

render(<App />, document.getElementById('app')!);
