// The Connect part of a snapshot restore (server/snapshot-restore.ts): commands that delete the live config entries,
// write the snapshot's (defaults first, so intentions with L7 permissions find their protocol), and replace the CA
// configuration and roots with the snapshot's. A snapshot without a CA (format 2 and older) leaves the live CA
// alone: a cluster is never left without roots. Through Raft like the rest, so indexes are new ones.

import { type Command, caRootsCommand, configEntryCommand } from './fsm/commands.js';
import type { StateStore } from './state/store.js';
import type { CaConfigRow, CaRootRow, ConfigEntryRow } from './state/tables/connect.js';
import { caConfigSchema, caRootsSchema, configEntriesSchema } from './state/tables/connect.js';

export interface ConnectRestorePhases {
  readonly clear: readonly Command[];
  /** service-defaults and proxy-defaults. */
  readonly defaults: readonly Command[];
  /** service-intentions, and the CA when the snapshot has one. */
  readonly rest: readonly Command[];
}

const defaultsKinds = new Set(['service-defaults', 'proxy-defaults']);

export function connectRestorePhases(
  store: StateStore,
  tables: ReadonlyMap<string, readonly unknown[]>,
): ConnectRestorePhases {
  const clear = store
    .table(configEntriesSchema)
    .all()
    .map((entry) => configEntryCommand({ Op: 'delete', Kind: entry.Kind, Name: entry.Name }));
  const entries = (tables.get(configEntriesSchema.name) ?? []) as ConfigEntryRow[];
  const upsert = (entry: ConfigEntryRow): Command => {
    const { CreateIndex: _created, ModifyIndex: _modified, ...fields } = entry;
    return configEntryCommand({ Op: 'upsert', Entry: fields });
  };
  const defaults = entries.filter((entry) => defaultsKinds.has(entry.Kind)).map(upsert);
  const rest = entries.filter((entry) => !defaultsKinds.has(entry.Kind)).map(upsert);
  const [config] = (tables.get(caConfigSchema.name) ?? []) as CaConfigRow[];
  const roots = (tables.get(caRootsSchema.name) ?? []) as CaRootRow[];
  if (config !== undefined && roots.some((root) => root.Active)) {
    const { CreateIndex: _created, ModifyIndex: _modified, ...fields } = config;
    rest.push(caRootsCommand({ Config: fields, Roots: roots }));
  }
  return { clear, defaults, rest };
}
