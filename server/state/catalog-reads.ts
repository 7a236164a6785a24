// Catalog reads (Consul's catalog.go read side): nodes, services with their tag union, the instances of one
// service (by name or connect-capable), and one node's services. Each returns its value, the index Consul would
// report for it, and the watch keys that a change to its answer fires.

import { assert } from '../../lib/assert.js';
import { setOwn } from '../../lib/records.js';
import {
  connectIndexKey,
  nodeExtinctionIndexKey,
  nodeIndexKey,
  serviceExtinctionIndexKey,
  serviceIndexKey,
  tableIndexKey,
} from './indexes.js';
import type { QueryResult, StateStore } from './store.js';
import { foldName, nodeKey, nodesSchema, servicesSchema } from './tables/catalog.js';
import type { CatalogService, Node, NodeServices, ServiceInstance } from './types.js';
import { toCatalogService, toNodeService } from './views.js';
import { WatchSet } from './watch.js';

export interface NodeMetaOptions {
  /** `?node-meta=k:v` pairs; a node must carry all of them. */
  readonly nodeMeta?: Readonly<Record<string, string>>;
}

export interface ServiceNodesOptions extends NodeMetaOptions {
  /** `?tag=` values; an instance must carry all of them (case-insensitive). */
  readonly tags?: readonly string[];
}

export function matchesNodeMeta(node: Node, filters: Readonly<Record<string, string>> | undefined): boolean {
  if (filters === undefined) return true;
  for (const [key, value] of Object.entries(filters)) if (node.Meta[key] !== value) return false;
  return true;
}

export function hasTags(service: ServiceInstance, tags: readonly string[] | undefined): boolean {
  if (tags === undefined || tags.length === 0) return true;
  const own = service.Tags.map((tag) => tag.toLowerCase());
  return tags.every((tag) => own.includes(tag.toLowerCase()));
}

/**
 * Consul's maxIndexForService: the per-name index while instances exist; for a name with none, the last
 * extinction index (so a query for a missing service blocks until the name appears); else the tables' max.
 */
export function serviceQueryIndex(store: StateStore, key: string, exists: boolean, withChecks: boolean): number {
  const indexes = store.indexes;
  if (!exists && indexes.has(serviceExtinctionIndexKey)) return indexes.get(serviceExtinctionIndexKey);
  if (indexes.has(key)) return indexes.get(key);
  const tables = [tableIndexKey('nodes'), tableIndexKey('services')];
  if (withChecks) tables.push(tableIndexKey('checks'));
  return indexes.max(tables);
}

export function nodes(store: StateStore, options: NodeMetaOptions = {}): QueryResult<readonly Node[]> {
  const all = store.table(nodesSchema).all();
  const key = tableIndexKey(nodesSchema.name);
  return {
    index: store.indexes.get(key),
    value: options.nodeMeta === undefined ? all : all.filter((node) => matchesNodeMeta(node, options.nodeMeta)),
    watch: new WatchSet([key]),
  };
}

type ServiceTags = Readonly<Record<string, readonly string[]>>;

/** The unfiltered tag union per services table, valid while the table's index stays the same. */
const serviceTagsCache = new WeakMap<object, { readonly index: number; readonly value: ServiceTags }>();

/** `/v1/catalog/services`: service name → the union of its instances' tags (sorted, unique). */
export function services(store: StateStore, options: NodeMetaOptions = {}): QueryResult<ServiceTags> {
  const servicesIndex = store.indexes.get(tableIndexKey(servicesSchema.name));
  if (options.nodeMeta === undefined) {
    const table = store.table(servicesSchema);
    let cached = serviceTagsCache.get(table);
    if (cached === undefined || cached.index !== servicesIndex) {
      cached = { index: servicesIndex, value: Object.freeze(tagUnion(store, undefined)) };
      serviceTagsCache.set(table, cached);
    }
    return { index: servicesIndex, value: cached.value, watch: new WatchSet([tableIndexKey(servicesSchema.name)]) };
  }
  // Consul's ServicesByNodeMeta: a node meta change can change the answer, so the index covers both tables.
  const watch = new WatchSet([tableIndexKey(servicesSchema.name), tableIndexKey(nodesSchema.name)]);
  const index = Math.max(servicesIndex, store.indexes.get(tableIndexKey(nodesSchema.name)));
  return { index, value: tagUnion(store, options.nodeMeta), watch };
}

