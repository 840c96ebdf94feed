// The member's servers (those they share with the bot) and the parties in them.
import type { Me } from './api.ts';

export function HomePage(props: { me: Me }) {
  const { me } = props;
  return (
    <main>
      <h1>Watch parties</h1>
      {me.guilds.length === 0 && <p>You share no server with the bot yet.</p>}
      {me.guilds.map((guild) => (
        <section key={guild.id} aria-labelledby={`guild-${guild.id}`}>
          <h2 id={`guild-${guild.id}`}>{guild.name}</h2>
          {guild.parties.length === 0 ? (
            <p class="muted">No party right now: start one with /watchparty create in Discord.</p>
          ) : (
            <ul class="parties">
              {guild.parties.map((party) => (
                <li key={party.id}>
                  <a href={`/party/${party.id}`}>{party.title}</a>{' '}
                  <span class="muted">
                    in {party.voiceChannelName} · {party.status}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
      ))}
    </main>
  );
}
