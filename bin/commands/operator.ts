// `lattice operator raft list-peers|remove-peer`: the servers' Raft configuration as `consul operator raft` shows it
// (Node, ID, Address, State, Voter, RaftProtocol), removal of a dead server by -id or -address, and
// `transfer-leader [-id]` (leadership to another voter), through the
// agent's /v1/operator/raft HTTP API. `lattice operator autopilot get-config|set-config|state`: autopilot's
// configuration and the leader's view of the servers (/v1/operator/autopilot/*).

import type { Command } from 'commander';
import { LatticeError } from '../../lib/errors.js';
import type { AutopilotStateReply, RaftConfigurationReply } from '../../server/rpc/methods.js';
import { addHttpOptions, type HttpClientOptions, type HttpOptionValues, resolveHttpOptions } from '../http-options.js';
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

/** `-stale` as Consul's read flags send it; `-datacenter` travels as ?dc= through the common HTTP options. */
function staleQuery(flags: { readonly stale?: boolean }): [string, string][] {
  return flags.stale ? [['stale', '']] : [];
}

export function registerOperator(program: Command): void {
  const operator = program.command('operator').description('Operates the servers: Raft peers, autopilot');
  registerAutopilot(operator);
  const raft = operator.command('raft').description('Lists or removes Raft peers, or transfers leadership');

  addHttpOptions(
    raft
      .command('list-peers')
      .description('Lists the servers in the Raft configuration')
      .option('--stale', 'lets any server answer, even without a leader')
      .option('--format <format>', 'output format: pretty or json', 'pretty'),
  ).action(async (flags: ListFlags) => {
    const format = checkFormat(flags.format);
    const query = staleQuery(flags);
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

  addHttpOptions(
    raft
      .command('transfer-leader')
      .description('Transfer raft leadership to another node')
      .option('--id <id>', 'the ID of the node to transfer leadership to (default: the most caught-up voter)')
      .option('--stale', 'accepted as by Consul (the leader always answers a transfer)')
      .option('--datacenter <dc>', "accepted as by Consul, which always asks the agent's own datacenter"),
  ).action(async (flags: TransferFlags) => {
    process.stdout.write(`${await transferLeader(resolveHttpOptions(flags, process.env), flags.id ?? '')}\n`);
  });
}

interface TransferFlags extends HttpOptionValues {
  id?: string;
  stale?: boolean;
  datacenter?: string;
}

/**
 * `consul operator raft transfer-leader`: POST /v1/operator/raft/transfer-leader (`?id=` when given, as api
 * RaftLeaderTransfer), "Success" when another server leads; failures in Consul's words ("Error transfering
 * leadership: Failed to transfer leadership <cause>", its spelling and all).
 */
export async function transferLeader(target: HttpClientOptions, id: string): Promise<string> {
  const failed = 'Error transfering leadership: Failed to transfer leadership';
  let reply: { Success?: boolean };
  try {
    reply = await agentJson<{ Success?: boolean }>(target, 'Failed to transfer leadership', {
      method: 'POST',
      path: '/v1/operator/raft/transfer-leader',
      query: id === '' ? [] : [['id', id]],
    });
  } catch (error) {
    if (!(error instanceof LatticeError)) throw error;
    const cause = error.message.replace(/^Failed to transfer leadership: /, '');
    throw new LatticeError(error.code, `${failed} ${cause}`, { cause: error });
  }
  if (reply.Success !== true) throw new LatticeError('ERR_AGENT_HTTP', failed);
  return 'Success';
}

/** Consul's api.AutopilotConfiguration, as /v1/operator/autopilot/configuration answers it. */
interface AutopilotConfiguration {
  CleanupDeadServers: boolean;
  LastContactThreshold: string;
  MaxTrailingLogs: number;
  MinQuorum: number;
  ServerStabilizationTime: string;
  RedundancyZoneTag: string;
  DisableUpgradeMigration: boolean;
  UpgradeVersionTag: string;
  CreateIndex: number;
  ModifyIndex: number;
}

/** `consul operator autopilot get-config`'s lines. */
export function formatAutopilotConfig(config: AutopilotConfiguration): string {
  return [
    `CleanupDeadServers = ${config.CleanupDeadServers}`,
    `LastContactThreshold = ${config.LastContactThreshold}`,
    `MaxTrailingLogs = ${config.MaxTrailingLogs}`,
    `MinQuorum = ${config.MinQuorum}`,
    `ServerStabilizationTime = ${config.ServerStabilizationTime}`,
    `RedundancyZoneTag = ${JSON.stringify(config.RedundancyZoneTag)}`,
    `DisableUpgradeMigration = ${config.DisableUpgradeMigration}`,
    `UpgradeVersionTag = ${JSON.stringify(config.UpgradeVersionTag)}`,
  ].join('\n');
}

interface SetConfigFlags extends HttpOptionValues {
  cleanupDeadServers?: string;
  maxTrailingLogs?: string;
  minQuorum?: string;
  lastContactThreshold?: string;
  serverStabilizationTime?: string;
  disableUpgradeMigration?: string;
}

function boolFlag(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new LatticeError('ERR_USAGE', `invalid boolean value "${value}" for -${name}`);
}

function countFlag(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9]+$/.test(value)) throw new LatticeError('ERR_USAGE', `invalid value "${value}" for -${name}`);
  return Number(value);
}

