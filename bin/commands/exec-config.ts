// What `lattice exec` was asked to do, checked as Consul's exec command checks it (command/exec/exec.go): the
// words after the flags joined with spaces are the shell command; `-` alone reads a script from stdin (needs
// -shell); -shell=false sends the words as Args, run with no shell; the filters are Go regular expressions, and
// -tag needs -service. Usage errors are ExecUsageError with Consul's wording; nothing is sent to the agent.

import { compileGoRegexp } from '../../agent/events/go-regexp.js';
import type { RemoteExecJob } from '../../agent/remote-exec/wire.js';
import { LatticeError } from '../../lib/errors.js';

export class ExecUsageError extends LatticeError {
  override readonly name = 'ExecUsageError';
  constructor(
    message: string,
    /** Consul prints the command's help after this error. */
    readonly withHelp = false,
  ) {
    super('ERR_USAGE', message);
  }
}

export interface ExecRequestInit {
  readonly words: readonly string[];
  readonly node: string;
  readonly service: string;
  readonly tag: string;
  readonly shell: boolean;
  readonly waitMs: number;
  /** Reads stdin to the end (only called for `-`). */
  readonly readStdin: () => Promise<Uint8Array>;
}

function checkFilter(pattern: string, what: string): void {
  if (pattern === '') return;
  try {
    compileGoRegexp(pattern);
  } catch (error) {
    throw new ExecUsageError(`Failed to compile ${what} filter regexp: ${(error as Error).message}`);
  }
}

/** The job to upload; throws ExecUsageError for what Consul refuses. */
export async function buildExecJob(init: ExecRequestInit): Promise<RemoteExecJob> {
  const command = init.words.join(' ');
  let job: RemoteExecJob | null = null;
  if (command === '-') {
    if (!init.shell) throw new ExecUsageError('Cannot configure -shell=false when reading from stdin');
    const script = await init.readStdin();
    if (script.length > 0) job = { kind: 'script', script, waitMs: init.waitMs };
  } else if (!init.shell) {
    if (init.words.length > 0) job = { kind: 'args', args: [...init.words], waitMs: init.waitMs };
  } else if (command !== '') {
    job = { kind: 'command', command, waitMs: init.waitMs };
  }
  if (job === null) throw new ExecUsageError('Must specify a command to execute', true);
  checkFilter(init.node, 'node');
  checkFilter(init.service, 'service');
  checkFilter(init.tag, 'tag');
  if (init.tag !== '' && init.service === '')
    throw new ExecUsageError('Cannot provide tag filter without service filter.');
  return job;
}
