// The prepared-query part of a snapshot restore (server/snapshot-restore.ts): commands that delete the live queries
// and recreate the snapshot's with their IDs (after the sessions, which session-bound queries need). Through Raft
// like the rest, so indexes are new ones. A snapshot older than format 4 has no queries: the live ones are removed.

import { type Command, preparedQueryCommand } from './fsm/commands.js';
import type { PreparedQuery } from './state/prepared-query-types.js';
import type { StateStore } from './state/store.js';
import { preparedQueriesSchema } from './state/tables/prepared-queries.js';

export interface PreparedQueryRestorePhases {
  readonly clear: readonly Command[];
  readonly queries: readonly Command[];
}

export function preparedQueryRestorePhases(
  store: StateStore,
  tables: ReadonlyMap<string, readonly unknown[]>,
): PreparedQueryRestorePhases {
  const clear = store
    .table(preparedQueriesSchema)
    .all()
    .map((query) => preparedQueryCommand({ Op: 'delete', Query: query }));
  const queries = ((tables.get(preparedQueriesSchema.name) ?? []) as PreparedQuery[]).map((row) => {
    const { CreateIndex: _created, ModifyIndex: _modified, ...query } = row;
    return preparedQueryCommand({ Op: 'create', Query: query });
  });
  return { clear, queries };
}
