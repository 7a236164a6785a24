// Process helpers for integration tests: run the `lattice` CLI to completion, or start a long-running agent,
// wait for conditions with deadlines (never fixed sleeps), and stop only the processes a test started.
// Tests may use only the CLI binary and HTTP (DESIGN §2), so everything here goes through dist/bin/lattice.js.

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root (run-tests.mjs sets LATTICE_ROOT; otherwise derived from dist/integration/helpers/). */
export const repositoryRoot: string =
  process.env['LATTICE_ROOT'] ?? fileURLToPath(new URL('../../../', import.meta.url));

export const latticeBinary: string = fileURLToPath(new URL('../../bin/lattice.js', import.meta.url));

/** A generous bound for any one wait: long enough for a loaded CI machine, short enough to fail a hung test. */
export const defaultDeadlineMs = 15_000;

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface LatticeOptions {
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

function spawnLattice(args: readonly string[], options: LatticeOptions): ChildProcess {
  return spawn(process.execPath, [latticeBinary, ...args], {
    cwd: options.cwd ?? repositoryRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs `lattice ARGS...` to completion; kills it and rejects if it outlives the deadline. */
export async function runLattice(
  args: readonly string[],
  options: LatticeOptions & { readonly deadlineMs?: number } = {},
): Promise<RunResult> {
  const running = new LatticeProcess(spawnLattice(args, options));
  return running.waitForExit(options.deadlineMs ?? defaultDeadlineMs);
}

/** Starts `lattice ARGS...` in the background (typically `agent`); the caller must `stop()` or `kill()` it. */
export function startLattice(args: readonly string[], options: LatticeOptions = {}): LatticeProcess {
  return new LatticeProcess(spawnLattice(args, options));
}

export class LatticeProcess {
  private stdoutText = '';
  private stderrText = '';
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private exitedAlready = false;

  constructor(private readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdoutText += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderrText += chunk;
    });
    this.exited = new Promise((resolve, reject) => {
      child.once('error', reject);
      // 'close' rather than 'exit': by then stdout and stderr are fully read.
      child.once('close', (code, signal) => {
        this.exitedAlready = true;
        resolve({ code, signal });
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get stdout(): string {
    return this.stdoutText;
  }

  get stderr(): string {
    return this.stderrText;
  }

  /** Both streams, for assertion messages. */
  get output(): string {
    return `--- stdout ---\n${this.stdoutText}\n--- stderr ---\n${this.stderrText}`;
  }

  get hasExited(): boolean {
    return this.exitedAlready;
  }

  /** Resolves with the exit status; on the deadline, kills the process (SIGKILL) and rejects. */
  async waitForExit(deadlineMs = defaultDeadlineMs): Promise<RunResult> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.kill();
        reject(new Error(`lattice (pid ${this.pid}) did not exit within ${deadlineMs} ms\n${this.output}`));
      }, deadlineMs);
    });
    try {
      const { code, signal } = await Promise.race([this.exited, deadline]);
      return { code, signal, stdout: this.stdoutText, stderr: this.stderrText };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends `signal` (SIGINT, as Ctrl-C would) and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGINT', deadlineMs = defaultDeadlineMs): Promise<RunResult> {
    if (!this.exitedAlready) this.child.kill(signal);
    return this.waitForExit(deadlineMs);
  }

  /** Hard stop for cleanup after a failed test; safe to call when the process is gone. */
  kill(): void {
    if (!this.exitedAlready) this.child.kill('SIGKILL');
  }

  /** Waits until stdout or stderr matches `pattern`; rejects at the deadline or if the process exits first. */
  async waitForOutput(pattern: RegExp, deadlineMs = defaultDeadlineMs): Promise<void> {
    await waitFor(
      () => {
        if (pattern.test(this.stdoutText) || pattern.test(this.stderrText)) return true;
        if (this.exitedAlready) throw new Error(`lattice exited before printing ${pattern}\n${this.output}`);
        return false;
      },
      { deadlineMs, what: `output matching ${pattern}` },
    );
  }
}

export interface WaitOptions {
  readonly deadlineMs?: number;
  /** Time between attempts; polling a local socket this often costs nothing. */
  readonly intervalMs?: number;
  readonly what?: string;
}

/** Polls `condition` until it returns a truthy value (returned), throws, or the deadline passes. */
export async function waitFor<T>(condition: () => T | Promise<T>, options: WaitOptions = {}): Promise<NonNullable<T>> {
  const deadlineMs = options.deadlineMs ?? defaultDeadlineMs;
  const intervalMs = options.intervalMs ?? 25;
  const startedMs = performance.now();
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      if (!(error instanceof RetryableError)) throw error;
      lastError = error;
    }
    if (performance.now() - startedMs > deadlineMs) {
      const cause = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${deadlineMs} ms waiting for ${options.what ?? 'a condition'}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Thrown inside a waitFor condition for a failure that may pass on the next attempt (connection refused). */
export class RetryableError extends Error {
  override readonly name = 'RetryableError';
}

/**
 * Waits until `GET url` answers with a status `accept` likes (any 2xx by default) and returns the response.
 * Connection errors are retried until the deadline; if `process` is given and exits, waiting stops at once.
 */
export async function waitForHttp(
  url: string,
  options: WaitOptions & {
    readonly process?: LatticeProcess;
    readonly accept?: (response: Response) => boolean;
    readonly headers?: Readonly<Record<string, string>>;
  } = {},
): Promise<Response> {
  const accept = options.accept ?? ((response: Response) => response.ok);
  return waitFor(
    async () => {
      if (options.process?.hasExited)
        throw new Error(`lattice exited while waiting for ${url}\n${options.process.output}`);
      let response: Response;
      try {
        response = await fetch(url, { headers: options.headers, signal: AbortSignal.timeout(2000) });
      } catch (error) {
        throw new RetryableError(
          error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error),
        );
      }
      if (accept(response)) return response;
      throw new RetryableError(`HTTP ${response.status}`);
    },
    { ...options, what: options.what ?? `HTTP ${url}` },
  );
}

/**
 * `GET http://host:8500/path` as JSON, for use inside a waitFor condition: a refused connection, a timeout or a
 * non-2xx answer is a RetryableError naming the request, so the wait tries again until its deadline.
 */
export async function getAgentJson<T>(host: string, path: string, timeoutMs = 10_000): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`http://${host}:8500${path}`, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new RetryableError(`${host}${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!response.ok) throw new RetryableError(`${host}${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}
