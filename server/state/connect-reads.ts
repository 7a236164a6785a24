// Connect reads: config entries one by one and by kind, intentions (from service-intentions entries, in precedence
// order), and the CA roots and configuration. Every config-entry read answers the config-entries table index
// (Consul's), the roots read the roots table index; signing keys never leave this file through a read.

import { type CaRoot, type Intention, sortIntentions } from '../../connect/index.js';
import { allIntentions, configEntryWatchKey, configKindWatchKey } from './connect-ops.js';
import { tableIndexKey } from './indexes.js';
import type { QueryResult, StateStore } from './store.js';
import {
  type CaConfigRow,
  type CaRootRow,
  type ConfigEntryRow,
  caConfigKey,
  caConfigSchema,
  caRootsSchema,
  configEntriesSchema,
  configEntryKey,
} from './tables/connect.js';
import { WatchSet } from './watch.js';

const entriesIndex = (store: StateStore): number => store.indexes.get(tableIndexKey(configEntriesSchema.name));

export function configEntryGet(store: StateStore, kind: string, name: string): QueryResult<ConfigEntryRow | null> {
  return {
    index: entriesIndex(store),
    value: store.table(configEntriesSchema).get(configEntryKey(kind, name)) ?? null,
    watch: new WatchSet([configEntryWatchKey(kind, name)]),
  };
}

/** Entries of one kind in name order; kind '' lists every entry. */
export function configEntryList(store: StateStore, kind: string): QueryResult<readonly ConfigEntryRow[]> {
  const table = store.table(configEntriesSchema);
  return {
    index: entriesIndex(store),
    value: kind === '' ? table.all() : table.lookup('kind', kind),
    watch: new WatchSet([kind === '' ? tableIndexKey(configEntriesSchema.name) : configKindWatchKey(kind)]),
  };
}

/** Every intention, most specific first (Consul's IntentionList order). */
export function intentionList(store: StateStore): QueryResult<readonly Intention[]> {
  return {
    index: entriesIndex(store),
    value: sortIntentions(allIntentions(store)),
    watch: new WatchSet([configKindWatchKey('service-intentions')]),
  };
}

export interface CaRootsReply {
  readonly ActiveRootID: string;
  readonly TrustDomain: string;
  readonly Roots: readonly CaRoot[];
}

/** The public part of a root row. */
export function publicRoot(row: CaRootRow): CaRoot {
  const { SigningKey: _key, RotatedOutAtMs: _rotated, ...root } = row;
  return root;
}

export function caRoots(store: StateStore): QueryResult<CaRootsReply> {
  const rows = store.table(caRootsSchema).all();
  const config = store.table(caConfigSchema).get(caConfigKey);
  const active = rows.find((row) => row.Active);
  // Oldest first, as Consul lists them (by creation).
  const ordered = [...rows].sort((a, b) => a.CreateIndex - b.CreateIndex || a.SerialNumber - b.SerialNumber);
  return {
    index: store.indexes.get(tableIndexKey(caRootsSchema.name)),
    value: {
      ActiveRootID: active?.ID ?? '',
      TrustDomain: config ? `${config.ClusterID}.consul` : '',
      Roots: ordered.map(publicRoot),
    },
    watch: new WatchSet([tableIndexKey(caRootsSchema.name)]),
  };
}

export function caConfig(store: StateStore): QueryResult<CaConfigRow | null> {
  return {
    index: store.indexes.get(tableIndexKey(caConfigSchema.name)),
    value: store.table(caConfigSchema).get(caConfigKey) ?? null,
    watch: new WatchSet([tableIndexKey(caConfigSchema.name)]),
  };
}

/** The active root with its signing key (servers only), or null before the CA is initialized. */
export function activeCaRoot(store: StateStore): CaRootRow | null {
  return (
    store
      .table(caRootsSchema)
      .all()
      .find((row) => row.Active) ?? null
  );
}
