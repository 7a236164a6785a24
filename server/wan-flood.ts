// Flood-join as a pure decision (Consul agent/router/serf_flooder.go FloodJoins): which servers of this datacenter's
// LAN pool are missing from the WAN pool, and where their WAN gossip listens. A server's LAN tags carry
// wan_join_port (Consul setupSerf), so any server that sees another one join its LAN can join it into the WAN on
// its behalf: the servers of a datacenter then need only one of them joined to another datacenter.
// The caller (agent/runtime/wan-flooder.ts) runs this on LAN member joins and every minute, and does the joins.

import type { SerfMember } from '../gossip/serf/members.js';
import { hostOfAddress, joinHostPort, readServerTags } from './bootstrap.js';
import { wanMemberName, wanServer } from './wan-pool.js';

/** A LAN server to join into the WAN pool. */
export interface FloodJoin {
  /** Its LAN name (the node name). */
  readonly node: string;
  /** The name it has in the WAN pool, "<node>.<dc>". */
  readonly wanName: string;
  /** Its WAN gossip address: the host of its LAN address with the port of its wan_join_port tag. */
  readonly address: string;
}

/** A LAN server that is missing from the WAN pool but cannot be joined; Consul logs these at debug level. */
export interface FloodSkip {
  readonly node: string;
  readonly reason: string;
}

export interface FloodPlan {
  readonly joins: readonly FloodJoin[];
  readonly skipped: readonly FloodSkip[];
}

/**
 * The servers to flood-join. A server counts as already in the WAN pool only while its "<node>.<dc>" member there is
 * alive (a failed or left one is joined again, as Consul does since it stopped letting dead members suppress
 * re-joins). Only alive LAN members that are servers of this datacenter in no network segment are considered:
 * clients, other datacenters (never in a healthy LAN pool) and segment servers are not WAN members.
 */
export function planFloodJoins(
  lanMembers: readonly SerfMember[],
  wanMembers: readonly SerfMember[],
  localDatacenter: string,
): FloodPlan {
  const inWan = new Set<string>();
  for (const member of wanMembers) {
    if (member.status !== 'alive') continue;
    const server = wanServer(member);
    if (server !== null && server.datacenter === localDatacenter) inWan.add(server.node);
  }
  const joins: FloodJoin[] = [];
  const skipped: FloodSkip[] = [];
  for (const member of lanMembers) {
    if (member.status !== 'alive') continue;
    const server = readServerTags(member);
    if (server === null || server.datacenter !== localDatacenter || (member.tags['segment'] ?? '') !== '') continue;
    if (inWan.has(member.name)) continue;
    const port = wanJoinPort(member);
    if (port === null) {
      // Consul's words (server.go addrFn), with the server's RPC address.
      skipped.push({ node: member.name, reason: `no wan join port for server: ${server.rpcAddress}` });
      continue;
    }
    joins.push({
      node: member.name,
      wanName: wanMemberName(member.name, localDatacenter),
      address: joinHostPort(hostOfAddress(member.address), port),
    });
  }
  return { joins, skipped };
}

/** The wan_join_port tag as a port, or null when absent (WAN off on that server) or not a port number. */
function wanJoinPort(member: SerfMember): number | null {
  const text = member.tags['wan_join_port'];
  if (text === undefined || !/^\d+$/.test(text)) return null;
  const port = Number(text);
  return port > 0 && port <= 65_535 ? port : null;
}
