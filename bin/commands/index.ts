// Every `lattice` subcommand, one file each. Add a line here to register a new command.

import type { Command } from 'commander';
import { registerAgent } from './agent.js';
import { registerCatalog } from './catalog.js';
import { registerDebugRaftKv } from './debug-raft-kv.js';
import { registerKeygen } from './keygen.js';
import { registerKeyring } from './keyring.js';
import { registerOperator } from './operator.js';
import { registerSimulate } from './simulate.js';
import { registerSnapshot } from './snapshot.js';
import { registerValidate } from './validate.js';
import { registerVersion } from './version.js';

export function registerCommands(program: Command): void {
  registerVersion(program);
  registerAgent(program);
  registerValidate(program);
  registerSimulate(program);
  registerKeygen(program);
  registerKeyring(program);
  registerDebugRaftKv(program);
  registerCatalog(program);
  registerOperator(program);
  registerSnapshot(program);
}
