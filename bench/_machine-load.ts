// How busy the whole machine was (Linux /proc), so that a bench window can say how much of the CPU
// went to processes outside what it measures, and how often runnable tasks had to wait for a core:
// on a shared machine a busy neighbour delays a stream's wake-ups as surely as the stream's own load.
import { readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds every core has spent busy since boot: user, nice, system, irq, softirq and steal. */
export function machineBusyCpuSeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8')
    .split('\n', 1)[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields;
  return (
    ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) /
    CLOCK_TICKS_PER_SECOND
  );
}

/**
 * Seconds since boot during which at least one runnable task waited for a core (PSI, "some"), or
 * null where the kernel does not report pressure.
 */
export function cpuWaitSeconds(): number | null {
  try {
    const some = readFileSync('/proc/pressure/cpu', 'utf8').match(/^some .*total=(\d+)/m);
    return some ? Number(some[1]) / 1e6 : null;
  } catch {
    return null;
  }
}
