// Whole-node dumps (Consul's NodeInfo / NodeDump, behind `/v1/internal/ui/nodes`, `/v1/internal/ui/node/:node`
// and `consul debug`): each node with its services and checks, indexed by the catalog's max table index.

import { tableIndexKey } from './indexes.js';
import type { QueryResult, StateStore } from './store.js';
import { checksSchema, nodeKey, nodesSchema, servicesSchema } from './tables/catalog.js';
import type { HealthCheck, Node, NodeService } from './types.js';
import { toNodeService } from './views.js';
import { WatchSet } from './watch.js';

/** Consul's NodeInfo: the node's fields flattened, with its services and checks. */
export interface NodeInfo extends Node {
  readonly Services: readonly NodeService[];
  readonly Checks: readonly HealthCheck[];
}

const catalogTables = [nodesSchema.name, servicesSchema.name, checksSchema.name].map(tableIndexKey);

function infoOf(store: StateStore, node: Node): NodeInfo {
  const key = nodeKey(node.Node);
  return {
    ...node,
    Services: store.table(servicesSchema).lookup('node', key).map(toNodeService),
    Checks: store.table(checksSchema).lookup('node', key),
  };
}

/** Every node with its services and checks. */
export function nodeDump(store: StateStore): QueryResult<readonly NodeInfo[]> {
  return {
    index: store.indexes.max(catalogTables),
    value: store
      .table(nodesSchema)
      .all()
      .map((node) => infoOf(store, node)),
    watch: new WatchSet(catalogTables),
  };
}

/** One node with its services and checks; an empty list when it does not exist (as Consul answers). */
export function nodeInfo(store: StateStore, node: string): QueryResult<readonly NodeInfo[]> {
  const row = store.table(nodesSchema).get(nodeKey(node));
  return {
    index: store.indexes.max(catalogTables),
    value: row === undefined ? [] : [infoOf(store, row)],
    watch: new WatchSet(catalogTables),
  };
}
