// What plays next. Each item can be played next, moved a place up or down, or removed; a pointer
// can also drag an item to its new place. Numbers are those /watchparty list shows.
import { useState } from 'preact/hooks';
import type { Upcoming } from './api.ts';

export interface QueueActions {
  move(from: number, to: number): void;
  remove(number: number): void;
}

export function QueueList(props: { upcoming: Upcoming[]; actions: QueueActions }) {
  const { upcoming, actions } = props;
  const [dragged, setDragged] = useState<number | null>(null);
  if (upcoming.length === 0) return <p class="muted">The queue is empty: search below to add something.</p>;
  return (
    <ol class="queue" aria-label="Up next">
      {upcoming.map((entry) => (
        <li
          key={entry.id}
          draggable
          data-testid="queue-item"
          onDragStart={(event) => {
            setDragged(entry.number);
            event.dataTransfer?.setData('text/plain', String(entry.number));
          }}
          onDragOver={(event) => event.preventDefault()}
          onDrop={(event) => {
            event.preventDefault();
            if (dragged !== null && dragged !== entry.number) actions.move(dragged, entry.number);
            setDragged(null);
          }}
        >
          <span class="number" aria-hidden="true">
            {entry.number}
          </span>
          <span class="title">
            {entry.title}
            {entry.year ? ` (${entry.year})` : ''}
          </span>
          <span class="row-actions">
            {entry.number > 1 && (
              <button
                type="button"
                onClick={() => actions.move(entry.number, 1)}
                aria-label={`Play ${entry.title} next`}
              >
                Next
              </button>
            )}
            <button
              type="button"
              disabled={entry.number === 1}
              onClick={() => actions.move(entry.number, entry.number - 1)}
              aria-label={`Move ${entry.title} up`}
            >
              ↑
            </button>
            <button
              type="button"
              disabled={entry.number === upcoming.length}
              onClick={() => actions.move(entry.number, entry.number + 1)}
              aria-label={`Move ${entry.title} down`}
            >
              ↓
            </button>
            <button
              type="button"
              onClick={() => actions.remove(entry.number)}
              aria-label={`Remove ${entry.title}`}
            >
              ✕
            </button>
          </span>
        </li>
      ))}
    </ol>
  );
}
