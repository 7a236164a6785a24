// `lattice members`: the LAN gossip pool as the agent sees it (`/v1/agent/members`), in consul members' table
// (Node Address Status Type Build Protocol DC Partition Segment), with -detailed (all tags), -status (a regular
// expression on the status word) and -format=json.

import type { Command } from 'commander';
import { LatticeError } from '../../lib/errors.js';
import { addHttpOptions, type HttpOptionValues, resolveHttpOptions } from '../http-options.js';
import { agentJson, checkFormat, formatTable } from './catalog-http.js';

export interface AgentMemberJson {
  readonly Name: string;
  readonly Addr: string;
  readonly Port: number;
  readonly Tags: Readonly<Record<string, string>>;
  readonly Status: number;
}

const statusWords = ['none', 'alive', 'leaving', 'left', 'failed'];

export const memberStatusWord = (status: number): string => statusWords[status] ?? 'unknown';

function hostPort(member: AgentMemberJson): string {
  return member.Addr.includes(':') ? `[${member.Addr}]:${member.Port}` : `${member.Addr}:${member.Port}`;
}

/** consul members' default table; servers show segment `<all>`, clients their own. */
export function formatMembers(members: readonly AgentMemberJson[], detailed: boolean): string {
  const sorted = [...members].sort((a, b) => a.Name.localeCompare(b.Name));
  if (detailed) {
    const rows = sorted.map((member) => [
      member.Name,
      hostPort(member),
      memberStatusWord(member.Status),
      Object.entries(member.Tags)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, value]) => `${key}=${value}`)
        .join(','),
    ]);
    return formatTable([['Node', 'Address', 'Status', 'Tags'], ...rows]);
  }
  const rows = sorted.map((member) => {
    const server = member.Tags['role'] === 'consul';
    return [
      member.Name,
      hostPort(member),
      memberStatusWord(member.Status),
      server ? 'server' : 'client',
      (member.Tags['build'] ?? '').split(':')[0] ?? '',
      member.Tags['vsn'] ?? '',
      member.Tags['dc'] ?? '',
      'default',
      server ? '<all>' : (member.Tags['segment'] ?? ''),
    ];
  });
  return formatTable([
    ['Node', 'Address', 'Status', 'Type', 'Build', 'Protocol', 'DC', 'Partition', 'Segment'],
    ...rows,
  ]);
}

interface MembersFlags extends HttpOptionValues {
  readonly format: string;
  readonly detailed?: boolean;
  readonly status?: string;
  readonly wan?: boolean;
  readonly segment?: string;
}

export function registerMembers(program: Command): void {
  addHttpOptions(
    program
      .command('members')
      .description('Lists the members of the gossip pool this agent belongs to')
      .option('--detailed', 'shows every member tag')
      .option('--status <regexp>', 'only members whose status matches this regular expression')
      .option('--wan', 'lists the WAN pool of servers')
      .option('--segment <name>', 'only members of this network segment')
      .option('--format <format>', 'output format: pretty or json', 'pretty'),
  ).action(async (flags: MembersFlags) => {
    const format = checkFormat(flags.format);
    let statusFilter: RegExp | null = null;
    if (flags.status) {
      try {
        statusFilter = new RegExp(flags.status);
      } catch (error) {
        throw new LatticeError('ERR_USAGE', `invalid -status regular expression: ${(error as Error).message}`);
      }
    }
    const query: [string, string][] = [];
    if (flags.wan) query.push(['wan', '1']);
    if (flags.segment) query.push(['segment', flags.segment]);
    const target = resolveHttpOptions(flags, process.env);
    let members = await agentJson<AgentMemberJson[]>(target, 'listing members', { path: '/v1/agent/members', query });
    if (statusFilter) members = members.filter((member) => statusFilter.test(memberStatusWord(member.Status)));
    if (format === 'json') {
      process.stdout.write(`${JSON.stringify(members, null, 2)}\n`);
      return;
    }
    if (members.length === 0) {
      process.stderr.write('No members found\n');
      process.exitCode = 2; // Consul exits 2 when the filter leaves nothing
      return;
    }
    process.stdout.write(`${formatMembers(members, flags.detailed === true)}\n`);
  });
}
