// `lattice monitor`: streams the agent's log lines from /v1/agent/monitor (-log-level filters), as consul monitor,
// until interrupted. Lines come formatted as the agent writes them; -log-json asks for Consul's JSON records.

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
      .option('--log-json', "each line as Consul's JSON log record (@level, @message, @module, @timestamp)"),
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
