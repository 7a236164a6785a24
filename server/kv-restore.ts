// The KV and session part of a snapshot restore (server/snapshot-restore.ts): commands that clear the live KV
// store, recreate the snapshot's sessions (after the catalog, whose nodes and checks they need) and write its
// entries, locked ones acquired by their restored session. Like the catalog restore it goes through Raft, so
// indexes are new ones; LockIndex restarts at 1 for a held key; the leader's TTL timers pick up the restored
// sessions from the table.

import { type Command, kvCommand, sessionCommand } from './fsm/commands.js';
import { kvsMaxIndex } from './state/kv-ops.js';
import type { KvEntry, Session } from './state/kv-types.js';
import type { StateStore } from './state/store.js';

export interface KvRestorePhases {
  /** Empties the live KV store (sessions go with their nodes in the catalog's deregistrations). */
  readonly clear: readonly Command[];
  readonly sessions: readonly Command[];
  readonly entries: readonly Command[];
}

export function kvRestorePhases(store: StateStore, tables: ReadonlyMap<string, readonly unknown[]>): KvRestorePhases {
  const clear = kvsMaxIndex(store) > 0 ? [kvCommand({ Op: 'delete-tree', DirEnt: { Key: '' } })] : [];
  const sessions = ((tables.get('sessions') ?? []) as Session[]).map((session) => {
    const { CreateIndex: _created, ModifyIndex: _modified, ...fields } = session;
    return sessionCommand({ Op: 'create', Session: fields });
  });
  const entries = ((tables.get('kvs') ?? []) as KvEntry[]).map((entry) =>
    kvCommand({
      Op: entry.Session === '' ? 'set' : 'lock',
      DirEnt: { Key: entry.Key, Flags: entry.Flags, Value: entry.Value, Session: entry.Session },
    }),
  );
  return { clear, sessions, entries };
}
