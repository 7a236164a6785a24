// What Status and Operator answer about Raft, in Consul's shapes: the voters' addresses, the configuration with
// node names from the LAN pool, and this server's own figures (Status.RaftStats).

import type { SerfMember } from '../gossip/serf/members.js';
import type { RaftNode } from '../raft/node.js';
import type { RaftConfigurationReply, RaftStatsReply } from './rpc/methods.js';

export interface LocalServerIdentity {
  readonly nodeId: string;
  readonly nodeName: string;
  readonly advertiseAddress: string;
}

export function voterAddresses(raft: RaftNode): string[] {
  const configuration = raft.configuration();
  return configuration.voters.map((id) => configuration.addresses[id] ?? '').filter((address) => address !== '');
}

export function raftConfigurationReply(
  raft: RaftNode,
  members: readonly SerfMember[],
  local: LocalServerIdentity,
): RaftConfigurationReply {
  const configuration = raft.configuration();
  const stats = raft.stats();
  const leaderId = raft.leaderId();
  const names = new Map<string, string>();
  for (const member of members) names.set(member.tags['id'] ?? member.name, member.name);
  const progress = raft.peerProgress();
  const server = (id: string, voter: boolean) => ({
    ID: id,
    Node: names.get(id) ?? (id === local.nodeId ? local.nodeName : ''),
    Address: configuration.addresses[id] ?? '',
    Leader: id === leaderId,
    ProtocolVersion: '3',
    Voter: voter,
    LastIndex: id === local.nodeId ? stats.lastIndex : (progress[id]?.match ?? 0),
  });
  return {
    Servers: [
      ...configuration.voters.map((id) => server(id, true)),
      ...configuration.nonvoters.map((id) => server(id, false)),
    ],
    Index: stats.commitIndex,
  };
}

/** `lastContactMs`: since the leader was last heard from, -1 when never (ignored on the leader). */
export function raftStatsReply(
  raft: RaftNode | null,
  local: LocalServerIdentity,
  lastContactMs: number,
): RaftStatsReply {
  const identity = { ID: local.nodeId, Node: local.nodeName, Address: local.advertiseAddress };
  if (raft === null)
    return {
      ...identity,
      State: 'not-started',
      LastTerm: 0,
      LastIndex: 0,
      AppliedIndex: 0,
      LastContactMs: -1,
      PeerCount: 0,
    };
  const stats = raft.stats();
  return {
    ...identity,
    State: stats.role,
    LastTerm: stats.term,
    LastIndex: stats.lastIndex,
    AppliedIndex: stats.appliedIndex,
    LastContactMs: stats.role === 'leader' ? 0 : lastContactMs,
    PeerCount: stats.voters.length + stats.nonvoters.length,
  };
}
