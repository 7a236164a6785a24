// Running a watch handler, as Consul's agent/watch_handler.go and command/watch do: the result goes to the
// process as JSON on stdin (Go's json.Encoder: one document and a newline) with CONSUL_INDEX in its environment
// (LATTICE_INDEX too). A handler is a shell script (`$SHELL -c`, /bin/sh by default: Consul's ExecScript) or an
// argv run directly (ExecSubprocess: the `args` of an agent watch, `-shell=false` on the CLI).

import { type ChildProcess, spawn } from 'node:child_process';
import { LatticeError } from '../../lib/errors.js';

export type WatchHandlerCommand = { readonly script: string } | { readonly argv: readonly string[] };

export class WatchHandlerError extends LatticeError {
  override readonly name = 'WatchHandlerError';
}

/** Starts the handler; its stdout and stderr are the caller's ('inherit') or piped for the caller to read. */
export function spawnWatchHandler(
  command: WatchHandlerCommand,
  index: bigint,
  output: 'inherit' | 'pipe',
): ChildProcess {
  const env = { ...process.env, CONSUL_INDEX: index.toString(), LATTICE_INDEX: index.toString() };
  const stdio: ['pipe', 'inherit' | 'pipe', 'inherit' | 'pipe'] = ['pipe', output, output];
  if ('script' in command) return spawn(process.env['SHELL'] || '/bin/sh', ['-c', command.script], { env, stdio });
  const [file, ...args] = command.argv;
  if (file === undefined) throw new WatchHandlerError('ERR_HANDLER', 'Error executing handler: no command');
  return spawn(file, args, { env, stdio });
}

/** Feeds `data` to the handler and waits for it; rejects when it cannot start or exits non-zero. */
export function runWatchHandler(child: ChildProcess, data: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('error', (error) =>
      reject(new WatchHandlerError('ERR_HANDLER', `Error starting handler: ${error.message}`)),
    );
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new WatchHandlerError('ERR_HANDLER', `Error executing handler: exit ${signal ?? `status ${code}`}`));
    });
    // A handler that exits without reading its stdin is not an error.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(`${JSON.stringify(data === undefined ? null : data)}\n`);
  });
}
