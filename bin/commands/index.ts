// Every `lattice` subcommand, one file each. Add a line here to register a new command.

import type { Command } from 'commander';
import { registerAgent } from './agent.js';
import { registerCatalog } from './catalog.js';
import { registerConfig } from './config.js';
import { registerConnect } from './connect.js';
import { registerDebugRaftKv } from './debug-raft-kv.js';
import { registerEvent } from './event.js';
import { registerForceLeave } from './force-leave.js';
import { registerInfo } from './info.js';
import { registerIntention } from './intention.js';
import { registerJoin } from './join.js';
import { registerKeygen } from './keygen.js';
import { registerKeyring } from './keyring.js';
import { registerKv } from './kv.js';
import { registerLeave } from './leave.js';
import { registerLock } from './lock.js';
import { registerMaint } from './maint.js';
import { registerMembers } from './members.js';
import { registerMonitor } from './monitor.js';
import { registerOperator } from './operator.js';
import { registerReload } from './reload.js';
import { registerServices } from './services.js';
import { registerSimulate } from './simulate.js';
import { registerSnapshot } from './snapshot.js';
import { registerValidate } from './validate.js';
import { registerVersion } from './version.js';
import { registerWatch } from './watch.js';

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
  registerMembers(program);
  registerJoin(program);
  registerLeave(program);
  registerForceLeave(program);
  registerEvent(program);
  registerReload(program);
  registerInfo(program);
  registerMonitor(program);
  registerServices(program);
  registerMaint(program);
  registerKv(program);
  registerLock(program);
  registerIntention(program);
  registerConfig(program);
  registerConnect(program);
  registerWatch(program);
}
