// `lattice simulate raft`: not built yet; the raft simulator lands with the raft/ issue.

import type { Command } from 'commander';
import { NotImplementedError } from '../../lib/errors.js';

export function registerSimulateRaft(simulate: Command): void {
  simulate
    .command('raft')
    .description('Simulates a raft cluster (not implemented yet)')
    .action(() => {
      throw new NotImplementedError('lattice simulate raft');
    });
}
