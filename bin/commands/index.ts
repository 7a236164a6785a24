// Every `lattice` subcommand, one file each. Add a line here to register a new command.

import type { Command } from 'commander';
import { registerAgent } from './agent.js';
import { registerDebugRaftKv } from './debug-raft-kv.js';
import { registerKeygen } from './keygen.js';
import { registerKeyring } from './keyring.js';
import { registerSimulate } from './simulate.js';
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
}
