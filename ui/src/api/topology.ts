// A service's place in the mesh, derived as Consul's UI does: upstreams from its sidecar registrations'
// Proxy.Upstreams, downstreams from every other sidecar that names it as an upstream or from allow intentions
// towards it, and each edge marked allowed or denied by /v1/connect/intentions/check.

import { apiUrl, getJson } from './client.js';
import type { CatalogService, Intention, IntentionCheckReply } from './types.js';

export interface TopologyEdge {
  readonly name: string;
  /** `upstream`: a sidecar declares the link; `intention`: only an allow intention names it. */
  readonly via: 'upstream' | 'intention';
  readonly allowed: boolean;
  /** Where the downstream's sidecar listens for this upstream, when declared. */
  readonly bind?: string;
}

export interface Topology {
  readonly upstreams: readonly TopologyEdge[];
  readonly downstreams: readonly TopologyEdge[];
  /** Whether the service has a sidecar or is Connect-native: without either it is not in the mesh. */
  readonly inMesh: boolean;
  /** The sidecar proxies registered for the service's instances. */
  readonly sidecars: readonly CatalogService[];
}

interface DeclaredUpstream {
  readonly from: string;
  readonly to: string;
  readonly bind?: string;
}

function upstreamsOf(proxy: CatalogService): DeclaredUpstream[] {
  const from = proxy.ServiceProxy?.DestinationServiceName;
  if (proxy.ServiceKind !== 'connect-proxy' || !from) return [];
  return (proxy.ServiceProxy?.Upstreams ?? []).flatMap((upstream) => {
    const to = upstream['DestinationName'];
    if (typeof to !== 'string' || to === '') return [];
    const address = upstream['LocalBindAddress'];
    const port = upstream['LocalBindPort'];
    const bind =
      typeof port === 'number'
        ? `${typeof address === 'string' && address ? address : '127.0.0.1'}:${port}`
        : undefined;
    return [{ from, to, bind }];
  });
}

export async function loadTopology(
  service: string,
  catalog: Readonly<Record<string, readonly string[]>>,
  intentions: readonly Intention[],
  signal: AbortSignal,
): Promise<Topology> {
  const rows = (
    await Promise.all(
      Object.keys(catalog).map((name) =>
        getJson<CatalogService[]>(apiUrl(`/v1/catalog/service/${encodeURIComponent(name)}`), signal),
      ),
    )
  ).flat();
  const declared = rows.flatMap(upstreamsOf);
  const sidecars = rows.filter(
    (row) => row.ServiceKind === 'connect-proxy' && row.ServiceProxy?.DestinationServiceName === service,
  );
  const inMesh =
    sidecars.length > 0 || rows.some((row) => row.ServiceName === service && row.ServiceConnect?.Native === true);
  const upstreams = new Map<string, string | undefined>();
  const downstreams = new Map<string, { via: TopologyEdge['via']; bind?: string }>();
  for (const link of declared) {
    if (link.from === service) upstreams.set(link.to, link.bind);
    if (link.to === service) downstreams.set(link.from, { via: 'upstream', bind: link.bind });
  }
  for (const intention of intentions)
    if (
      intention.DestinationName === service &&
      intention.SourceName !== '*' &&
      intention.SourceName !== service &&
      intention.Action === 'allow' &&
      catalog[intention.SourceName] !== undefined &&
      !downstreams.has(intention.SourceName)
    )
      downstreams.set(intention.SourceName, { via: 'intention' });
  const allowed = (source: string, destination: string) =>
    getJson<IntentionCheckReply>(apiUrl('/v1/connect/intentions/check', { source, destination }), signal).then(
      (reply) => reply.Allowed,
    );
  return {
    inMesh,
    sidecars,
    upstreams: await Promise.all(
      [...upstreams].sort().map(async ([name, bind]) => ({
        name,
        via: 'upstream' as const,
        bind,
        allowed: await allowed(service, name),
      })),
    ),
    downstreams: await Promise.all(
      [...downstreams].sort().map(async ([name, link]) => ({ name, ...link, allowed: await allowed(name, service) })),
    ),
  };
}

/** Whether an intention applies to traffic from `source` to `destination` (exact names or the `*` wildcard). */
export function intentionMatches(intention: Intention, source: string | null, destination: string | null): boolean {
  const matchesName = (pattern: string, name: string | null) => name === null || pattern === '*' || pattern === name;
  return matchesName(intention.SourceName, source) && matchesName(intention.DestinationName, destination);
}
