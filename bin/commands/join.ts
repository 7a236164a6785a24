// `lattice join`: asks the agent to join the LAN (or -wan) pool through the given members, one PUT
// /v1/agent/join/:address each, as consul join; succeeds when at least one answered.

import type { Command } from 'commander';
import { LatticeError } from '../../lib/errors.js';
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
    for (const address of addresses) {
      // Consul's command/join: one "Error joining address 'A': <cause>" line per failed address.
      const what = `joining address '${address}'`;
      try {
        await agentRequest(target, what, {
          method: 'PUT',
          path: `/v1/agent/join/${encodeURIComponent(address)}`,
          query: flags.wan ? [['wan', '1']] : [],
        });
        joined++;
      } catch (error) {
        process.stderr.write(`${(error as Error).message}\n`);
      }
    }
    if (joined === 0) throw new LatticeError('ERR_JOIN', 'Failed to join any nodes.');
    process.stdout.write(`Successfully joined cluster by contacting ${joined} nodes.\n`);
  });
}
