// Cluster formation (Consul server_serf.go maybeBootstrap), as pure decisions over the LAN pool. A server started
// with bootstrap_expect=N waits until N alive servers of its datacenter with the same `expect` tag are in the pool,
// asks each of them for its Raft peers, and bootstraps with the sorted list of the N only when none has any. A
// server with Raft state of its own never bootstraps again, and neither does one that bootstrapped once in this
// process ("never twice"); once any peer reports a configuration, this server waits to be added by the leader.
//
// The gossip tags a server sets, and how others read them back, live here too (serverTags, readServerTags), so
// the agent's Serf config and the server's reading of it cannot drift apart.

import type { SerfMember } from '../gossip/serf/members.js';

export interface ServerTagsInput {
  readonly datacenter: string;
  readonly nodeId: string;
  /** The RPC/Raft port (8300). */
  readonly serverPort: number;
  readonly bootstrapExpect: number;
  readonly bootstrap: boolean;
  readonly build: string;
}

/** Consul's server tags (agent/consul/server_serf.go setupSerf): role=consul marks a server. */
export function serverTags(input: ServerTagsInput): Record<string, string> {
  const tags: Record<string, string> = {
    role: 'consul',
    dc: input.datacenter,
    port: String(input.serverPort),
    id: input.nodeId,
    build: input.build,
    vsn: '2',
    vsn_min: '2',
    vsn_max: '3',
    raft_vsn: '3',
  };
  if (input.bootstrapExpect > 0) tags['expect'] = String(input.bootstrapExpect);
  if (input.bootstrap) tags['bootstrap'] = '1';
  return tags;
}

/** A client agent's tags (Consul: role=node). */
export function clientTags(input: Pick<ServerTagsInput, 'datacenter' | 'nodeId' | 'build'>): Record<string, string> {
  return {
    role: 'node',
    dc: input.datacenter,
    id: input.nodeId,
    build: input.build,
    vsn: '2',
    vsn_min: '2',
    vsn_max: '3',
  };
}

/** A LAN member that is a server, as its tags describe it. */
export interface ServerMember {
  readonly name: string;
  readonly id: string;
  readonly datacenter: string;
  /** host:port of its RPC and Raft listener. */
  readonly rpcAddress: string;
  readonly expect: number;
  readonly bootstrap: boolean;
  readonly status: SerfMember['status'];
}

/** The host part of a gossip address (`10.0.0.1:8301`, `[::1]:8301`). */
export function hostOfAddress(address: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed?.[1] !== undefined) return bracketed[1];
  const colon = address.lastIndexOf(':');
  if (colon > 0 && address.indexOf(':') === colon) return address.slice(0, colon);
  return address;
}

export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The member's server description, or null when it is not a (well-formed) server. */
export function readServerTags(member: SerfMember): ServerMember | null {
  const tags = member.tags;
  if (tags['role'] !== 'consul') return null;
  const port = Number(tags['port']);
  if (!Number.isSafeInteger(port) || port <= 0 || port > 65_535) return null;
  const expect = tags['expect'] === undefined ? 0 : Number(tags['expect']);
  return {
    name: member.name,
    id: tags['id'] ?? member.name,
    datacenter: tags['dc'] ?? '',
    rpcAddress: joinHostPort(hostOfAddress(member.address), port),
    expect: Number.isSafeInteger(expect) && expect >= 0 ? expect : 0,
    bootstrap: tags['bootstrap'] === '1',
    status: member.status,
  };
}

export interface BootstrapInput {
  readonly datacenter: string;
  readonly expect: number;
  /** This server's log, stable store or snapshots hold anything. */
  readonly hasRaftState: boolean;
  /** This process already bootstrapped or started Raft to join others. */
  readonly decided: boolean;
  readonly members: readonly SerfMember[];
  /** Answers of `Status.Peers` from the candidate servers, once asked: peer count, or null when the call failed. */
  readonly peerCounts?: ReadonlyMap<string, number | null>;
}

export type BootstrapDecision =
  /** Not yet: too few servers, or an answer is missing. */
  | { readonly kind: 'wait'; readonly reason: string }
  /** Ask these servers for their Raft peers (Status.Peers), then decide again with `peerCounts`. */
  | { readonly kind: 'query'; readonly servers: readonly ServerMember[] }
  /** Bootstrap with exactly this voter list, sorted by ID (every server computes the same list). */
  | { readonly kind: 'bootstrap'; readonly voters: readonly { readonly id: string; readonly address: string }[] }
  /** Never bootstrap: join the existing cluster (start Raft without a configuration). */
  | { readonly kind: 'join-existing'; readonly reason: string }
  /** Nothing to do, ever: not in bootstrap_expect mode, or already decided. */
  | { readonly kind: 'done'; readonly reason: string };

export function decideBootstrap(input: BootstrapInput): BootstrapDecision {
  if (input.decided) return { kind: 'done', reason: 'already bootstrapped or joined' };
  if (input.hasRaftState)
    return { kind: 'join-existing', reason: 'this server has Raft state; it never bootstraps again' };
  if (input.expect <= 0) return { kind: 'done', reason: 'not in bootstrap_expect mode' };
  const servers: ServerMember[] = [];
  for (const member of input.members) {
    const server = readServerTags(member);
    if (server === null || server.datacenter !== input.datacenter || server.status !== 'alive') continue;
    if (server.bootstrap) return { kind: 'join-existing', reason: `server ${server.name} is in bootstrap mode` };
    if (server.expect !== 0 && server.expect !== input.expect)
      return {
        kind: 'wait',
        reason: `server ${server.name} expects ${server.expect} servers, this one ${input.expect}`,
      };
    servers.push(server);
  }
  if (servers.length < input.expect)
    return { kind: 'wait', reason: `${servers.length} of ${input.expect} expected servers in the pool` };
  const counts = input.peerCounts;
  if (counts === undefined) return { kind: 'query', servers };
  for (const server of servers) {
    const count = counts.get(server.id);
    if (count === undefined || count === null) return { kind: 'wait', reason: `no peer answer from ${server.name}` };
    if (count > 0) return { kind: 'join-existing', reason: `server ${server.name} already has Raft peers` };
  }
  const voters = servers
    .map((server) => ({ id: server.id, address: server.rpcAddress }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { kind: 'bootstrap', voters };
}
