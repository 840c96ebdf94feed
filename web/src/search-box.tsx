// Finding something to queue, ranked as /watchparty queue's autocomplete ranks it.
import { useState } from 'preact/hooks';
import { ApiError, type SearchHit, search } from './api.ts';

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
      setProblem(error instanceof ApiError ? error.message : 'The search did not answer. Try again.');
    }
  };

  return (
    <section aria-labelledby="search-title">
      <h2 id="search-title">Add to the queue</h2>
      <search>
        <form onSubmit={run}>
          <label for="search-input" class="visually-hidden">
            Film or series title
          </label>
          <input
            id="search-input"
            type="search"
            placeholder="Film or series title"
            value={query}
            onInput={(event) => setQuery(event.currentTarget.value)}
          />
          <button type="submit">Search</button>
        </form>
      </search>
      {problem && <p role="alert">{problem}</p>}
      {hits && hits.length === 0 && <p class="muted">Nothing in the library matches “{query}”.</p>}
      {hits && hits.length > 0 && (
        <ul class="hits" aria-label="Search results">
          {hits.map((hit) => (
            <li key={hit.itemId}>
              <span class="title">{hit.label}</span>
              <span class="row-actions">
                <button
                  type="button"
                  onClick={() => props.add(hit.itemId, false)}
                  aria-label={`Queue ${hit.label}`}
                >
                  Queue
                </button>
                <button
                  type="button"
                  onClick={() => props.add(hit.itemId, true)}
                  aria-label={`Play ${hit.label} next`}
                >
                  Next
                </button>
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
