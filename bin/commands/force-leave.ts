// `lattice force-leave NODE [-prune]`: moves a failed member to left (PUT /v1/agent/force-leave/:node).

import type { Command } from 'commander';
import { addHttpOptions, type HttpOptionValues, resolveHttpOptions } from '../http-options.js';
import { AgentRequestError, agentRequest } from './catalog-http.js';

const what = 'force leaving';

interface ForceLeaveFlags extends HttpOptionValues {
  readonly prune?: boolean;
  readonly wan?: boolean;
}

export function registerForceLeave(program: Command): void {
  addHttpOptions(
    program
      .command('force-leave')
      .description('Forces a failed member into the left state')
      .argument('<node>', 'the node name')
      .option('--prune', 'removes the node from the member list entirely')
      .option('--wan', 'acts on the WAN pool'),
  ).action(async (node: string, flags: ForceLeaveFlags) => {
    const query: [string, string][] = [];
    if (flags.prune) query.push(['prune', '1']);
    if (flags.wan) query.push(['wan', '1']);
    try {
      await agentRequest(resolveHttpOptions(flags, process.env), what, {
        method: 'PUT',
        path: `/v1/agent/force-leave/${encodeURIComponent(node)}`,
        query,
      });
    } catch (error) {
      // Consul's wording: "Error force leaving: Unexpected response code: 500 (agent: No node found with name 'x')".
      if (!(error instanceof AgentRequestError) || error.code !== 'ERR_AGENT_HTTP') throw error;
      // agentRequest already words it "Error force leaving: <cause>"; the prefix is printed once.
      const prefix = `Error ${what}: `;
      const detail = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
      process.stderr.write(`${prefix}${detail}\n`);
      process.exitCode = 1;
    }
  });
}
