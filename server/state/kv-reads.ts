// KV and session reads with Consul's index rules (reference §2.2): a found key answers its ModifyIndex, a missing
// one the KV table index (kvs and tombstones) so it wakes on creation; prefix lists and key lists answer the
// highest ModifyIndex under the prefix, tombstones included so deletes advance it, else the table index. Each
// read watches only the prefix it read (a write to "b/" never wakes a watcher of "a/").

import { kvPrefixWatchKey, nodeSessionsWatchKey, sessionWatchKey, tableIndexKey } from './indexes.js';
import { kvsMaxIndex, rowsWithPrefix } from './kv-ops.js';
import type { KvEntry, Session } from './kv-types.js';
import type { QueryResult, StateStore } from './store.js';
import { foldName } from './tables/catalog.js';
import { kvsSchema, sessionsSchema, tombstonesSchema } from './tables/kv.js';
import { WatchSet } from './watch.js';

/** One key: the entry or null. */
export function kvsGet(store: StateStore, key: string): QueryResult<KvEntry | null> {
  const entry = store.table(kvsSchema).get(key) ?? null;
  const watch = new WatchSet([kvPrefixWatchKey(key)]);
  return { index: entry?.ModifyIndex ?? kvsMaxIndex(store), value: entry, watch };
}

function prefixIndex(store: StateStore, prefix: string, entries: readonly { readonly ModifyIndex: number }[]): number {
  if (prefix === '') return kvsMaxIndex(store);
  let highest = 0;
  for (const entry of entries) highest = Math.max(highest, entry.ModifyIndex);
  for (const stone of rowsWithPrefix(store.table(tombstonesSchema).all(), prefix))
    highest = Math.max(highest, stone.Index);
  return highest === 0 ? kvsMaxIndex(store) : highest;
}

/** Every entry under `prefix`, in key order. */
export function kvsList(store: StateStore, prefix: string): QueryResult<readonly KvEntry[]> {
  const entries = rowsWithPrefix(store.table(kvsSchema).all(), prefix);
  return {
    index: prefixIndex(store, prefix, entries),
    value: entries,
    watch: new WatchSet([kvPrefixWatchKey(prefix)]),
  };
}

/**
 * The keys under `prefix`; with a separator, a key with the separator after the prefix collapses to the part up to
 * and including it, listed once (Consul KVSListKeys).
 */
export function kvsListKeys(store: StateStore, prefix: string, separator: string): QueryResult<readonly string[]> {
  const entries = rowsWithPrefix(store.table(kvsSchema).all(), prefix);
  const keys: string[] = [];
  let previous: string | null = null;
  for (const entry of entries) {
    let key = entry.Key;
    if (separator !== '') {
      const at = key.indexOf(separator, prefix.length);
      if (at >= 0) key = key.slice(0, at + separator.length);
    }
    if (key === previous) continue;
    keys.push(key);
    previous = key;
  }
  return { index: prefixIndex(store, prefix, entries), value: keys, watch: new WatchSet([kvPrefixWatchKey(prefix)]) };
}

const sessionsIndex = (store: StateStore): number => store.indexes.get(tableIndexKey(sessionsSchema.name));

export function sessionGet(store: StateStore, id: string): QueryResult<Session | null> {
  const session = store.table(sessionsSchema).get(id) ?? null;
  return { index: sessionsIndex(store), value: session, watch: new WatchSet([sessionWatchKey(id)]) };
}

export function sessionList(store: StateStore): QueryResult<readonly Session[]> {
  return {
    index: sessionsIndex(store),
    value: store.table(sessionsSchema).all(),
    watch: new WatchSet([tableIndexKey(sessionsSchema.name)]),
  };
}

export function nodeSessions(store: StateStore, node: string): QueryResult<readonly Session[]> {
  return {
    index: sessionsIndex(store),
    value: store.table(sessionsSchema).lookup('node', foldName(node)),
    watch: new WatchSet([nodeSessionsWatchKey(node)]),
  };
}
