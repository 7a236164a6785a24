// `lattice simulate raft|gossip`: runs the deterministic simulators in sim/ from the command line, so a failing
// test seed can be replayed and a user can try gossip or Raft tuning before deploying it.

import type { Command } from 'commander';
import { registerSimulateGossip } from './simulate-gossip.js';
import { registerSimulateRaft } from './simulate-raft.js';

export function registerSimulate(program: Command): void {
  const simulate = program.command('simulate').description('Runs the deterministic Raft or gossip simulator');
  registerSimulateRaft(simulate);
  registerSimulateGossip(simulate);
}
