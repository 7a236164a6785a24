// The index table and the names of watch keys. The index table maps a name to the Raft index of the last write
// that touched it: `table:<name>` for whole tables, `service:<name>` for everything a health query of one service
// reads (its instances, their checks, their nodes and node checks; Consul's per-service index, GH-3890),
// `connect:<name>` for the same over the service's proxies and native instances, `service-extinction` for the
// last time any service lost its final instance (the index of a query for a service that does not exist), and
// `node:<name>` / `node-extinction` likewise for one node and its services. Every index name is also a watch
// key; a few keys (node-checks:, checks-state:, coordinate:) are watch-only. Like a table, the map is copy-on-write for snapshots.

import { foldName } from './tables/catalog.js';

export const tableIndexKey = (table: string): string => `table:${table}`;
export const serviceIndexKey = (service: string): string => `service:${foldName(service)}`;
export const connectIndexKey = (service: string): string => `connect:${foldName(service)}`;
export const serviceExtinctionIndexKey = 'service-extinction';

/**
 * Consul's per-node index (`node.<name>`): the node row or any of its services changed. The index of
 * `/v1/catalog/node/:node`; dropped when the node is deleted, which moves `node-extinction`.
 */
export const nodeIndexKey = (node: string): string => `node:${foldName(node)}`;
/** The same key, named for watchers. */
export const nodeWatchKey = nodeIndexKey;
export const nodeExtinctionIndexKey = 'node-extinction';
/** Fires when any check on the node changes. */
export const nodeChecksWatchKey = (node: string): string => `node-checks:${foldName(node)}`;
/** Fires when a check enters or leaves the status (or changes while in it). */
export const checkStatusWatchKey = (status: string): string => `checks-state:${status}`;
export const coordinateWatchKey = (node: string): string => `coordinate:${foldName(node)}`;

export class IndexTable {
  private values = new Map<string, number>();
  private captured = false;

  constructor(entries: Iterable<readonly [string, number]> = []) {
    for (const [key, value] of entries) this.values.set(key, value);
  }

  /** The index of `key`, 0 when never written. */
  get(key: string): number {
    return this.values.get(key) ?? 0;
  }

  has(key: string): boolean {
    return this.values.has(key);
  }

  /** The highest index among `keys`. */
  max(keys: Iterable<string>): number {
    let highest = 0;
    for (const key of keys) highest = Math.max(highest, this.get(key));
    return highest;
  }

  /** The highest index of any entry (the store's latest write). */
  latest(): number {
    let highest = 0;
    for (const value of this.values.values()) highest = Math.max(highest, value);
    return highest;
  }

  /** Sets `key` and returns what it was (undefined when absent). */
  set(key: string, value: number): number | undefined {
    const previous = this.values.get(key);
    this.mutable().set(key, value);
    return previous;
  }

  delete(key: string): number | undefined {
    const previous = this.values.get(key);
    if (previous !== undefined) this.mutable().delete(key);
    return previous;
  }

  capture(): ReadonlyMap<string, number> {
    this.captured = true;
    return this.values;
  }

  private mutable(): Map<string, number> {
    if (this.captured) {
      this.values = new Map(this.values);
      this.captured = false;
    }
    return this.values;
  }
}

/** KV: fires when a key starting with `prefix` (the whole key included) is written or deleted. */
export const kvPrefixWatchKey = (prefix: string): string => `kv-prefix:${prefix}`;
/** Fires when the session is created, destroyed or invalidated. */
export const sessionWatchKey = (id: string): string => `session:${id}`;
/** Fires when any session of the node changes. */
export const nodeSessionsWatchKey = (node: string): string => `node-sessions:${foldName(node)}`;
