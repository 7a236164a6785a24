// `lattice monitor`: streams the agent's log lines from /v1/agent/monitor (-log-level filters), as consul monitor,
// until interrupted. Lines come formatted as the agent writes them (-log-json on the agent gives JSON lines).

import type { Command } from 'commander';
import { addHttpOptions, type HttpOptionValues, resolveHttpOptions } from '../http-options.js';
import { agentRequest } from './catalog-http.js';

interface MonitorFlags extends HttpOptionValues {
  readonly logLevel?: string;
  readonly logJson?: boolean;
}

export function registerMonitor(program: Command): void {
  addHttpOptions(
    program
      .command('monitor')
      .description("Streams the agent's logs")
      .option('--log-level <level>', 'TRACE, DEBUG, INFO, WARN or ERROR (default INFO)')
      .option('--log-json', "accepted for Consul compatibility; the agent's own log format is streamed"),
  ).action(async (flags: MonitorFlags) => {
    const query: [string, string][] = [];
    if (flags.logLevel) query.push(['loglevel', flags.logLevel]);
    if (flags.logJson) query.push(['logjson', 'true']);
    const response = await agentRequest(resolveHttpOptions(flags, process.env), 'monitoring the agent', {
      path: '/v1/agent/monitor',
      query,
      signal: new AbortController().signal, // a stream: no deadline
    });
    if (!response.body) return;
    for await (const chunk of response.body) process.stdout.write(chunk);
  });
}
