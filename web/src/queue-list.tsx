// What plays next. Each item can be played next, moved a place up or down, or removed, from the
// keyboard too; a finger, mouse or pen can also drag an item by its grip to its new place. The drag
// runs on pointer events, which phones send for touch (HTML5 drag-and-drop does not start from a
// touch in mobile browsers). Numbers are those /watchparty list shows.
import { useRef, useState } from 'preact/hooks';
import type { Upcoming } from './api.ts';
import { say } from './i18n.ts';

export interface QueueActions {
  move(from: number, to: number): void;
  remove(number: number): void;
}

interface Drag {
  from: number;
  over: number;
}

/** The queue number of the item under a point, or null between items. */
function numberAt(x: number, y: number): number | null {
  const item = document.elementFromPoint(x, y)?.closest<HTMLElement>('[data-number]');
  return item ? Number(item.dataset.number) : null;
}

/**
 * Dragging by the grip: the grip keeps the pointer (capture) while it moves, the item under it is
 * where the dragged one lands. The live drag is a ref, so a release right after a move reads the
 * latest target; the state only paints it.
 */
function useGripDrag(move: (from: number, to: number) => void) {
  const live = useRef<Drag | null>(null);
  const [shown, setShown] = useState<Drag | null>(null);
  const update = (drag: Drag | null) => {
    live.current = drag;
    setShown(drag);
  };
  const grip = (number: number) => ({
    onPointerDown(event: PointerEvent) {
      if (!event.isPrimary || event.button !== 0) return;
      (event.currentTarget as HTMLElement).setPointerCapture(event.pointerId);
      event.preventDefault();
      update({ from: number, over: number });
    },
    onPointerMove(event: PointerEvent) {
      const drag = live.current;
      const over = drag && numberAt(event.clientX, event.clientY);
      if (drag && over !== null && over !== drag.over) update({ ...drag, over });
    },
    onPointerUp() {
      const drag = live.current;
      update(null);
      if (drag && drag.over !== drag.from) move(drag.from, drag.over);
    },
    onPointerCancel() {
      update(null);
    },
  });
  return { grip, shown };
}

export function QueueList(props: { upcoming: Upcoming[]; actions: QueueActions }) {
  const { upcoming, actions } = props;
  const { grip, shown } = useGripDrag(actions.move);
  if (upcoming.length === 0) return <p class="muted">{say('web.queue.empty')}</p>;
  return (
    <ol class="queue" aria-label={say('panel.upNext')}>
      {upcoming.map((entry) => (
        <li
          key={entry.id}
          data-testid="queue-item"
          data-number={entry.number}
          class={
            shown?.from === entry.number
              ? 'dragged'
              : shown?.over === entry.number
                ? 'drop-target'
                : undefined
          }
        >
          {/* Pointer only: the buttons below do the same from the keyboard and for screen readers. */}
          <span
            class="grip"
            aria-hidden="true"
            data-testid="drag-grip"
            title={say('web.queue.drag')}
            {...grip(entry.number)}
          >
            ⠿
          </span>
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
                aria-label={say('web.queue.playNext', { title: entry.title })}
              >
                {say('web.queue.next')}
              </button>
            )}
            <button
              type="button"
              disabled={entry.number === 1}
              onClick={() => actions.move(entry.number, entry.number - 1)}
              aria-label={say('web.queue.moveUp', { title: entry.title })}
            >
              ↑
            </button>
            <button
              type="button"
              disabled={entry.number === upcoming.length}
              onClick={() => actions.move(entry.number, entry.number + 1)}
              aria-label={say('web.queue.moveDown', { title: entry.title })}
            >
              ↓
            </button>
            <button
              type="button"
              onClick={() => actions.remove(entry.number)}
              aria-label={say('web.queue.remove', { title: entry.title })}
            >
              ✕
            </button>
          </span>
        </li>
      ))}
    </ol>
  );
}
