// The prepared-query FSM command (Consul fsm preparedQueryOperation): the payload came from the Raft log, so its
// types are checked again before create/update writes the query or delete removes it, each as one transaction.

import { InvalidWriteError } from './errors.js';
import { normalizePreparedQuery } from './prepared-query-normalize.js';
import { preparedQueryDeleteTxn, preparedQuerySetTxn } from './prepared-query-ops.js';
import type { StateStore } from './store.js';

/** Applies one PreparedQuery.Apply at `index`; answers the query's ID. */
export function preparedQueryApply(store: StateStore, index: number, request: unknown): string {
  const op = (request as { Op?: unknown } | null)?.Op;
  const query = normalizePreparedQuery((request as { Query?: unknown } | null)?.Query);
  switch (op) {
    case 'create':
    case 'update':
      return store.write(index, (txn) => preparedQuerySetTxn(txn, query)).ID;
    case 'delete':
      store.write(index, (txn) => preparedQueryDeleteTxn(txn, query.ID));
      return query.ID;
    default:
      throw new InvalidWriteError(`Unknown prepared query operation: ${String(op)}`);
  }
}
