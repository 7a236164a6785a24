// Every `lattice` subcommand, one file each. Add a line here to register a new command.

import type { Command } from 'commander';
import { registerKeygen } from './keygen.js';
import { registerKeyring } from './keyring.js';
import { registerSimulate } from './simulate.js';
import { registerVersion } from './version.js';

export function registerCommands(program: Command): void {
  registerVersion(program);
  registerSimulate(program);
  registerKeygen(program);
  registerKeyring(program);
}