function tagUnion(store: StateStore, nodeMeta: Readonly<Record<string, string>> | undefined): ServiceTags {
  const nodeTable = store.table(nodesSchema);
  const byName = new Map<string, { name: string; tags: Set<string> }>();
  for (const service of store.table(servicesSchema).all()) {
    if (nodeMeta !== undefined) {
      const node = nodeTable.get(nodeKey(service.Node));
      if (node === undefined || !matchesNodeMeta(node, nodeMeta)) continue;
    }
    const folded = foldName(service.Service);
    let entry = byName.get(folded);
    if (entry === undefined) {
      entry = { name: service.Service, tags: new Set() };
      byName.set(folded, entry);
    }
    for (const tag of service.Tags) entry.tags.add(tag);
  }
  const value: Record<string, readonly string[]> = {};
  for (const { name, tags } of byName.values()) setOwn(value, name, Object.freeze([...tags].sort()));
  return value;
}

/** Instances found under `value` in the services index `indexName`, joined with their nodes and filtered. */
export function instancesWithNodes(
  store: StateStore,
  indexName: 'service' | 'connect',
  name: string,
  options: ServiceNodesOptions,
): { readonly node: Node; readonly service: ServiceInstance }[] {
  const nodeTable = store.table(nodesSchema);
  const result: { node: Node; service: ServiceInstance }[] = [];
  for (const service of store.table(servicesSchema).lookup(indexName, foldName(name))) {
    if (!hasTags(service, options.tags)) continue;
    const node = nodeTable.get(nodeKey(service.Node));
    assert(node !== undefined, `service ${service.ID} on missing node ${service.Node}`);
    if (!matchesNodeMeta(node, options.nodeMeta)) continue;
    result.push({ node, service });
  }
  return result;
}

/** `/v1/catalog/service/:name`, with Consul's per-service index. */
export function serviceNodes(
  store: StateStore,
  name: string,
  options: ServiceNodesOptions = {},
): QueryResult<readonly CatalogService[]> {
  return catalogInstances(store, 'service', serviceIndexKey(name), name, options);
}

/** `/v1/catalog/connect/:name`: proxies whose destination is `name`, and connect-native instances of `name`. */
export function connectServiceNodes(
  store: StateStore,
  name: string,
  options: ServiceNodesOptions = {},
): QueryResult<readonly CatalogService[]> {
  return catalogInstances(store, 'connect', connectIndexKey(name), name, options);
}

function catalogInstances(
  store: StateStore,
  indexName: 'service' | 'connect',
  key: string,
  name: string,
  options: ServiceNodesOptions,
): QueryResult<readonly CatalogService[]> {
  const exists = store.table(servicesSchema).count(indexName, foldName(name)) > 0;
  const value = instancesWithNodes(store, indexName, name, options).map(({ node, service }) =>
    toCatalogService(node, service),
  );
  return { index: serviceQueryIndex(store, key, exists, false), value, watch: new WatchSet([key]) };
}

/**
 * `/v1/catalog/node/:node`: the node and its services, or null when the node does not exist. Consul's per-node
 * index; a missing node reports the last node deletion, so a query for it blocks until it appears.
 */
export function nodeServices(store: StateStore, node: string): QueryResult<NodeServices | null> {
  const row = store.table(nodesSchema).get(nodeKey(node));
  const key = nodeIndexKey(node);
  const watch = new WatchSet([key]);
  const indexes = store.indexes;
  if (row === undefined) return { index: indexes.get(nodeExtinctionIndexKey), value: null, watch };
  const index = indexes.has(key)
    ? indexes.get(key)
    : indexes.max([tableIndexKey(nodesSchema.name), tableIndexKey(servicesSchema.name)]);
  const list = store.table(servicesSchema).lookup('node', nodeKey(node)).map(toNodeService);
  return { index, value: { Node: row, Services: list }, watch };
}

/** One node row, or null. */
export function getNode(store: StateStore, node: string): QueryResult<Node | null> {
  return {
    index: store.indexes.get(tableIndexKey(nodesSchema.name)),
    value: store.table(nodesSchema).get(nodeKey(node)) ?? null,
    watch: new WatchSet([nodeIndexKey(node)]),
  };
}
