// `lattice reload`: the agent re-reads its config files (PUT /v1/agent/reload).

import type { Command } from 'commander';
import { addHttpOptions, type HttpOptionValues, resolveHttpOptions } from '../http-options.js';
import { agentRequest } from './catalog-http.js';

export function registerReload(program: Command): void {
  addHttpOptions(
    program.command('reload').description('Tells the agent to re-read its configuration files (services and checks)'),
  ).action(async (flags: HttpOptionValues) => {
    await agentRequest(resolveHttpOptions(flags, process.env), 'reloading', {
      method: 'PUT',
      path: '/v1/agent/reload',
    });
    process.stdout.write('Configuration reload triggered\n');
  });
}
