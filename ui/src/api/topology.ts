// A service's place in the mesh, as /v1/internal/ui/service-topology/:service answers it (Consul's
// ServiceTopology, computed by the servers in one read): each upstream and downstream with the intentions'
// verdict on the link and why it is there. The page adds where the service's sidecar listens for each upstream,
// from the sidecar registrations it already follows.

import type {
  CatalogService,
  Intention,
  UiServiceTopology,
  UiServiceTopologySummary,
  UiTopologySource,
} from './types.js';

export interface TopologyEdge {
  readonly name: string;
  /** `proxy-registration`: a sidecar declares the link; otherwise intentions (or the default) allow it. */
  readonly source: UiTopologySource;
  readonly allowed: boolean;
  /** The link's intention has L7 permissions: each request is judged, so the connection alone is not allowed. */
  readonly permissions: boolean;
  /** Where the service's sidecar listens for this upstream, when declared. */
  readonly bind?: string;
}

export interface TopologyEdges {
  readonly upstreams: readonly TopologyEdge[];
  readonly downstreams: readonly TopologyEdge[];
}

/** `address:port` of each upstream the sidecars declare, by upstream name. */
function bindsOf(sidecars: readonly CatalogService[]): Map<string, string> {
  const binds = new Map<string, string>();
  for (const sidecar of sidecars)
    for (const upstream of sidecar.ServiceProxy?.Upstreams ?? []) {
      const name = upstream['DestinationName'];
      const address = upstream['LocalBindAddress'];
      const port = upstream['LocalBindPort'];
      if (typeof name !== 'string' || typeof port !== 'number' || binds.has(name)) continue;
      binds.set(name, `${typeof address === 'string' && address ? address : '127.0.0.1'}:${port}`);
    }
  return binds;
}

function edgeOf(row: UiServiceTopologySummary, bind: string | undefined): TopologyEdge {
  return {
    name: row.Name,
    source: row.Source,
    allowed: row.Intention.Allowed,
    permissions: row.Intention.HasPermissions,
    ...(bind === undefined ? {} : { bind }),
  };
}

/** The graph's edges from the topology answer and the service's sidecar registrations. */
export function topologyEdges(topology: UiServiceTopology, sidecars: readonly CatalogService[]): TopologyEdges {
  const binds = bindsOf(sidecars);
  return {
    upstreams: topology.Upstreams.map((row) => edgeOf(row, binds.get(row.Name))),
    downstreams: topology.Downstreams.map((row) => edgeOf(row, undefined)),
  };
}

/** Whether an intention applies to traffic from `source` to `destination` (exact names or the `*` wildcard). */
export function intentionMatches(intention: Intention, source: string | null, destination: string | null): boolean {
  const matchesName = (pattern: string, name: string | null) => name === null || pattern === '*' || pattern === name;
  return matchesName(intention.SourceName, source) && matchesName(intention.DestinationName, destination);
}
