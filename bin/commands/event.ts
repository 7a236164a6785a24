// `lattice event -name=NAME [-node=RE] [-service=RE] [-tag=RE] [PAYLOAD]`: fires a user event
// (PUT /v1/event/fire/:name) and prints Consul's "Event ID: <id>".

import type { Command } from 'commander';
import { addHttpOptions, type HttpOptionValues, resolveHttpOptions } from '../http-options.js';
import { AgentRequestError, agentRequest } from './catalog-http.js';

interface EventFlags extends HttpOptionValues {
  readonly name?: string;
  readonly node?: string;
  readonly service?: string;
  readonly tag?: string;
}

export function registerEvent(program: Command): void {
  addHttpOptions(
    program
      .command('event')
      .description('Fires a new user event')
      .argument('[payload]', 'the event payload')
      .option('--name <name>', 'the event name')
      .option('--node <regex>', 'only nodes whose name matches')
      .option('--service <regex>', 'only nodes with a matching service')
      .option('--tag <regex>', 'only nodes whose matching service has a matching tag (needs -service)'),
  ).action(async (payload: string | undefined, flags: EventFlags) => {
    const fail = (message: string): void => {
      process.stderr.write(`${message}\n`);
      process.exitCode = 1;
    };
    if (!flags.name) return fail('Event name must be specified');
    if (flags.tag && !flags.service) return fail('Cannot provide tag filter without service filter.');
    const query: [string, string][] = [];
    if (flags.node) query.push(['node', flags.node]);
    if (flags.service) query.push(['service', flags.service]);
    if (flags.tag) query.push(['tag', flags.tag]);
    try {
      const response = await agentRequest(resolveHttpOptions(flags, process.env), 'firing the event', {
        method: 'PUT',
        path: `/v1/event/fire/${encodeURIComponent(flags.name)}`,
        query,
        ...(payload ? { body: payload } : {}),
      });
      const event = (await response.json()) as { ID: string };
      process.stdout.write(`Event ID: ${event.ID}\n`);
    } catch (error) {
      if (!(error instanceof AgentRequestError)) throw error;
      fail(`Error firing event: ${error.message}`);
    }
  });
}
