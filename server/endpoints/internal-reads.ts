// The reads behind Consul's UI endpoints, each one pass over the state store: the node dump (every node with its
// services and checks), the service listing (one summary per service, instead of one health read per service)
// and a service's topology. Indexed and watched on the catalog tables (and config entries for the topology, which
// hold the intentions and protocols), so each is a blocking query.

import { type NodeInfo, nodeDump, nodeInfo } from '../state/dump-reads.js';
import { tableIndexKey } from '../state/indexes.js';
import type { QueryResult, StateStore } from '../state/store.js';
import { checksSchema, nodeKey, nodesSchema, serviceKey, servicesSchema } from '../state/tables/catalog.js';
import type { ServiceEntry, ServiceInstance } from '../state/types.js';
import { toNodeService } from '../state/views.js';
import { WatchSet } from '../state/watch.js';
import { summarizeEntries, summaryRows } from './internal-summaries.js';
import type { UiNodeInfo, UiServiceListingSummary } from './internal-types.js';

export const catalogIndexKeys: readonly string[] = [nodesSchema.name, servicesSchema.name, checksSchema.name].map(
  tableIndexKey,
);

/** Consul's NodeInfo JSON: the node's identity and addresses, its services and checks. */
function toUiNodeInfo(info: NodeInfo): UiNodeInfo {
  return {
    ID: info.ID,
    Node: info.Node,
    Address: info.Address,
    TaggedAddresses: info.TaggedAddresses,
    Meta: info.Meta,
    Services: info.Services,
    Checks: info.Checks,
  };
}

export function uiNodeDump(store: StateStore): QueryResult<readonly UiNodeInfo[]> {
  const result = nodeDump(store);
  return { ...result, value: result.value.map(toUiNodeInfo) };
}

/** One node, or an empty list when it does not exist (the route answers 404 then). */
export function uiNodeInfo(store: StateStore, node: string): QueryResult<readonly UiNodeInfo[]> {
  const result = nodeInfo(store, node);
  return { ...result, value: result.value.map(toUiNodeInfo) };
}

/** Health entries of `instances`: each with its node, the node's own checks and the instance's checks. */
export function entriesOf(store: StateStore, instances: Iterable<ServiceInstance>): ServiceEntry[] {
  const nodes = store.table(nodesSchema);
  const checks = store.table(checksSchema);
  const entries: ServiceEntry[] = [];
  for (const instance of instances) {
    const node = nodes.get(nodeKey(instance.Node));
    if (node === undefined) continue; // the catalog's integrity rule forbids it; a dump skips rather than fails
    const nodeLevel = checks.lookup('nodeLevel', nodeKey(node.Node));
    const own = checks.lookup('nodeService', serviceKey(node.Node, instance.ID));
    entries.push({ Node: node, Service: toNodeService(instance), Checks: [...nodeLevel, ...own] });
  }
  return entries;
}

/**
 * The unfiltered listing per store generation: a write wakes every open services page at once, and all but the
 * first re-run are served from here (and, being the same object, encoded once for the RPC: rpc/reply-values.ts).
 */
const listingCaches = new WeakMap<
  StateStore,
  { readonly generation: number; readonly value: readonly UiServiceListingSummary[] }
>();

function serviceListing(
  store: StateStore,
  keep: ((entry: ServiceEntry) => boolean) | null,
): readonly UiServiceListingSummary[] {
  const all = entriesOf(store, store.table(servicesSchema).all());
  const summarized = summarizeEntries(keep === null ? all : all.filter(keep));
  return summaryRows(summarized, { excludeSidecars: false }).map(
    (summary): UiServiceListingSummary => ({
      ...summary,
      ConnectedWithProxy: summarized.hasProxy.has(summary.Name),
      ConnectedWithGateway: false,
    }),
  );
}

/**
 * `/v1/internal/ui/services`: every service summarized, with whether a sidecar proxies it. `keep` (the compiled
 * `?filter=`) selects health entries before summarizing, as Consul filters the ServiceDump's rows.
 */
export function uiServiceListing(
  store: StateStore,
  keep: ((entry: ServiceEntry) => boolean) | null,
): QueryResult<readonly UiServiceListingSummary[]> {
  let value: readonly UiServiceListingSummary[];
  if (keep !== null) value = serviceListing(store, keep);
  else {
    const cached = listingCaches.get(store);
    if (cached !== undefined && cached.generation === store.generation) value = cached.value;
    else {
      value = Object.freeze(serviceListing(store, null));
      listingCaches.set(store, { generation: store.generation, value });
    }
  }
  return { index: store.indexes.max(catalogIndexKeys), value, watch: new WatchSet(catalogIndexKeys) };
}
