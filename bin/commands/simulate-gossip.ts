// `lattice simulate gossip`: not built yet; the gossip simulator lands with the gossip/ issue.

import type { Command } from 'commander';
import { NotImplementedError } from '../../lib/errors.js';

export function registerSimulateGossip(simulate: Command): void {
  simulate
    .command('gossip')
    .description('Simulates a gossip cluster (not implemented yet)')
    .action(() => {
      throw new NotImplementedError('lattice simulate gossip');
    });
}
