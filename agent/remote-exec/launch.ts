// Starts a remote exec job's process as Consul's agent does (agent/exec): a command through `$SHELL -c` (/bin/sh
// when SHELL is unset), Args directly with no shell, a Script spilled to a temporary file (mode 0750) that the
// shell then runs. stdin is empty; stdout and stderr are piped to the caller. The process leads its own process
// group so that stopping the agent can end it together with anything it started.

import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RemoteExecJob } from './wire.js';

export interface LaunchedJob {
  readonly child: ChildProcess;
  /** Removes the script file, if any; safe to call twice. */
  cleanup(): Promise<void>;
}

export type LaunchJob = (job: RemoteExecJob) => Promise<LaunchedJob>;

function shell(): string {
  const configured = process.env.SHELL;
  return configured === undefined || configured === '' ? '/bin/sh' : configured;
}

function start(file: string, args: readonly string[]): ChildProcess {
  return spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
}

export const launchJob: LaunchJob = async (job) => {
  if (job.kind === 'args') {
    const [file, ...args] = job.args;
    return { child: start(file as string, args), cleanup: async () => undefined };
  }
  if (job.kind === 'command') return { child: start(shell(), ['-c', job.command]), cleanup: async () => undefined };
  const directory = await mkdtemp(join(tmpdir(), 'rexec-'));
  const cleanup = (): Promise<void> => rm(directory, { recursive: true, force: true });
  try {
    const path = join(directory, 'script');
    await writeFile(path, job.script, { mode: 0o750 });
    await chmod(path, 0o750); // the umask may have narrowed writeFile's mode
    return { child: start(shell(), ['-c', path]), cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
};

/**
 * Ends the job's whole process group (the shell and what it started). Call it only before the child's 'close', so
 * the group ID cannot have been reused; a group that is already gone is not an error.
 */
export function killJob(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // ESRCH: every process of the group has exited already
  }
}
