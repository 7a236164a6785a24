// The server state store: the catalog's tables, indexes and watch sets, as a pure, synchronous library.
//
// Store and transactions
//   const store = new StateStore();
//   store.write(raftIndex, (txn) => ...)         one all-or-nothing transaction at one Raft index (ops below use it)
//   store.latestIndex()                          highest index written
//   store.watch(watchSet, (reason) => ...)       one-shot; fires when a key of the set changes or on restore;
//                                                returns cancel(). Waiting with deadlines: server/state-watch.ts
//   store.capture() / store.restore(contents)    O(tables) copy-on-write capture for snapshots; restore fires all
//
// Writes (throw a StateStoreError subclass with Consul's message and change nothing on failure)
//   ensureRegistration(store, index, RegisterRequest)   Catalog.Register: node, optional service, checks
//   deregister(store, index, DeregisterRequest)         ServiceID ⇒ service + its checks; CheckID ⇒ check; else node
//   ensureCheck(store, index, CheckInput & {Node})      one check (status/output update)
//   coordinateBatchUpdate(store, index, CoordinateUpdate[])  unknown nodes skipped
//   normalizeRegisterRequest(body)                      validation only (call before proposing to Raft)
//   *Txn variants compose several writes inside one store.write (for the txn endpoint and the FSM)
//
// Reads return QueryResult<T> = { index, value, watch }: `index` is Consul's X-Consul-Index choice for the read
// (table index, or the per-service index for catalog/health service queries; may be 0 — the HTTP layer and
// blockingQuery raise it to 1), `watch` the keys whose change can alter `value`.
//   nodes(store, {nodeMeta?})                               [Node]
//   services(store, {nodeMeta?})                            {name: sorted unique tags}
//   serviceNodes(store, name, {tags?, nodeMeta?})           [CatalogService]
//   connectServiceNodes(store, name, {tags?, nodeMeta?})    [CatalogService] of proxies for name + native instances
//   nodeServices(store, node)                               {Node, Services: [NodeService]} | null (per-node index)
//   getNode(store, node)                                    Node | null
//   checksInState(store, 'any'|'passing'|'warning'|'critical', {nodeMeta?})   [HealthCheck]
//   nodeChecks(store, node) · serviceChecks(store, name, {nodeMeta?})         [HealthCheck]
//   checkServiceNodes(store, name, {tags?, nodeMeta?, passingOnly?})          [ServiceEntry]
//   connectCheckServiceNodes(store, name, {...same})                          [ServiceEntry]
//   coordinates(store) · nodeCoordinates(store, node)                         [CoordinateEntry]
//   nodeDump(store) · nodeInfo(store, node)          [NodeInfo]: node fields + Services + Checks (UI, debug)
//   preparedQueryGet(store, id) · preparedQueryList(store) · preparedQueryResolve(store, idOrName, source)
//                                                   prepared queries (writes: prepared-query-ops.ts, execution:
//                                                   prepared-query-execute.ts, templates: prepared-query-template.ts)
//
// Beside this folder: server/state-watch.ts (blockingQuery, blockingWaitMs: the waiting, on an injected Clock),
// server/fsm/ (CatalogFsm for Raft, command codec, snapshot format, inspectSnapshot), server/filter/ (?filter=).
//
// Returned rows are deeply frozen and shared: copy before changing. `Proxy`/`Connect` are null when unset (Consul
// omits them: drop nulls when rendering). Between two writes, repeated health reads with the same options return
// the same frozen array (one computation for a thousand woken watchers; cache rendered JSON by identity if
// useful). Names of nodes, services, service and check IDs compare case-insensitively. Refusals carry Consul's
// context (`failed inserting check on node "n1": Missing service registration`). Extending: add a schema in tables/, append it to `storeSchemas` (store.ts),
// name its index keys in indexes.ts, and write ops/reads on WriteTxn and QueryResult the same way.

export {
  deleteCheckTxn,
  deleteNodeTxn,
  deleteServiceTxn,
  deregister,
  deregisterTxn,
  ensureCheck,
  ensureCheckTxn,
  ensureNodeTxn,
  ensureRegistration,
  ensureRegistrationTxn,
  ensureServiceTxn,
} from './catalog-ops.js';
export type { NodeMetaOptions, ServiceNodesOptions } from './catalog-reads.js';
export {
  connectServiceNodes,
  getNode,
  hasTags,
  matchesNodeMeta,
  nodeServices,
  nodes,
  serviceNodes,
  serviceQueryIndex,
  services,
} from './catalog-reads.js';
export {
  coordinateBatchUpdate,
  coordinateBatchUpdateTxn,
  coordinates,
  nodeCoordinates,
  normalizeCoordinateUpdate,
} from './coordinates.js';
export type { NodeInfo } from './dump-reads.js';
export { nodeDump, nodeInfo } from './dump-reads.js';
export {
  InvalidWriteError,
  MissingNodeError,
  MissingServiceError,
  NodeConflictError,
  StateStoreError,
  withContext,
} from './errors.js';
export type { CheckServiceNodesOptions } from './health-reads.js';
export {
  checkServiceNodes,
  checksInState,
  connectCheckServiceNodes,
  nodeChecks,
  serviceChecks,
} from './health-reads.js';
export {
  checkStatusWatchKey,
  connectIndexKey,
  coordinateWatchKey,
  IndexTable,
  nodeChecksWatchKey,
  nodeExtinctionIndexKey,
  nodeIndexKey,
  nodeWatchKey,
  serviceExtinctionIndexKey,
  serviceIndexKey,
  tableIndexKey,
} from './indexes.js';
export type { CheckFields, NodeFields, NormalizedRegistration, ServiceFields } from './normalize.js';
export { normalizeCheck, normalizeRegisterRequest, normalizeService, validateMeta } from './normalize.js';
export {
  PreparedQueryResolveError,
  preparedQueryById,
  preparedQueryGet,
  preparedQueryList,
  preparedQueryResolve,
} from './prepared-query-reads.js';
export type * from './prepared-query-types.js';
export type { QueryResult, StateStoreOptions, StoreCapture, StoreContents } from './store.js';
export { StateStore, storeSchemas } from './store.js';
export { catalogSchemas, connectTarget } from './tables/catalog.js';
export type { TableSchema } from './tables/table.js';
export { Table } from './tables/table.js';
export { WriteTxn } from './txn.js';
export type * from './types.js';
export { toCatalogService, toNodeService } from './views.js';
export type { WatchCallback, WatchReason } from './watch.js';
export { WatchRegistry, WatchSet } from './watch.js';
