#!/usr/bin/env node
// The `lattice` command-line interface. Only bin/ reads process.argv, writes to the console and exits.

import { Command, CommanderError } from 'commander';
import { holdYoungGeneration } from '../lib/young-generation.js';
import { normalizeArgv } from './argv.js';
import { registerCommands } from './commands/index.js';
import { cliErrorText } from './error-output.js';
import { latticeVersion } from './version.js';

const program = new Command('lattice')
  .description('Lattice: service discovery, configuration and a service mesh, Consul-compatible')
  .version(latticeVersion, '-v, --version', 'prints the version')
  .showHelpAfterError()
  .exitOverride();
const args = normalizeArgv(process.argv.slice(2));
// `lattice kv export | head`: the reader went away. A Go CLI dies quietly of SIGPIPE; end the same way, not with
// an unhandled 'error' event and a stack.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
// Loading an agent's modules would otherwise grow V8's new space to 32 MiB for good; the agent command releases it
// for servers, and for clients once they are busy (lib/young-generation.ts).
if (args[0] === 'agent') holdYoungGeneration();

try {
  await registerCommands(program, args);
  await program.parseAsync(args, { from: 'user' });
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  process.stderr.write(`${cliErrorText(error)}\n`);
  process.exit(1);
}
