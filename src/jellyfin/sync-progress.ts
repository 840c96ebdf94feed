// Progress of `sync-catalog` for people: a redrawn bar on a terminal, plain lines otherwise (logs,
// CI), where a line per page would flood, so only every tenth of the way is written.
import type { SyncProgress } from './catalog-sync.ts';

interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const phaseLabels: Record<SyncProgress['phase'], string> = {
  fetching: 'Fetching items',
  sweeping: 'Checking for deletions',
  indexing: 'Building the search index',
  done: 'Catalog ready',
};

function bar(fraction: number, width: number): string {
  const filled = Math.round(fraction * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

export function createSyncProgressReporter(
  stream: ProgressStream = process.stderr,
): (progress: SyncProgress) => void {
  const number = new Intl.NumberFormat('en-US');
  let lastPhase: SyncProgress['phase'] | null = null;
  let lastTenth = -1;
  return (progress) => {
    const label = `${phaseLabels[progress.phase]} (${progress.mode} sync)`;
    const counts =
      progress.total === null
        ? number.format(progress.done)
        : `${number.format(progress.done)}/${number.format(progress.total)}`;
    const fraction = progress.total ? Math.min(1, progress.done / progress.total) : null;
    const phaseChanged = progress.phase !== lastPhase;
    if (stream.isTTY) {
      if (phaseChanged && lastPhase !== null) stream.write('\n');
      const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - label.length - counts.length - 12));
      const percent = fraction === null ? '' : ` ${String(Math.floor(fraction * 100)).padStart(3)}%`;
      const drawn = fraction === null ? '' : ` ${bar(fraction, width)}`;
      stream.write(`\r${label}${drawn}${percent} ${counts}\u001b[K`);
      if (progress.phase === 'done') stream.write('\n');
    } else {
      const tenth = fraction === null ? -1 : Math.floor(fraction * 10);
      if (phaseChanged || tenth > lastTenth)
        stream.write(`${label}: ${counts}${fraction === null ? '' : ` (${Math.floor(fraction * 100)}%)`}\n`);
      lastTenth = phaseChanged ? tenth : Math.max(lastTenth, tenth);
    }
    lastPhase = progress.phase;
  };
}
