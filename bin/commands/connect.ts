// `lattice connect ca get-config|set-config`: the CA configuration through the agent's HTTP API, as consul connect
// ca (pretty JSON out; `Configuration updated!` after a set, which rotates the root when the key changes).
// `lattice connect proxy` (the sidecar in its own process) is in connect-proxy.ts.

import type { Command } from 'commander';
import { LatticeError } from '../../lib/errors.js';
import { addHttpOptions, type HttpOptionValues, resolveHttpOptions } from '../http-options.js';
import { agentJson, parsed, readConfigFile } from './connect-http.js';
import { registerConnectProxy } from './connect-proxy.js';

export function registerConnect(program: Command): void {
  const connect =
    program.commands.find((command) => command.name() === 'connect') ??
    program.command('connect').description('Interacts with Connect (the service mesh)');
  registerConnectProxy(connect);
  const ca = connect.command('ca').description('Reads and changes the Connect CA configuration');
  addHttpOptions(ca.command('get-config').description('Prints the CA configuration as JSON')).action(
    async (flags: HttpOptionValues) => {
      const answer = await agentJson(resolveHttpOptions(flags, process.env), 'Error reading CA config', {
        path: '/v1/connect/ca/configuration',
      });
      process.stdout.write(`${JSON.stringify(parsed(answer, 'Error reading CA config'), null, 4)}\n`);
    },
  );
  addHttpOptions(
    ca
      .command('set-config')
      .description('Sets the CA configuration from a JSON file ({Provider, Config})')
      .option('--config-file <path>', 'the file with the new configuration'),
  ).action(async (flags: HttpOptionValues & { configFile?: string }) => {
    if (!flags.configFile) throw new LatticeError('ERR_USAGE', '-config-file must be set');
    const body = await readConfigFile(flags.configFile);
    await agentJson(resolveHttpOptions(flags, process.env), 'Error setting CA configuration', {
      method: 'PUT',
      path: '/v1/connect/ca/configuration',
      body,
    });
    process.stdout.write('Configuration updated!\n');
  });
}
