// Health reads (Consul's catalog.go health side): checks by state, node or service, and the health entries of
// one service (node + instance + node checks + the instance's checks), plain or connect-capable.

import { instancesWithNodes, matchesNodeMeta, type ServiceNodesOptions, serviceQueryIndex } from './catalog-reads.js';
import { checkStatusWatchKey, connectIndexKey, nodeChecksWatchKey, serviceIndexKey, tableIndexKey } from './indexes.js';
import type { QueryResult, StateStore } from './store.js';
import { checksSchema, foldName, nodeKey, nodesSchema, serviceKey, servicesSchema } from './tables/catalog.js';
import type { HealthCheck, HealthStatus, ServiceEntry } from './types.js';
import { toNodeService } from './views.js';
import { WatchSet } from './watch.js';

export interface CheckServiceNodesOptions extends ServiceNodesOptions {
  /** `?passing`: drop entries with any check not passing, node checks included. */
  readonly passingOnly?: boolean;
}

const checksIndexKey = tableIndexKey(checksSchema.name);

function filterByNodeMeta(
  store: StateStore,
  checks: readonly HealthCheck[],
  nodeMeta: Readonly<Record<string, string>> | undefined,
): readonly HealthCheck[] {
  if (nodeMeta === undefined) return checks;
  const nodeTable = store.table(nodesSchema);
  return checks.filter((check) => {
    const node = nodeTable.get(nodeKey(check.Node));
    return node !== undefined && matchesNodeMeta(node, nodeMeta);
  });
}

/** `/v1/health/state/:state`; `any` returns every check. */
export function checksInState(
  store: StateStore,
  state: HealthStatus | 'any',
  options: { readonly nodeMeta?: Readonly<Record<string, string>> } = {},
): QueryResult<readonly HealthCheck[]> {
  const table = store.table(checksSchema);
  const checks = state === 'any' ? table.all() : table.lookup('status', state);
  const watch = new WatchSet([state === 'any' ? checksIndexKey : checkStatusWatchKey(state)]);
  if (options.nodeMeta !== undefined) watch.add(tableIndexKey(nodesSchema.name));
  return { index: store.indexes.get(checksIndexKey), value: filterByNodeMeta(store, checks, options.nodeMeta), watch };
}

/** `/v1/health/node/:node`. */
export function nodeChecks(store: StateStore, node: string): QueryResult<readonly HealthCheck[]> {
  return {
    index: store.indexes.get(checksIndexKey),
    value: store.table(checksSchema).lookup('node', nodeKey(node)),
    watch: new WatchSet([nodeChecksWatchKey(node)]),
  };
}

/** `/v1/health/checks/:service`: the checks of every instance of the service. */
export function serviceChecks(
  store: StateStore,
  service: string,
  options: { readonly nodeMeta?: Readonly<Record<string, string>> } = {},
): QueryResult<readonly HealthCheck[]> {
  const checks = store.table(checksSchema).lookup('service', foldName(service));
  const watch = new WatchSet([serviceIndexKey(service)]);
  if (options.nodeMeta !== undefined) watch.add(tableIndexKey(nodesSchema.name));
  return { index: store.indexes.get(checksIndexKey), value: filterByNodeMeta(store, checks, options.nodeMeta), watch };
}

/** `/v1/health/service/:name`, with Consul's per-service index (instances, their checks, their nodes). */
export function checkServiceNodes(
  store: StateStore,
  service: string,
  options: CheckServiceNodesOptions = {},
): QueryResult<readonly ServiceEntry[]> {
  return healthEntries(store, 'service', serviceIndexKey(service), service, options);
}

/** `/v1/health/connect/:name`: entries of the proxies for `name` and of its connect-native instances. */
export function connectCheckServiceNodes(
  store: StateStore,
  service: string,
  options: CheckServiceNodesOptions = {},
): QueryResult<readonly ServiceEntry[]> {
  return healthEntries(store, 'connect', connectIndexKey(service), service, options);
}

interface EntriesCache {
  readonly generation: number;
  readonly answers: Map<string, { readonly index: number; readonly value: readonly ServiceEntry[] }>;
}

/**
 * Health answers per store generation: after a write, the thousand blocking queries it wakes on one service
 * re-run the same read, and all but the first are served from here. Cleared by the next write.
 */
const entriesCaches = new WeakMap<StateStore, EntriesCache>();
/** Distinct (service, options) answers kept per generation; query options come from the network. */
const entriesCacheSizeMax = 1024;

function healthEntries(
  store: StateStore,
  indexName: 'service' | 'connect',
  key: string,
  service: string,
  options: CheckServiceNodesOptions,
): QueryResult<readonly ServiceEntry[]> {
  let cache = entriesCaches.get(store);
  if (cache === undefined || cache.generation !== store.generation) {
    cache = { generation: store.generation, answers: new Map() };
    entriesCaches.set(store, cache);
  }
  const cacheKey = JSON.stringify([key, options.passingOnly === true, options.tags ?? [], options.nodeMeta ?? {}]);
  let answer = cache.answers.get(cacheKey);
  if (answer === undefined) {
    answer = computeEntries(store, indexName, key, service, options);
    if (cache.answers.size >= entriesCacheSizeMax) cache.answers.clear();
    cache.answers.set(cacheKey, answer);
  }
  return { index: answer.index, value: answer.value, watch: new WatchSet([key]) };
}

function computeEntries(
  store: StateStore,
  indexName: 'service' | 'connect',
  key: string,
  service: string,
  options: CheckServiceNodesOptions,
): { readonly index: number; readonly value: readonly ServiceEntry[] } {
  const checks = store.table(checksSchema);
  const exists = store.table(servicesSchema).count(indexName, foldName(service)) > 0;
  const value: ServiceEntry[] = [];
  for (const { node, service: instance } of instancesWithNodes(store, indexName, service, options)) {
    const nodeLevel = checks.lookup('nodeLevel', nodeKey(node.Node));
    const own = checks.lookup('nodeService', serviceKey(node.Node, instance.ID));
    const entryChecks = nodeLevel.length === 0 ? own : own.length === 0 ? nodeLevel : [...nodeLevel, ...own];
    if (options.passingOnly === true && entryChecks.some((check) => check.Status !== 'passing')) continue;
    value.push(Object.freeze({ Node: node, Service: toNodeService(instance), Checks: entryChecks }));
  }
  return { index: serviceQueryIndex(store, key, exists, true), value: Object.freeze(value) };
}
