// The `consul` and `raft` sections of /v1/agent/self Stats (and `lattice info`), in Consul's keys and string values:
// a server's as agent/consul/server.go Stats() (server, leader, leader_addr, bootstrap, known_datacenters, acl) with
// hashicorp/raft's Stats() beside it; a client's as agent/consul/client.go (server=false, known_servers, acl).
// Only what Lattice's Raft knows is reported: last_log_term, last_snapshot_term, fsm_pending (a count of queued
// batches in hashicorp/raft), latest_configuration_index and hashicorp/raft's own version ranges are left out
// rather than invented.

import type { RaftConfiguration, RaftStats } from '../../raft/node.js';

export type StatsSections = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** hashicorp/raft RaftState.String(); a pre-candidate is campaigning, so it reads as Candidate. */
const raftStateNames: Readonly<Record<RaftStats['role'], string>> = {
  leader: 'Leader',
  follower: 'Follower',
  candidate: 'Candidate',
  'pre-candidate': 'Candidate',
};

export interface ServerStatsInput {
  readonly localId: string;
  readonly isLeader: boolean;
  /** The leader's Raft address, '' when none is known. */
  readonly leaderAddress: string;
  readonly bootstrap: boolean;
  readonly knownDatacenters: number;
  readonly aclEnabled: boolean;
  /** Null before Raft runs (a server waiting for bootstrap_expect peers): the raft section is left out. */
  readonly raft: { readonly stats: RaftStats; readonly configuration: RaftConfiguration } | null;
  /** Milliseconds since the leader was last heard from; -1 when never. */
  readonly lastContactMs: number;
}

const aclState = (enabled: boolean): string => (enabled ? 'enabled' : 'disabled');

export function serverStats(input: ServerStatsInput): StatsSections {
  const consul = {
    server: 'true',
    leader: String(input.isLeader),
    leader_addr: input.leaderAddress,
    bootstrap: String(input.bootstrap),
    known_datacenters: String(input.knownDatacenters),
    acl: aclState(input.aclEnabled),
  };
  if (input.raft === null) return { consul };
  return { consul, raft: raftSection(input.localId, input.raft.stats, input.raft.configuration, input.lastContactMs) };
}

function raftSection(
  localId: string,
  stats: RaftStats,
  configuration: RaftConfiguration,
  lastContactMs: number,
): Record<string, string> {
  const servers = [
    ...configuration.voters.map((id) => ({ id, suffrage: 'Voter' })),
    ...configuration.nonvoters.map((id) => ({ id, suffrage: 'Nonvoter' })),
  ];
  // hashicorp/raft counts the other voters, and reports 0 when this server is not a voter itself.
  const isVoter = configuration.voters.includes(localId);
  const otherVoters = configuration.voters.filter((id) => id !== localId).length;
  return {
    state: raftStateNames[stats.role],
    term: String(stats.term),
    last_log_index: String(stats.lastIndex),
    commit_index: String(stats.commitIndex),
    applied_index: String(stats.appliedIndex),
    last_snapshot_index: String(stats.snapshotIndex),
    last_contact: stats.role === 'leader' ? '0' : lastContactMs < 0 ? 'never' : goDuration(lastContactMs),
    num_peers: String(isVoter ? otherVoters : 0),
    latest_configuration: `[${servers
      .map(({ id, suffrage }) => `{Suffrage:${suffrage} ID:${id} Address:${configuration.addresses[id] ?? ''}}`)
      .join(' ')}]`,
    protocol_version: '3',
  };
}

export function clientStats(knownServers: number, aclEnabled: boolean): StatsSections {
  return { consul: { server: 'false', known_servers: String(knownServers), acl: aclState(aclEnabled) } };
}

/** Go's time.Duration.String() for a whole number of milliseconds: "0s", "250ms", "1.5s", "2m3.004s", "1h0m0s". */
export function goDuration(ms: number): string {
  const whole = Math.max(0, Math.round(ms));
  if (whole === 0) return '0s';
  if (whole < 1000) return `${whole}ms`;
  const hours = Math.floor(whole / 3_600_000);
  const minutes = Math.floor((whole % 3_600_000) / 60_000);
  const millis = whole % 60_000;
  const seconds = `${Math.floor(millis / 1000)}${
    millis % 1000 === 0
      ? ''
      : `.${String(millis % 1000)
          .padStart(3, '0')
          .replace(/0+$/, '')}`
  }s`;
  if (hours > 0) return `${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${minutes}m${seconds}`;
  return seconds;
}
