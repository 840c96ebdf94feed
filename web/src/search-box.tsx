// Finding something to queue, ranked as /watchparty queue's autocomplete ranks it.
import { useState } from 'preact/hooks';
import { ApiError, type SearchHit, search } from './api.ts';
import { say } from './i18n.ts';

export function SearchBox(props: { add: (itemId: string, next: boolean) => void }) {
  const [query, setQuery] = useState('');
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const run = async (event: Event) => {
    event.preventDefault();
    if (query.trim() === '') return;
    try {
      setProblem(null);
      setHits((await search(query)).hits);
    } catch (error) {
      setProblem(error instanceof ApiError ? error.message : say('web.search.failed'));
    }
  };

  return (
    <section aria-labelledby="search-title">
      <h2 id="search-title">{say('web.search.title')}</h2>
      <search>
        <form onSubmit={run}>
          <label for="search-input" class="visually-hidden">
            {say('web.search.label')}
          </label>
          <input
            id="search-input"
            type="search"
            placeholder={say('web.search.label')}
            value={query}
            onInput={(event) => setQuery(event.currentTarget.value)}
          />
          <button type="submit">{say('web.search.button')}</button>
        </form>
      </search>
      {problem && <p role="alert">{problem}</p>}
      {hits && hits.length === 0 && <p class="muted">{say('hint.noMatch', { typed: query })}</p>}
      {hits && hits.length > 0 && (
        <ul class="hits" aria-label={say('web.search.results')}>
          {hits.map((hit) => (
            <li key={hit.itemId}>
              <span class="title">{hit.label}</span>
              <span class="row-actions">
                <button
                  type="button"
                  onClick={() => props.add(hit.itemId, false)}
                  aria-label={say('web.queue.add', { title: hit.label })}
                >
                  {say('button.queue')}
                </button>
                <button
                  type="button"
                  onClick={() => props.add(hit.itemId, true)}
                  aria-label={say('web.queue.playNext', { title: hit.label })}
                >
                  {say('web.queue.next')}
                </button>
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
