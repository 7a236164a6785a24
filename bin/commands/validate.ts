// `lattice validate PATH...`: checks config files and directories as the agent would load them (merged in the
// order given, directories in lexical order), like `consul validate`. Exit 0 and "Configuration is valid!", or
// exit 1 with every error; warnings are printed either way.

import type { Command } from 'commander';
import { loadConfig } from '../../agent/config/load.js';
import { printConfigProblems } from '../config-output.js';

interface ValidateFlags {
  readonly configFormat?: string;
  readonly quiet?: boolean;
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('Validates config files and directories (merged as the agent would load them)')
    .argument('<paths...>', 'config files (.json, .hcl, .yaml, .yml) and directories of them')
    .option('--config-format <format>', 'read every file as json, hcl or yaml, whatever its extension')
    .option('--quiet', 'print nothing when the configuration is valid')
    .addHelpText(
      'after',
      '\nExamples:\n  lattice validate /etc/lattice.d\n  lattice validate examples/server.hcl examples/web.hcl\n',
    )
    .action(async (paths: string[], flags: ValidateFlags) => {
      const result = await loadConfig({ configPaths: paths, configFormat: flags.configFormat ?? null, devMode: false });
      printConfigProblems(result.errors, result.warnings);
      if (result.config === null) {
        process.exitCode = 1;
        return;
      }
      if (!flags.quiet) process.stdout.write('Configuration is valid!\n');
    });
}
