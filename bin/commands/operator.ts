// `lattice operator raft list-peers|remove-peer`: the servers' Raft configuration as `consul operator raft` shows it
// (Node, ID, Address, State, Voter, RaftProtocol), and removal of a dead server by -id or -address, through the
// agent's /v1/operator/raft HTTP API.

import type { Command } from 'commander';
import { LatticeError } from '../../lib/errors.js';
import type { RaftConfigurationReply } from '../../server/rpc/methods.js';
import { addHttpOptions, type HttpOptionValues, resolveHttpOptions } from '../http-options.js';
import { agentJson, agentRequest, checkFormat, formatTable } from './catalog-http.js';

export function formatPeers(configuration: RaftConfigurationReply): string {
  const rows = configuration.Servers.map((server) => [
    server.Node,
    server.ID,
    server.Address,
    server.Leader ? 'leader' : 'follower',
    String(server.Voter),
    server.ProtocolVersion,
  ]);
  return formatTable([['Node', 'ID', 'Address', 'State', 'Voter', 'RaftProtocol'], ...rows]);
}

interface ListFlags extends HttpOptionValues {
  format: string;
  stale?: boolean;
  datacenter?: string;
}

interface RemoveFlags extends HttpOptionValues {
  id?: string;
  address?: string;
  datacenter?: string;
}

export function registerOperator(program: Command): void {
  const operator = program.command('operator').description('Operates the servers: Raft peers');
  const raft = operator.command('raft').description('Lists or removes Raft peers');

  addHttpOptions(
    raft
      .command('list-peers')
      .description('Lists the servers in the Raft configuration')
      .option('--stale', 'lets any server answer, even without a leader')
      .option('--datacenter <dc>', "datacenter to query (default: the agent's)")
      .option('--format <format>', 'output format: pretty or json', 'pretty'),
  ).action(async (flags: ListFlags) => {
    const format = checkFormat(flags.format);
    const query: [string, string][] = [];
    if (flags.stale) query.push(['stale', '']);
    if (flags.datacenter) query.push(['dc', flags.datacenter]);
    const configuration = await agentJson<RaftConfigurationReply>(
      resolveHttpOptions(flags, process.env),
      'getting peers',
      { path: '/v1/operator/raft/configuration', query },
    );
    process.stdout.write(
      `${format === 'json' ? JSON.stringify(configuration, null, 2) : formatPeers(configuration)}\n`,
    );
  });

  addHttpOptions(
    raft
      .command('remove-peer')
      .description('Removes a server that is gone for good from the Raft configuration')
      .option('--id <id>', "the server's Raft ID")
      .option('--address <ip:port>', "the server's Raft address")
      .option('--datacenter <dc>', "datacenter of the server (default: the agent's)"),
  ).action(async (flags: RemoveFlags) => {
    const hasId = flags.id !== undefined && flags.id !== '';
    const hasAddress = flags.address !== undefined && flags.address !== '';
    if (hasId === hasAddress) throw new LatticeError('ERR_USAGE', 'exactly one of -id or -address is required');
    const query: [string, string][] = hasId ? [['id', flags.id ?? '']] : [['address', flags.address ?? '']];
    if (flags.datacenter) query.push(['dc', flags.datacenter]);
    await agentRequest(resolveHttpOptions(flags, process.env), 'removing peer', {
      method: 'DELETE',
      path: '/v1/operator/raft/peer',
      query,
    });
    process.stdout.write(
      hasId ? `Removed peer with id "${flags.id}"\n` : `Removed peer with address "${flags.address}"\n`,
    );
  });
}
