// A service's place in the mesh (Consul's state.ServiceTopology and agent/ui_endpoint.go UIServiceTopology),
// computed in one read of the state store:
//  - upstreams: what the service's sidecar registrations declare in Proxy.Upstreams ("proxy-registration"), and,
//    when a sidecar of it runs in transparent mode or it is Connect-native, every typical service the intentions
//    let it reach (kept only if that upstream has a transparent proxy, as Consul does);
//  - downstreams: the services whose sidecars declare it as an upstream, and the services intentions let reach it
//    that have a transparent proxy;
//  - each link judged by the intentions without an L7 request (an L7 intention counts as not allowed).
// What does not apply in Lattice yet and is left out: upstreams from discovery-chain routing ("routing-config"),
// upstreams in other datacenters or peers (named by their local name only), ingress/mesh gateways, namespaces and
// partitions, and ACL filtering (FilteredByACLs is always false).

import { compileIntentionTable, type IntentionTable } from '../../connect/intentions/table.js';
import { serviceProtocol } from '../state/config-entries.js';
import { intentionList } from '../state/connect-reads.js';
import { tableIndexKey } from '../state/indexes.js';
import type { QueryResult, StateStore } from '../state/store.js';
import { foldName, servicesSchema } from '../state/tables/catalog.js';
import { configEntriesSchema } from '../state/tables/connect.js';
import type { ServiceInstance } from '../state/types.js';
import { WatchSet } from '../state/watch.js';
import { catalogIndexKeys, entriesOf } from './internal-reads.js';
import { externalSourceMetaKey, summarizeEntries, summaryRows } from './internal-summaries.js';
import type {
  UiIntentionDecision,
  UiServiceTopology,
  UiServiceTopologySummary,
  UiTopologySource,
} from './internal-types.js';

const topologyIndexKeys = [...catalogIndexKeys, tableIndexKey(configEntriesSchema.name)];
/** Consul leaves its own servers' service out of intention-derived links. */
const consulServiceName = 'consul';

/** Consul's IntentionDecision: `allowPermissions` decides whether an L7 intention counts as allowed. */
export function intentionDecision(
  table: IntentionTable,
  source: string,
  destination: string,
  allowPermissions: boolean,
): UiIntentionDecision {
  const decision = table.decide(source, destination);
  const intention = decision.intention;
  if (intention === null)
    return {
      DefaultAllow: table.defaultAllow,
      Allowed: table.defaultAllow,
      HasPermissions: false,
      ExternalSource: '',
      HasExact: false,
    };
  const hasPermissions = decision.kind === 'l7';
  return {
    DefaultAllow: table.defaultAllow,
    Allowed: hasPermissions ? allowPermissions : decision.kind === 'allow',
    HasPermissions: hasPermissions,
    ExternalSource: intention.Meta?.[externalSourceMetaKey] ?? '',
    HasExact: intention.SourceName !== '*' && intention.DestinationName !== '*',
  };
}

function intentionSource(decision: UiIntentionDecision): UiTopologySource {
  if (decision.HasExact) return 'specific-intention';
  if (decision.DefaultAllow) return 'default-allow';
  return 'wildcard-intention';
}

/** The local service names a proxy's registration declares as upstreams (prepared queries and peers are not). */
function declaredUpstreams(proxy: ServiceInstance): string[] {
  const names: string[] = [];
  for (const upstream of proxy.Proxy?.Upstreams ?? []) {
    const type = upstream['DestinationType'];
    if (type !== undefined && type !== '' && type !== 'service') continue;
    if (typeof upstream['DestinationPeer'] === 'string' && upstream['DestinationPeer'] !== '') continue;
    const name = upstream['DestinationName'];
    if (typeof name === 'string' && name !== '' && !names.includes(name)) names.push(name);
  }
  return names;
}

const isProxy = (row: ServiceInstance): boolean => row.Kind === 'connect-proxy';
const destinationOf = (row: ServiceInstance): string => row.Proxy?.DestinationServiceName ?? '';

export function uiServiceTopology(
  store: StateStore,
  service: string,
  defaultAllow: boolean,
): QueryResult<UiServiceTopology> {
  const services = store.table(servicesSchema);
  const table = compileIntentionTable(intentionList(store).value, { defaultAllow });
  const instancesOf = (name: string) => services.lookup('service', foldName(name));
  const proxiesOf = (name: string) => services.lookup('connect', foldName(name)).filter(isProxy);
  /** Typical service names, the candidates for intention-derived links. */
  const typicalNames = (): string[] => [...new Set(services.lookup('kind', '').map((row) => row.Service))];

  const ownProxies = proxiesOf(service);
  const hasTransparent = ownProxies.some((proxy) => proxy.Proxy?.Mode === 'transparent');
  const fullyTransparent = ownProxies.length > 0 && ownProxies.every((proxy) => proxy.Proxy?.Mode === 'transparent');
  const connectNative = instancesOf(service).some((row) => row.Connect?.Native === true);

  const upstreamSources = new Map<string, UiTopologySource>();
  for (const proxy of ownProxies)
    for (const name of declaredUpstreams(proxy)) upstreamSources.set(name, 'proxy-registration');
  if (hasTransparent || connectNative)
    for (const name of typicalNames()) {
      if (name === service || name === consulServiceName || upstreamSources.has(name)) continue;
      const decision = intentionDecision(table, service, name, true);
      if (decision.Allowed) upstreamSources.set(name, intentionSource(decision));
    }

  const downstreamSources = new Map<string, UiTopologySource>();
  for (const proxy of services.lookup('kind', 'connect-proxy'))
    if (declaredUpstreams(proxy).includes(service) && destinationOf(proxy) !== '')
      downstreamSources.set(destinationOf(proxy), 'proxy-registration');
  for (const name of typicalNames()) {
    if (name === service || name === consulServiceName || downstreamSources.has(name)) continue;
    const decision = intentionDecision(table, name, service, true);
    if (decision.Allowed) downstreamSources.set(name, intentionSource(decision));
  }

  /**
   * The summaries of the linked services (their instances and sidecars), keeping intention-derived links only to
   * services with a transparent proxy, as a non-transparent proxy cannot dial what it does not declare.
   */
  const linked = (sources: ReadonlyMap<string, UiTopologySource>, decide: (name: string) => UiIntentionDecision) => {
    const rows: ServiceInstance[] = [];
    for (const name of sources.keys()) {
      const proxies = proxiesOf(name);
      const transparent = proxies.some((proxy) => proxy.Proxy?.Mode === 'transparent');
      if (!transparent && sources.get(name) !== 'proxy-registration') continue;
      rows.push(...instancesOf(name), ...proxies);
    }
    return summaryRows(summarizeEntries(entriesOf(store, rows)), { excludeSidecars: true }).map(
      (summary): UiServiceTopologySummary => ({
        ...summary,
        Source: sources.get(summary.Name) ?? 'proxy-registration',
        Intention: decide(summary.Name),
      }),
    );
  };

  const value: UiServiceTopology = {
    Protocol: serviceProtocol(store, service),
    TransparentProxy: fullyTransparent,
    Upstreams: linked(upstreamSources, (name) => intentionDecision(table, service, name, false)),
    Downstreams: linked(downstreamSources, (name) => intentionDecision(table, name, service, false)),
    FilteredByACLs: false,
  };
  return { index: store.indexes.max(topologyIndexKeys), value, watch: new WatchSet(topologyIndexKeys) };
}
