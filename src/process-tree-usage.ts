// CPU and memory of stream workers with everything they run (their ffmpeg above all, which does most
// of the work), read from Linux's /proc by whoever spawned them: the bot for its own children, a
// worker host for its sessions'. Read from outside, a hung worker still has figures, and a worker's
// ffmpeg counts, which the worker's own process.cpuUsage() would leave out. Dependency-free and
// neutral, like process-figures.ts, because both sides use it.
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessTreeUsage {
  /**
   * CPU seconds (user and system) the process and every process under it have used so far; a child
   * that has exited counts in its parent's figure once reaped, so the total only grows.
   */
  cpuSeconds: number;
  /** Resident memory of the process and the processes under it that still run. */
  residentBytes: number;
}

/** Linux reports CPU times in USER_HZ ticks, 100 on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;
const KIB = 1024;

interface ProcessEntry {
  parent: number;
  /** utime + stime + cutime + cstime: its own CPU and that of its reaped children. */
  cpuTicks: number;
}

/** /proc/PID/stat, whose fields after the parenthesised command name are state, ppid, … */
function readEntry(pid: number): ProcessEntry | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuTicks = [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index]), 0);
    return { parent: Number(fields[1]), cpuTicks };
  } catch {
    // It exited while we looked.
    return null;
  }
}

/**
 * VmRSS of /proc/PID/status, in bytes (the kernel's page size is not known to Node); null once the
 * process is gone, 0 for one without memory of its own (a zombie, a kernel thread).
 */
export function residentBytes(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * KIB : 0;
  } catch {
    return null;
  }
}

/**
 * Each of `roots` with its descendants, leaving out the subtrees of `excluding`, from one pass over
 * the process table; a root that no longer runs has no entry, and on a system without /proc the
 * answer is empty.
 */
export function processTreeUsage(
  roots: readonly number[],
  excluding: readonly number[] = [],
): Map<number, ProcessTreeUsage> {
  const usage = new Map<number, ProcessTreeUsage>();
  if (roots.length === 0) return usage;
  let pids: number[];
  try {
    pids = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return usage;
  }
  const entries = new Map<number, ProcessEntry>();
  const children = new Map<number, number[]>();
  for (const pid of pids) {
    const entry = readEntry(pid);
    if (!entry) continue;
    entries.set(pid, entry);
    children.set(entry.parent, [...(children.get(entry.parent) ?? []), pid]);
  }
  for (const root of roots) {
    if (!entries.has(root)) continue;
    let ticks = 0;
    let bytes = 0;
    const pending = [root];
    for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
      if (excluding.includes(pid)) continue;
      ticks += entries.get(pid)?.cpuTicks ?? 0;
      bytes += residentBytes(pid) ?? 0;
      pending.push(...(children.get(pid) ?? []));
    }
    usage.set(root, { cpuSeconds: ticks / TICKS_PER_SECOND, residentBytes: bytes });
  }
  return usage;
}
