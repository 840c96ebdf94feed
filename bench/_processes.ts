// What the process table says about the stack's processes (Linux /proc): children, resident memory,
// open file descriptors, and processes left behind in a directory after a run.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { processTreeUsage, residentBytes } from '../src/process-tree-usage.ts';

function processIds(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** Field 4 of /proc/PID/stat (after the parenthesised command name): the parent's id. */
function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '';
  }
}

/**
 * CPU seconds spent so far by `rootPid` and every process under it, leaving out the subtrees of
 * `excluding`: a process that exited and was reaped still counts, in its parent's figure.
 */
export function treeCpuSeconds(rootPid: number, excluding: readonly number[] = []): number {
  return processTreeUsage([rootPid], excluding).get(rootPid)?.cpuSeconds ?? 0;
}

/** The bot's stream workers: its children running the worker entry. */
export function workerPids(botPid: number): number[] {
  return processIds().filter(
    (pid) => parentOf(pid) === botPid && commandLine(pid).includes('src/worker/main.'),
  );
}

/** VmRSS of /proc/PID/status in MB; null once the process is gone. */
export function rssMb(pid: number): number | null {
  const bytes = residentBytes(pid);
  return bytes === null ? null : bytes / (1024 * 1024);
}

/** Entries of /proc/PID/fd; null once the process is gone. */
export function openFds(pid: number): number | null {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

/** Whether `ancestor` is `pid` or one of its ancestors. */
function descendsFrom(pid: number, ancestor: number): boolean {
  for (let current: number | null = pid; current !== null && current > 1; current = parentOf(current)) {
    if (current === ancestor) return true;
  }
  return false;
}

/** Processes in `dir` (see processesIn) that the bot `botPid` no longer owns: left behind while it runs. */
export function straysIn(dir: string, botPid: number): { pid: number; command: string }[] {
  return processesIn(dir).filter(({ pid }) => !descendsFrom(pid, botPid));
}

/**
 * Processes whose working directory is `dir` (or was, before it was removed): the bot, its workers
 * and their ffmpeg all run there, so after the stack stopped any such process was left behind.
 */
export function processesIn(dir: string): { pid: number; command: string }[] {
  return processIds()
    .filter((pid) => {
      try {
        const cwd = readlinkSync(`/proc/${pid}/cwd`);
        return cwd === dir || cwd === `${dir} (deleted)`;
      } catch {
        return false;
      }
    })
    .map((pid) => ({ pid, command: basename(commandLine(pid).split(' ')[0] ?? '') }));
}
