// Proves the command table: each row's module registers exactly the command the row names (so a named command is
// found when it alone is loaded), a known name loads only its module, and anything else registers every command in
// the help order.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { commandNames, registerCommands } from './index.js';

const topLevelNames = (program: Command): string[] => program.commands.map((command) => command.name());

describe('registerCommands', () => {
  it('registers only the named command when argv starts with one', async () => {
    for (const name of commandNames) {
      const program = new Command('lattice');
      await registerCommands(program, [name, '--help']);
      assert.deepEqual(topLevelNames(program), [name], `the module for "${name}" registers exactly "${name}"`);
    }
  });

  it('registers every command, in table order, for help, a flag or an unknown name', async () => {
    for (const args of [[], ['--help'], ['help', 'agent'], ['agnet'], ['-v']]) {
      const program = new Command('lattice');
      await registerCommands(program, args);
      assert.deepEqual(topLevelNames(program), commandNames, `argv ${JSON.stringify(args)}`);
    }
  });

  it('names each command once', () => {
    assert.equal(new Set(commandNames).size, commandNames.length);
  });
});
