// The WAN gossip pool as the server side reads it: every server of every datacenter, named "<node>.<dc>" (Consul
// server_serf.go), tagged role=consul and dc. It answers which datacenters exist, nearest first by median RTT from
// this server's WAN coordinate (Consul router.GetDatacentersByDistance), and which servers of a datacenter are
// alive: what the cross-datacenter RPC router of the next milestone reads to pick a remote server. Pure apart
// from the source it reads; the agent supplies the source from its WAN GossipDriver.

import type { SerfMember } from '../gossip/serf/members.js';
import { type Coordinate, coordinateToJson, distanceMs, isCompatible } from '../gossip/vivaldi/coordinate.js';
import type { DatacenterMapReply } from './rpc/reply-types.js';

/** What the pool reads from the WAN gossip driver; absent coordinates (coordinates off, pool stopped) are null. */
export interface WanPoolSource {
  members(): readonly SerfMember[];
  localCoordinate(): Coordinate | null;
  memberCoordinate(name: string): Coordinate | null;
}

/** A server as the WAN pool shows it. */
export interface WanServer {
  /** The WAN member name, "<node>.<dc>". */
  readonly name: string;
  /** The node name inside its own datacenter. */
  readonly node: string;
  readonly datacenter: string;
  /** Gossip address of the WAN member (`host:8302`). */
  readonly gossipAddress: string;
  /** Server RPC address (`host:<port tag>`), where a forwarded call goes. */
  readonly rpcAddress: string;
  readonly status: SerfMember['status'];
}

/** Consul's WAN member name: the node name with its datacenter appended. */
export function wanMemberName(node: string, datacenter: string): string {
  return `${node}.${datacenter}`;
}

/**
 * A WAN member as a server (Consul metadata.IsConsulServer): role=consul, a dc tag, a usable port tag and a name
 * ending in ".<dc>". Anything else (a client that joined the WAN port by mistake, a malformed tag) is null.
 */
export function wanServer(member: SerfMember): WanServer | null {
  const { tags } = member;
  const datacenter = tags['dc'] ?? '';
  if (tags['role'] !== 'consul' || datacenter === '') return null;
  const suffix = `.${datacenter}`;
  if (!member.name.endsWith(suffix) || member.name.length === suffix.length) return null;
  const port = Number(tags['port']);
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) return null;
  const colon = member.address.lastIndexOf(':');
  const host = colon < 0 ? member.address : member.address.slice(0, colon);
  return {
    name: member.name,
    node: member.name.slice(0, -suffix.length),
    datacenter,
    gossipAddress: member.address,
    rpcAddress: `${host}:${port}`,
    status: member.status,
  };
}

/**
 * Datacenter names, nearest first: per datacenter the median estimated RTT from `local` to its servers (the local
 * datacenter counts as 0 and always comes first; a server without a compatible coordinate counts as infinitely
 * far), ties and unknown distances in name order. Servers that left are skipped; failed ones still name their datacenter (Consul does the same).
 */
export function datacentersByDistance(
  servers: readonly WanServer[],
  localDatacenter: string,
  local: Coordinate | null,
  coordinateOf: (name: string) => Coordinate | null,
): string[] {
  const rtts = new Map<string, number[]>();
  for (const server of servers) {
    if (server.status === 'left') continue;
    const list = rtts.get(server.datacenter) ?? [];
    list.push(server.datacenter === localDatacenter ? 0 : rttMs(local, coordinateOf(server.name)));
    rtts.set(server.datacenter, list);
  }
  const medians = new Map<string, number>();
  for (const [datacenter, list] of rtts) {
    list.sort((a, b) => a - b);
    medians.set(datacenter, list[Math.floor(list.length / 2)]!);
  }
  // Name order first, then a stable sort by median: equal (or unknown) distances keep name order. The local
  // datacenter (RTT 0) comes first even when another one also measures 0.
  const rank = (name: string): number => (name === localDatacenter ? Number.NEGATIVE_INFINITY : medians.get(name)!);
  return [...medians.keys()]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .sort((a, b) => {
      const left = rank(a);
      const right = rank(b);
      return left === right ? 0 : left < right ? -1 : 1;
    });
}

function rttMs(local: Coordinate | null, other: Coordinate | null): number {
  if (local === null || other === null || !isCompatible(local, other)) return Number.POSITIVE_INFINITY;
  return distanceMs(local, other);
}

export class WanPool {
  constructor(
    private readonly source: WanPoolSource,
    readonly localDatacenter: string,
  ) {}

  /** Every WAN member as gossip reports it, this server included. */
  members(): readonly SerfMember[] {
    return this.source.members();
  }

  /** The members that are servers (see wanServer), in member order. */
  servers(): WanServer[] {
    const servers: WanServer[] = [];
    for (const member of this.source.members()) {
      const server = wanServer(member);
      if (server) servers.push(server);
    }
    return servers;
  }

  /** The alive servers of one datacenter: the candidates a cross-datacenter call may go to. */
  aliveServersIn(datacenter: string): WanServer[] {
    return this.servers().filter((server) => server.datacenter === datacenter && server.status === 'alive');
  }

  /** Known datacenters, nearest first; the local one is always there, even before the pool runs. */
  datacenters(): string[] {
    const names = datacentersByDistance(this.servers(), this.localDatacenter, this.source.localCoordinate(), (name) =>
      this.source.memberCoordinate(name),
    );
    return names.includes(this.localDatacenter) ? names : [this.localDatacenter, ...names];
  }

  /**
   * Consul's Coordinate.ListDatacenters: per datacenter (nearest first) the servers that have a WAN coordinate, named
   * without ".<dc>"; a datacenter none of whose servers has one is left out, as Consul's router does.
   */
  datacenterMaps(): DatacenterMapReply[] {
    const grouped = this.coordinatesByDatacenter();
    return this.datacenters().flatMap((datacenter) => {
      const servers = grouped.get(datacenter);
      if (!servers) return [];
      const suffix = `.${datacenter}`;
      return [
        {
          Datacenter: datacenter,
          AreaID: 'wan',
          Coordinates: servers.map(({ node, coordinate }) => ({
            Node: node.endsWith(suffix) ? node.slice(0, -suffix.length) : node,
            Coord: coordinateToJson(coordinate),
          })),
        },
      ];
    });
  }

  /** WAN coordinates of the servers of each datacenter (for /v1/coordinate/datacenters); left servers skipped. */
  coordinatesByDatacenter(): Map<string, { node: string; coordinate: Coordinate }[]> {
    const byDatacenter = new Map<string, { node: string; coordinate: Coordinate }[]>();
    for (const server of this.servers()) {
      if (server.status === 'left') continue;
      const coordinate = this.source.memberCoordinate(server.name);
      if (coordinate === null) continue;
      const list = byDatacenter.get(server.datacenter) ?? [];
      list.push({ node: server.name, coordinate });
      byDatacenter.set(server.datacenter, list);
    }
    return byDatacenter;
  }
}
