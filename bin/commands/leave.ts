// `lattice leave`: the agent leaves the cluster gracefully and shuts down (PUT /v1/agent/leave).

import type { Command } from 'commander';
import { addHttpOptions, type HttpOptionValues, resolveHttpOptions } from '../http-options.js';
import { agentRequest } from './catalog-http.js';

export function registerLeave(program: Command): void {
  addHttpOptions(
    program.command('leave').description('Tells the agent to leave the cluster gracefully and shut down'),
  ).action(async (flags: HttpOptionValues) => {
    await agentRequest(resolveHttpOptions(flags, process.env), 'leaving', { method: 'PUT', path: '/v1/agent/leave' });
    process.stdout.write('Graceful leave complete\n');
  });
}
