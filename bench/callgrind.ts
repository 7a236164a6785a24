// Counting a child process's user-space instructions with valgrind's callgrind: the child starts under valgrind with
// instrumentation off, so start-up and warm-up are not counted, and `countInstructions` switches it on around one
// piece of work and reads the instructions executed (Ir, every thread of the process) from the dump. Unlike rps and
// CPU time, the count barely moves with whatever else runs on the machine, so builds and proxies can be compared on
// a busy box. Kernel work (the syscalls) is not counted.

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';

const DUMP_WAIT_MS = 30_000;

/** Null when valgrind and callgrind_control are both installed; otherwise what is missing. */
export function callgrindMissing(): string | null {
  for (const tool of ['valgrind', 'callgrind_control']) {
    try {
      execFileSync(tool, ['--version'], { stdio: 'ignore' });
    } catch {
      return `${tool} is not installed (apt-get install valgrind)`;
    }
  }
  return null;
}

/** The command prefix that runs a program under callgrind with instrumentation off until switched on. */
export function callgrindPrefix(outDir: string): string[] {
  return [
    'valgrind',
    '--tool=callgrind',
    '--instr-atstart=no',
    // V8 writes machine code into its heap; valgrind must notice code that changes outside the stack.
    '--smc-check=all-non-file',
    `--callgrind-out-file=${join(outDir, 'callgrind.%p')}`,
  ];
}

/** Instructions each process executed while `work` ran, in the order of `pids`. */
export async function countInstructions(
  pids: readonly number[],
  outDir: string,
  work: () => Promise<void>,
): Promise<number[]> {
  for (const pid of pids) execFileSync('callgrind_control', ['--instr=on', String(pid)], { stdio: 'ignore' });
  await work();
  const counts: number[] = [];
  for (const pid of pids) {
    const dumpsBefore = dumpsOf(outDir, pid).length;
    execFileSync('callgrind_control', ['--dump', String(pid)], { stdio: 'ignore' });
    execFileSync('callgrind_control', ['--instr=off', String(pid)], { stdio: 'ignore' });
    counts.push(await readNewDump(outDir, pid, dumpsBefore));
  }
  return counts;
}

function dumpsOf(outDir: string, pid: number): string[] {
  const prefix = `callgrind.${pid}.`;
  return readdirSync(outDir)
    .filter((name) => name.startsWith(prefix))
    .sort((a, b) => Number(a.slice(prefix.length)) - Number(b.slice(prefix.length)));
}

async function readNewDump(outDir: string, pid: number, dumpsBefore: number): Promise<number> {
  const deadline = Date.now() + DUMP_WAIT_MS;
  for (;;) {
    const dumps = dumpsOf(outDir, pid);
    if (dumps.length > dumpsBefore) {
      const text = readFileSync(join(outDir, dumps.at(-1)!), 'utf8');
      const total = /^(?:summary|totals): (\d+)/m.exec(text);
      if (total) return Number(total[1]);
    }
    if (Date.now() > deadline) throw new Error(`no callgrind dump from process ${pid} within ${DUMP_WAIT_MS} ms`);
    await pause(100);
  }
}
