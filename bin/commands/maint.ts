// `lattice maint`: node or service maintenance mode (-enable / -disable, -reason, -service), as consul maint;
// without flags it lists what is in maintenance, from the agent's checks.

import type { Command } from 'commander';
import { LatticeError } from '../../lib/errors.js';
import { addHttpOptions, type HttpOptionValues, resolveHttpOptions } from '../http-options.js';
import { agentJson, agentRequest } from './catalog-http.js';

interface MaintFlags extends HttpOptionValues {
  readonly enable?: boolean;
  readonly disable?: boolean;
  readonly reason?: string;
  readonly service?: string;
}

interface CheckJson {
  readonly CheckID: string;
  readonly ServiceID: string;
  readonly Notes: string;
  readonly Node: string;
}

export function formatMaintenance(checks: Readonly<Record<string, CheckJson>>): string {
  const lines: string[] = [];
  for (const check of Object.values(checks)) {
    if (check.CheckID === '_node_maintenance')
      lines.push('Node:', `  Name:   ${check.Node}`, `  Reason: ${check.Notes}`);
    else if (check.CheckID.startsWith('_service_maintenance:'))
      lines.push('Service:', `  ID:     ${check.ServiceID}`, `  Reason: ${check.Notes}`);
  }
  return lines.join('\n');
}

export function registerMaint(program: Command): void {
  addHttpOptions(
    program
      .command('maint')
      .description('Turns node or service maintenance mode on or off, or lists it')
      .option('--enable', 'turns maintenance mode on')
      .option('--disable', 'turns maintenance mode off')
      .option('--reason <text>', 'why (shown in the maintenance check)')
      .option('--service <id>', 'a service ID instead of the whole node'),
  ).action(async (flags: MaintFlags) => {
    if (flags.enable && flags.disable)
      throw new LatticeError('ERR_USAGE', 'Only one of -enable or -disable may be provided');
    if (!flags.enable && flags.reason) throw new LatticeError('ERR_USAGE', 'Reason may only be provided with -enable');
    const target = resolveHttpOptions(flags, process.env);
    if (!flags.enable && !flags.disable) {
      const checks = await agentJson<Record<string, CheckJson>>(target, 'reading maintenance status', {
        path: '/v1/agent/checks',
      });
      const text = formatMaintenance(checks);
      if (text !== '') process.stdout.write(`${text}\n`);
      return;
    }
    const query: [string, string][] = [['enable', flags.enable ? 'true' : 'false']];
    if (flags.reason) query.push(['reason', flags.reason]);
    const path = flags.service
      ? `/v1/agent/service/maintenance/${encodeURIComponent(flags.service)}`
      : '/v1/agent/maintenance';
    await agentRequest(target, 'changing maintenance mode', { method: 'PUT', path, query });
    // Consul's wording.
    const change = flags.enable ? 'entered' : 'left';
    process.stdout.write(
      flags.service ? `Service ${change} maintenance mode: ${flags.service}\n` : `Node ${change} maintenance mode\n`,
    );
  });
}
