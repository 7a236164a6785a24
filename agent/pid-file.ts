// The PID file (`pid_file`): written when the agent starts, removed when it stops, so init scripts and test
// harnesses can find the process. Started first and stopped last, it exists exactly while the agent runs.

import { rm, writeFile } from 'node:fs/promises';
import { LatticeError } from '../lib/errors.js';
import { type AbortOptions, LifecycleState, type Startable } from '../lib/lifecycle.js';

export class PidFileError extends LatticeError {
  override readonly name = 'PidFileError';
  constructor(path: string, options?: ErrorOptions) {
    super(
      'ERR_PID_FILE',
      `cannot write pid file ${path}: ${(options?.cause as Error | undefined)?.message ?? 'unknown error'}`,
      options,
    );
  }
}

export class PidFile implements Startable {
  private readonly lifecycle = new LifecycleState();

  constructor(
    private readonly path: string,
    private readonly pid: number,
  ) {}

  start(_options?: AbortOptions): Promise<void> {
    return this.lifecycle.start(async () => {
      try {
        await writeFile(this.path, `${this.pid}\n`, { mode: 0o644 });
      } catch (error) {
        throw new PidFileError(this.path, { cause: error });
      }
    });
  }

  stop(_options?: AbortOptions): Promise<void> {
    return this.lifecycle.stop(() => rm(this.path, { force: true }));
  }
}
