// Prepared-query failover (Consul prepared_query_endpoint.go queryFailover): when the local datacenter has no
// healthy instance, try the NearestN other datacenters by WAN round-trip time, then the listed Datacenters (or
// Targets) that are known and not tried yet, in order, stopping at the first that answers with instances;
// Failovers counts the datacenters asked. Datacenters reach each other through the datacenter router seam
// (DESIGN §9). Until WAN federation exists the router knows no other datacenter, so every candidate is "unknown"
// and skipped exactly as Consul skips an unknown one: Failovers is 0 and the empty local answer stands. That is
// Consul's behaviour for a lone datacenter, not an error.

import type { PreparedQueryExecuteReply } from '../state/prepared-query-execute.js';
import type { PreparedQueryFields } from '../state/prepared-query-types.js';

/** What failover needs from the datacenter router. */
export interface PreparedQueryDatacenters {
  /** Other datacenters, nearest first (Consul's GetOtherDatacentersByDistance). */
  otherDatacentersByDistance(): readonly string[];
  /** Runs the query in another datacenter (Consul's PreparedQuery.ExecuteRemote, forwarded over the WAN). */
  executeRemote(datacenter: string, query: PreparedQueryFields, limit: number): Promise<PreparedQueryExecuteReply>;
}

/** One datacenter, no WAN pool yet: nothing to fail over to. */
export const localDatacenterOnly: PreparedQueryDatacenters = Object.freeze({
  otherDatacentersByDistance: () => [],
  executeRemote: async (datacenter: string): Promise<never> => {
    throw new Error(`no route to datacenter ${datacenter}`);
  },
});

/** The datacenters to try, in order (pure): NearestN first, then known listed ones not already chosen. */
export function failoverCandidates(query: PreparedQueryFields, nearest: readonly string[]): string[] {
  const known = new Set(nearest);
  const chosen: string[] = nearest.slice(0, Math.max(0, query.Service.Failover.NearestN));
  const listed = [
    ...(query.Service.Failover.Datacenters ?? []),
    // Targets naming a peer are skipped: Lattice has no cluster peering.
    ...(query.Service.Failover.Targets ?? []).filter((target) => target.Peer === '').map((target) => target.Datacenter),
  ];
  for (const datacenter of listed) {
    if (!known.has(datacenter)) continue; // Consul: "Skipping unknown datacenter in prepared query"
    if (!chosen.includes(datacenter)) chosen.push(datacenter);
  }
  return chosen;
}

/** queryFailover: the first other datacenter's non-empty answer, or the local one; Failovers set either way. */
export async function queryFailover(
  datacenters: PreparedQueryDatacenters,
  query: PreparedQueryFields,
  limit: number,
  local: PreparedQueryExecuteReply,
  onFailure: (datacenter: string, error: unknown) => void,
): Promise<PreparedQueryExecuteReply> {
  const candidates = failoverCandidates(query, datacenters.otherDatacentersByDistance());
  let reply: PreparedQueryExecuteReply = local;
  let failovers = 0;
  for (const datacenter of candidates) {
    failovers++;
    try {
      reply = await datacenters.executeRemote(datacenter, query, limit);
    } catch (error) {
      onFailure(datacenter, error);
      continue;
    }
    if (reply.Nodes.length > 0) break;
  }
  return { ...reply, Failovers: failovers };
}
