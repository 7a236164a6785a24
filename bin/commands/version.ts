// `lattice version`: prints the build and protocol versions, as `consul version` does.

import type { Command } from 'commander';
import { consulCompatibleVersion, latticeVersion, protocolVersion } from '../version.js';

export function registerVersion(program: Command): void {
  program
    .command('version')
    .description('Prints the Lattice version')
    .option('--format <format>', 'output format: pretty or json', 'pretty')
    .action((options: { format: string }) => {
      if (options.format === 'json') {
        const info = { Version: latticeVersion, ConsulCompatible: consulCompatibleVersion, Protocol: protocolVersion };
        process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
        return;
      }
      process.stdout.write(
        `Lattice v${latticeVersion}\nConsul API compatibility: v${consulCompatibleVersion}\n` +
          `Protocol ${protocolVersion} spoken by default\n`,
      );
    });
}
