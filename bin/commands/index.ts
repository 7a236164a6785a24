// Every `lattice` subcommand, one file each. Add a row here to register a new command.
// A command's module is imported only when it is needed: `lattice agent ...` loads the agent command alone, not the
// Raft debugger, the simulators or the snapshot tools, whose code would otherwise sit in every agent process's heap
// for its whole life. Anything that is not one known command name (no arguments, --help, `help agent`, a typo that
// commander answers with "did you mean") registers them all, in this order, so help and errors are unchanged.

import type { Command } from 'commander';

type Register = (program: Command) => void;

interface CommandModule {
  /** The top-level command name the module registers. */
  readonly name: string;
  readonly load: () => Promise<Register>;
}

const commandModules: readonly CommandModule[] = [
  { name: 'version', load: async () => (await import('./version.js')).registerVersion },
  { name: 'agent', load: async () => (await import('./agent.js')).registerAgent },
  { name: 'validate', load: async () => (await import('./validate.js')).registerValidate },
  { name: 'simulate', load: async () => (await import('./simulate.js')).registerSimulate },
  { name: 'keygen', load: async () => (await import('./keygen.js')).registerKeygen },
  { name: 'tls', load: async () => (await import('./tls.js')).registerTls },
  { name: 'keyring', load: async () => (await import('./keyring.js')).registerKeyring },
  {
    // `lattice debug` (Consul's) with the hidden `debug raft-kv` developer tool below it.
    name: 'debug',
    load: async () => {
      const [{ registerDebug }, { registerDebugRaftKv }] = await Promise.all([
        import('./debug.js'),
        import('./debug-raft-kv.js'),
      ]);
      return (program) => {
        registerDebug(program);
        registerDebugRaftKv(program);
      };
    },
  },
  { name: 'catalog', load: async () => (await import('./catalog.js')).registerCatalog },
  { name: 'operator', load: async () => (await import('./operator.js')).registerOperator },
  { name: 'snapshot', load: async () => (await import('./snapshot.js')).registerSnapshot },
  { name: 'members', load: async () => (await import('./members.js')).registerMembers },
  { name: 'join', load: async () => (await import('./join.js')).registerJoin },
  { name: 'leave', load: async () => (await import('./leave.js')).registerLeave },
  { name: 'force-leave', load: async () => (await import('./force-leave.js')).registerForceLeave },
  { name: 'event', load: async () => (await import('./event.js')).registerEvent },
  { name: 'reload', load: async () => (await import('./reload.js')).registerReload },
  { name: 'info', load: async () => (await import('./info.js')).registerInfo },
  { name: 'monitor', load: async () => (await import('./monitor.js')).registerMonitor },
  { name: 'services', load: async () => (await import('./services.js')).registerServices },
  { name: 'maint', load: async () => (await import('./maint.js')).registerMaint },
  { name: 'kv', load: async () => (await import('./kv.js')).registerKv },
  { name: 'lock', load: async () => (await import('./lock.js')).registerLock },
  { name: 'intention', load: async () => (await import('./intention.js')).registerIntention },
  { name: 'config', load: async () => (await import('./config.js')).registerConfig },
  { name: 'connect', load: async () => (await import('./connect.js')).registerConnect },
  { name: 'watch', load: async () => (await import('./watch.js')).registerWatch },
  { name: 'exec', load: async () => (await import('./exec.js')).registerExec },
];

/** The names of every top-level command, in registration (help) order. */
export const commandNames: readonly string[] = commandModules.map((module) => module.name);

/**
 * Registers the command `args` (the normalized argv after `lattice`) names, or every command when the first
 * argument is not exactly one command's name.
 */
export async function registerCommands(program: Command, args: readonly string[]): Promise<void> {
  const named = commandModules.filter((module) => module.name === args[0]);
  const chosen = named.length === 1 ? named : commandModules;
  const registers = await Promise.all(chosen.map((module) => module.load()));
  for (const register of registers) register(program);
}
