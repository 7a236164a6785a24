// `lattice exec`: Consul's remote execution (a job in the KV store, an event to every agent, each agent running the
// command and writing its output back). Not built: the command exists so a script calling it gets a clear refusal,
// not "unknown command". Consul agents refuse remote exec by default too (disable_remote_exec = true).

import type { Command } from 'commander';
import { LatticeError } from '../../lib/errors.js';

export function registerExec(program: Command): void {
  program
    .command('exec')
    .description('Runs a command on agents (not implemented yet)')
    .allowUnknownOption()
    .argument('[command...]', 'the command Consul would run')
    .action(() => {
      throw new LatticeError(
        'ERR_NOT_IMPLEMENTED',
        'lattice exec is not implemented yet (remote execution; Consul agents also refuse it by default, disable_remote_exec = true)',
      );
    });
}
