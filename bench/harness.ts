// Shared plumbing of the benches that run clusters as child processes: start and kill only our own children,
// wait for a condition with a deadline, run the anchors' closed-loop HTTP generator, take medians.

import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';

export interface LoadResult {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
}

export interface BenchHarness {
  progress(message: string): void;
  /** Starts a child whose output is drained (or not piped at all when `quietStdout`); killAll() ends it. */
  start(command: string, args: readonly string[], quietStdout?: boolean): ChildProcess;
  /** SIGKILLs every child this harness started that is still running, and nothing else. */
  killAll(): void;
  waitUntil<T>(what: string, probe: () => Promise<T | null>): Promise<T>;
  /** Runs ../shared/anchors/lib/httpload.mjs and returns its last JSON line. */
  runLoad(label: string, args: readonly string[]): Promise<LoadResult>;
}

export interface BenchHarnessOptions {
  readonly name: string;
  readonly anchorsDir: string;
  readonly waitDeadlineMs: number;
  readonly pollIntervalMs: number;
}

export function createBenchHarness(options: BenchHarnessOptions): BenchHarness {
  const children: ChildProcess[] = [];
  const progress = (message: string): void => {
    process.stderr.write(`[${options.name}] ${message}\n`);
  };
  return {
    progress,
    start(command, args, quietStdout = false) {
      const child = spawn(command, args, { stdio: ['ignore', quietStdout ? 'ignore' : 'pipe', 'pipe'] });
      child.stderr?.resume();
      child.stdout?.resume();
      children.push(child);
      return child;
    },
    killAll() {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    async waitUntil(what, probe) {
      const startedMs = performance.now();
      for (;;) {
        const value = await probe().catch(() => null);
        if (value !== null) return value;
        if (performance.now() - startedMs > options.waitDeadlineMs) throw new Error(`timed out waiting for ${what}`);
        await pause(options.pollIntervalMs);
      }
    },
    async runLoad(label, args) {
      progress(`load ${label}`);
      const generator = join(options.anchorsDir, 'lib', 'httpload.mjs');
      const child = spawn(process.execPath, [generator, '--label', label, ...args], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.push(child);
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
      });
      await new Promise((resolve) => child.once('close', resolve));
      const result = JSON.parse(output.trim().split('\n').pop() ?? '{}') as LoadResult;
      progress(`${label}: ${result.rps} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, errors ${result.errors}`);
      return result;
    },
  };
}

/** The lower median (a real sample, not an average of two). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] as number;
}
