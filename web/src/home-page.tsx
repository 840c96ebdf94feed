// The member's servers (those they share with the bot) and the parties in them.
import type { Me } from './api.ts';
import { say } from './i18n.ts';

export function HomePage(props: { me: Me }) {
  const { me } = props;
  return (
    <main>
      <h1>{say('web.home.title')}</h1>
      {me.guilds.length === 0 && <p>{say('web.home.noServer')}</p>}
      {me.guilds.map((guild) => (
        <section key={guild.id} aria-labelledby={`guild-${guild.id}`}>
          <h2 id={`guild-${guild.id}`}>{guild.name}</h2>
          {guild.parties.length === 0 ? (
            <p class="muted">{say('web.home.noParty')}</p>
          ) : (
            <ul class="parties">
              {guild.parties.map((party) => (
                <li key={party.id}>
                  <a href={`/party/${party.id}`}>{party.title}</a>{' '}
                  <span class="muted">
                    {say('web.home.partyWhere', {
                      channel: party.voiceChannelName,
                      status: say(`web.activity.${party.status}`),
                    })}
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