/** `consul operator autopilot state`'s pretty format (command/operator/autopilot/state/formatter.go, OSS fields). */
export function formatAutopilotState(state: AutopilotStateReply): string {
  const lines = [
    `Healthy:                      ${state.Healthy}`,
    `Failure Tolerance:            ${state.FailureTolerance}`,
    `Optimistic Failure Tolerance: ${state.OptimisticFailureTolerance}`,
    `Leader:                       ${state.Leader}`,
    'Voters:',
    ...state.Voters.map((id) => `   ${id}`),
    'Servers:',
  ];
  const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  for (const id of Object.keys(state.Servers).sort(byId)) {
    const server = state.Servers[id]!;
    lines.push(
      `   ${server.ID}`,
      `      Name:            ${server.Name}`,
      `      Address:         ${server.Address}`,
      `      Version:         ${server.Version}`,
      `      Status:          ${server.Status}`,
      `      Node Type:       ${server.NodeType}`,
      `      Node Status:     ${server.NodeStatus}`,
      `      Healthy:         ${server.Healthy}`,
      `      Last Contact:    ${server.LastContact}`,
      `      Last Term:       ${server.LastTerm}`,
      `      Last Index:      ${server.LastIndex}`,
    );
    if (server.ReadReplica) lines.push(`      Read Replica:    ${server.ReadReplica}`);
    const meta = Object.entries(server.Meta ?? {}).sort(([a], [b]) => byId(a, b));
    if (meta.length > 0) {
      lines.push('      Meta');
      // Go's %q quotes as JSON does for these printable strings.
      for (const [key, value] of meta) lines.push(`         ${JSON.stringify(key)}: ${JSON.stringify(value)}`);
    }
  }
  return lines.join('\n');
}

function registerAutopilot(operator: Command): void {
  const autopilot = operator.command('autopilot').description('Reads or changes the autopilot configuration');
  addHttpOptions(
    autopilot
      .command('state')
      .description("Shows autopilot's view of the servers: health, failure tolerance, Raft roles")
      .option('--stale', 'lets any server answer, even without a leader')
      .option('--format <format>', 'output format: pretty or json', 'pretty'),
  ).action(async (flags: ListFlags) => {
    const format = checkFormat(flags.format);
    const query = staleQuery(flags);
    const state = await agentJson<AutopilotStateReply>(
      resolveHttpOptions(flags, process.env),
      'querying Autopilot state',
      { path: '/v1/operator/autopilot/state', query },
    );
    // Consul's json format is json.MarshalIndent with four spaces.
    process.stdout.write(`${format === 'json' ? JSON.stringify(state, null, 4) : formatAutopilotState(state)}\n`);
  });
  addHttpOptions(
    autopilot
      .command('get-config')
      .description('Shows the autopilot configuration')
      .option('--stale', 'lets any server answer, even without a leader'),
  ).action(async (flags: ListFlags) => {
    const query = staleQuery(flags);
    const config = await agentJson<AutopilotConfiguration>(
      resolveHttpOptions(flags, process.env),
      'getting the autopilot configuration',
      { path: '/v1/operator/autopilot/configuration', query },
    );
    process.stdout.write(`${formatAutopilotConfig(config)}\n`);
  });

  addHttpOptions(
    autopilot
      .command('set-config')
      .description('Changes the autopilot configuration (read, change, write back with a check-and-set)')
      .option('--cleanup-dead-servers <bool>', 'remove dead servers when a new one joins')
      .option('--max-trailing-logs <n>', 'how many entries a server may lag and still be healthy')
      .option('--min-quorum <n>', 'the fewest servers dead server cleanup leaves')
      .option('--last-contact-threshold <duration>', 'how long without leader contact a server may be healthy')
      .option('--server-stabilization-time <duration>', 'how long a new server must be healthy before it votes')
      .option('--disable-upgrade-migration <bool>', 'kept for Consul compatibility (Enterprise)'),
  ).action(async (flags: SetConfigFlags) => {
    const target = resolveHttpOptions(flags, process.env);
    const path = '/v1/operator/autopilot/configuration';
    const current = await agentJson<AutopilotConfiguration>(target, 'getting the autopilot configuration', { path });
    const { CreateIndex: _created, ModifyIndex: modifyIndex, ...next } = current;
    next.CleanupDeadServers = boolFlag(flags.cleanupDeadServers, 'cleanup-dead-servers') ?? next.CleanupDeadServers;
    next.DisableUpgradeMigration =
      boolFlag(flags.disableUpgradeMigration, 'disable-upgrade-migration') ?? next.DisableUpgradeMigration;
    next.MaxTrailingLogs = countFlag(flags.maxTrailingLogs, 'max-trailing-logs') ?? next.MaxTrailingLogs;
    next.MinQuorum = countFlag(flags.minQuorum, 'min-quorum') ?? next.MinQuorum;
    next.LastContactThreshold = flags.lastContactThreshold ?? next.LastContactThreshold;
    next.ServerStabilizationTime = flags.serverStabilizationTime ?? next.ServerStabilizationTime;
    const updated = await agentJson<boolean>(target, 'updating the autopilot configuration', {
      method: 'PUT',
      path,
      query: [['cas', String(modifyIndex)]],
      body: JSON.stringify(next),
    });
    process.stdout.write(
      updated ? 'Configuration updated!\n' : 'Configuration could not be atomically updated, please try again\n',
    );
  });
}
