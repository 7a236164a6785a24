// `lattice keygen`: prints a new random 32-byte gossip key in base64 (AES-256-GCM), as `consul keygen` does.

import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';

export function registerKeygen(program: Command): void {
  program
    .command('keygen')
    .description('Generates a new gossip encryption key (base64, 32 bytes) for the `encrypt` setting')
    .action(() => {
      process.stdout.write(`${randomBytes(32).toString('base64')}\n`);
    });
}
