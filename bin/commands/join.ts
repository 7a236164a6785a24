// `lattice join`: asks the agent to join the LAN (or -wan) pool through the given members, one PUT
// /v1/agent/join/:address each, as consul join; succeeds when at least one answered.

import type { Command } from 'commander';
import { addHttpOptions, type HttpOptionValues, resolveHttpOptions } from '../http-options.js';
import { agentRequest } from './catalog-http.js';

interface JoinFlags extends HttpOptionValues {
  readonly wan?: boolean;
}

export function registerJoin(program: Command): void {
  addHttpOptions(
    program
      .command('join')
      .description('Tells the agent to join the cluster through one or more existing members')
      .argument('<address...>', 'addresses of members to contact (host or host:port)')
      .option('--wan', 'joins the WAN pool (servers only)'),
  ).action(async (addresses: string[], flags: JoinFlags) => {
    const target = resolveHttpOptions(flags, process.env);
    let joined = 0;
    const failures: string[] = [];
    for (const address of addresses) {
      try {
        await agentRequest(target, `joining ${address}`, {
          method: 'PUT',
          path: `/v1/agent/join/${encodeURIComponent(address)}`,
          query: flags.wan ? [['wan', '1']] : [],
        });
        joined++;
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
    if (joined === 0) throw new Error(`Error joining address: ${failures.join('; ')}`);
    for (const failure of failures) process.stderr.write(`${failure}\n`);
    process.stdout.write(`Successfully joined cluster by contacting ${joined} nodes.\n`);
  });
}
