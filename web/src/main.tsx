// The dashboard's front end: who is logged in decides between the login link and the pages; the
// path decides the page.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { loadMe, logout, type Me } from './api.ts';
import { HomePage } from './home-page.tsx';
import { say } from './i18n.ts';
import { PartyPage } from './party-page.tsx';

function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    loadMe().then(setMe, () => setProblem(say('web.botSilent')));
  }, []);

  if (problem) return <p role="alert">{problem}</p>;
  if (me === undefined) return <p role="status">{say('web.loading')}</p>;
  if (me === null) {
    return (
      <main class="login">
        <h1>Orb Watch Party</h1>
        <p>{say('web.login.intro')}</p>
        <a class="button primary" href={`/login?${new URLSearchParams({ next: location.pathname })}`}>
          {say('web.login.button')}
        </a>
      </main>
    );
  }
  const party = /^\/party\/(\d+)$/.exec(location.pathname);
  return (
    <>
      <nav class="top" aria-label={say('web.account')}>
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
          {say('web.logout')}
        </button>
      </nav>
      {party ? <PartyPage partyId={Number(party[1])} /> : <HomePage me={me} />}
    </>
  );
}

render(<App />, document.getElementById('app')!);
