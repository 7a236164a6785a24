// Consul's transactions (state/txn.go): a list of KV, node, service and check operations applied all or
// nothing at one Raft index. Every op runs; each failure is recorded with its position (`OpIndex`) and Consul's
// text, and any failure rolls the whole transaction back. Read-only transactions (gets and checks) run on the
// current store without Raft. Results carry KV values only for `get` / `get-tree`; deletes add no result.

import {
  deleteCheckTxn,
  deleteNodeTxn,
  deleteServiceTxn,
  ensureCheckTxn,
  ensureNodeTxn,
  ensureServiceTxn,
} from './catalog-ops.js';
import { StateStoreError } from './errors.js';
import {
  goQuote,
  KvError,
  kvsDeleteCasTxn,
  kvsDeleteTreeTxn,
  kvsDeleteTxn,
  kvsLockTxn,
  kvsSetCasTxn,
  kvsSetTxn,
  kvsUnlockTxn,
  rowsWithPrefix,
} from './kv-ops.js';
import type { KvEntry } from './kv-types.js';
import { normalizeCheck, normalizeNode, normalizeService } from './normalize.js';
import type { StateStore } from './store.js';
import { checkKey, checksSchema, nodeKey, nodesSchema, serviceKey, servicesSchema } from './tables/catalog.js';
import { kvsSchema } from './tables/kv.js';
import type { WriteTxn } from './txn.js';
import {
  type CatalogTxnVerb,
  isWriteOp,
  type KvTxnOp,
  type TxnError,
  type TxnOp,
  type TxnResponse,
  type TxnResult,
} from './txn-types.js';
import { toNodeService } from './views.js';

export {
  type CatalogTxnVerb,
  catalogTxnVerbs,
  isWriteOp,
  type KvTxnOp,
  type KvTxnVerb,
  kvTxnVerbs,
  type TxnError,
  type TxnOp,
  type TxnResponse,
  type TxnResult,
  txnOpsMax,
} from './txn-types.js';

/** What read ops need: tables only. */
type TxnView = Pick<WriteTxn, 'table'>;

class TxnOpError extends StateStoreError {
  override readonly name: string = 'TxnOpError';
  constructor(message: string) {
    super('ERR_TXN_OP', message);
  }
}

const withoutValue = (entry: KvEntry): KvEntry => (entry.Value === null ? entry : { ...entry, Value: null });

function kvOp(view: TxnView, op: KvTxnOp, results: TxnResult[]): void {
  const txn = view as WriteTxn;
  const key = op.Key;
  const entry = { Key: key, Value: op.Value, Flags: op.Flags, Session: op.Session, ModifyIndex: op.Index };
  const kvs = view.table(kvsSchema);
  const push = (row: KvEntry | null | undefined, keepValue = false): void => {
    if (row) results.push({ KV: keepValue ? row : withoutValue(row) });
  };
  switch (op.Verb) {
    case 'set':
      push(kvsSetTxn(txn, entry, false));
      return;
    case 'cas': {
      const row = kvsSetCasTxn(txn, entry);
      if (row === null) throw new TxnOpError(`failed to set key ${goQuote(key)}, index is stale`);
      push(row);
      return;
    }
    case 'lock': {
      const row = kvsLockTxn(txn, entry);
      if (row === null) throw new TxnOpError(`failed to lock key ${goQuote(key)}, lock is already held`);
      push(row);
      return;
    }
    case 'unlock': {
      const row = kvsUnlockTxn(txn, entry);
      if (row === null)
        throw new TxnOpError(`failed to unlock key ${goQuote(key)}, lock isn't held, or is held by another session`);
      push(row);
      return;
    }
    case 'get': {
      const row = kvs.get(key);
      if (row === undefined) throw new TxnOpError(`key ${goQuote(key)} doesn't exist`);
      push(row, true);
      return;
    }
    case 'get-or-empty':
      // Consul answers a missing key with the op's own entry, value cleared, so results stay one per op.
      push(kvs.get(key) ?? { ...entry, Value: null, LockIndex: 0, CreateIndex: 0 }, true);
      return;
    case 'get-tree':
      for (const row of rowsWithPrefix(kvs.all(), key)) push(row, true);
      return;
    case 'check-index': {
      const row = kvs.get(key);
      if (row === undefined) throw new TxnOpError(`failed to check index, key ${goQuote(key)} doesn't exist`);
      if (row.ModifyIndex !== op.Index)
        throw new TxnOpError(
          `failed index check for key ${goQuote(key)}, current modify index ${row.ModifyIndex} != ${op.Index}`,
        );
      push(row);
      return;
    }
    case 'check-session': {
      const row = kvs.get(key);
      if (row === undefined) throw new TxnOpError(`failed to check session, key ${goQuote(key)} doesn't exist`);
      if (row.Session !== op.Session)
        throw new TxnOpError(
          `failed session check for key ${goQuote(key)}, current session ${goQuote(row.Session)} != ${goQuote(op.Session)}`,
        );
      push(row);
      return;
    }
    case 'check-not-exists':
      if (kvs.get(key) !== undefined) throw new TxnOpError(`key ${goQuote(key)} exists`);
      return;
    case 'delete':
      kvsDeleteTxn(txn, key);
      return;
    case 'delete-tree':
      kvsDeleteTreeTxn(txn, key);
      return;
    case 'delete-cas':
      if (!kvsDeleteCasTxn(txn, key, op.Index))
        throw new TxnOpError(`failed to delete key ${goQuote(key)}, index is stale`);
      return;
  }
}

const modifyIndexOf = (fields: Readonly<Record<string, unknown>>): number => {
  const value = fields['ModifyIndex'];
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : 0;
};

/** Consul's catalog cas: index 0 means "only if absent", otherwise the row's ModifyIndex must match. */
const casSetAllowed = (
  existing: { readonly ModifyIndex: number } | undefined,
  fields: Readonly<Record<string, unknown>>,
) => (existing === undefined ? modifyIndexOf(fields) === 0 : existing.ModifyIndex === modifyIndexOf(fields));

/** Consul's delete-cas: the row must exist and its ModifyIndex match. */
const casDeleteAllowed = (
  existing: { readonly ModifyIndex: number } | undefined,
  fields: Readonly<Record<string, unknown>>,
) => existing !== undefined && existing.ModifyIndex === modifyIndexOf(fields);

function nodeOp(
  view: TxnView,
  verb: CatalogTxnVerb,
  fields: Readonly<Record<string, unknown>>,
  results: TxnResult[],
): void {
  const txn = view as WriteTxn;
  const name = typeof fields['Node'] === 'string' ? fields['Node'] : '';
  const nodes = view.table(nodesSchema);
  const existing = nodes.get(nodeKey(name));
  const stale = (what: string): TxnOpError => new TxnOpError(`failed to ${what} node ${goQuote(name)}, index is stale`);
  switch (verb) {
    case 'get':
      if (existing === undefined) throw new TxnOpError(`node ${goQuote(name)} doesn't exist`);
      results.push({ Node: existing });
      return;
    case 'cas':
    case 'set': {
      if (verb === 'cas' && !casSetAllowed(existing, fields)) throw stale('set');
      const node = normalizeNode(fields);
      ensureNodeTxn(txn, node);
      const row = nodes.get(nodeKey(node.Node));
      if (row) results.push({ Node: row });
      return;
    }
    case 'delete-cas':
      if (!casDeleteAllowed(existing, fields)) throw stale('delete');
      deleteNodeTxn(txn, name);
      return;
    case 'delete':
      deleteNodeTxn(txn, name);
      return;
  }
}

function serviceOp(
  view: TxnView,
  verb: CatalogTxnVerb,
  node: string,
  fields: Readonly<Record<string, unknown>>,
  results: TxnResult[],
): void {
  const txn = view as WriteTxn;
  const id = typeof fields['ID'] === 'string' && fields['ID'] !== '' ? fields['ID'] : String(fields['Service'] ?? '');
  const services = view.table(servicesSchema);
  const existing = services.get(serviceKey(node, id));
  const stale = (what: string): TxnOpError =>
    new TxnOpError(`failed to ${what} service ${goQuote(id)} on node ${goQuote(node)}, index is stale`);
  switch (verb) {
    case 'get':
      if (existing === undefined) throw new TxnOpError(`service ${goQuote(id)} on node ${goQuote(node)} doesn't exist`);
      results.push({ Service: toNodeService(existing) });
      return;
    case 'cas':
    case 'set': {
      if (verb === 'cas' && !casSetAllowed(existing, fields)) throw stale('set');
      const service = normalizeService(fields, node);
      ensureServiceTxn(txn, service);
      const row = services.get(serviceKey(node, service.ID));
      if (row) results.push({ Service: toNodeService(row) });
      return;
    }
    case 'delete-cas':
      if (!casDeleteAllowed(existing, fields)) throw stale('delete');
      deleteServiceTxn(txn, node, id);
      return;
    case 'delete':
      deleteServiceTxn(txn, node, id);
      return;
  }
}

function checkOp(
  view: TxnView,
  verb: CatalogTxnVerb,
  fields: Readonly<Record<string, unknown>>,
  results: TxnResult[],
): void {
  const txn = view as WriteTxn;
  const node = typeof fields['Node'] === 'string' ? fields['Node'] : '';
  const id =
    typeof fields['CheckID'] === 'string' && fields['CheckID'] !== ''
      ? fields['CheckID']
      : String(fields['Name'] ?? '');
  const checks = view.table(checksSchema);
  const existing = checks.get(checkKey(node, id));
  const stale = (what: string): TxnOpError =>
    new TxnOpError(`failed to ${what} check ${goQuote(id)} on node ${goQuote(node)}, index is stale`);
  switch (verb) {
    case 'get':
      if (existing === undefined) throw new TxnOpError(`check ${goQuote(id)} on node ${goQuote(node)} doesn't exist`);
      results.push({ Check: existing });
      return;
    case 'cas':
    case 'set': {
      if (verb === 'cas' && !casSetAllowed(existing, fields)) throw stale('set');
      const check = normalizeCheck(fields, node);
      ensureCheckTxn(txn, check);
      const row = checks.get(checkKey(node, check.CheckID));
      if (row) results.push({ Check: row });
      return;
    }
    case 'delete-cas':
      if (!casDeleteAllowed(existing, fields)) throw stale('delete');
      deleteCheckTxn(txn, node, id);
      return;
    case 'delete':
      deleteCheckTxn(txn, node, id);
      return;
  }
}

/** Runs every op in order against `view`, collecting results and per-op errors. */
function runOps(view: TxnView, ops: readonly TxnOp[]): { results: TxnResult[]; errors: TxnError[] } {
  const results: TxnResult[] = [];
  const errors: TxnError[] = [];
  ops.forEach((op, position) => {
    try {
      if ('KV' in op) kvOp(view, op.KV, results);
      else if ('Node' in op) nodeOp(view, op.Node.Verb, op.Node.Node, results);
      else if ('Service' in op) serviceOp(view, op.Service.Verb, op.Service.Node, op.Service.Service, results);
      else checkOp(view, op.Check.Verb, op.Check.Check, results);
    } catch (error) {
      if (!(error instanceof StateStoreError)) throw error;
      errors.push({ OpIndex: position, What: error.message });
    }
  });
  return { results, errors };
}

class Rollback extends Error {
  constructor(readonly errors: TxnError[]) {
    super('transaction rolled back');
  }
}

/** Applies a transaction at `index`: every op or none. */
export function applyTxn(store: StateStore, index: number, ops: readonly TxnOp[]): TxnResponse {
  try {
    return store.write(index, (txn) => {
      const { results, errors } = runOps(txn, ops);
      if (errors.length > 0) throw new Rollback(errors);
      return { Results: results, Errors: null };
    });
  } catch (error) {
    if (error instanceof Rollback) return { Results: null, Errors: error.errors };
    throw error;
  }
}

/**
 * Consul's Txn preCheck (kvsPreApply for each KV op), run by the endpoint before a transaction is applied or read:
 * every KV op names a key (delete-tree may take the whole store), and a lock on a key still inside an invalidated
 * session's lock delay is refused, as KVS.Apply refuses the acquire. Lock delays are wall-clock state kept in
 * memory by the server, so this is checked before Raft, never in the FSM. Empty when the ops may go on.
 */
export function txnPreCheck(ops: readonly TxnOp[], lockDelayRemainingMs: (key: string) => number): TxnError[] {
  const errors: TxnError[] = [];
  ops.forEach((op, position) => {
    if (!('KV' in op)) return;
    const { Verb: verb, Key: key } = op.KV;
    if (key === '' && verb !== 'delete-tree') errors.push({ OpIndex: position, What: 'Must provide key' });
    else if (verb === 'lock' && lockDelayRemainingMs(key) > 0)
      errors.push({ OpIndex: position, What: `failed to lock key ${goQuote(key)} due to lock delay` });
  });
  return errors;
}

/** A read-only transaction over the store as it is (Consul TxnRO); refuses write ops as programmer errors. */
export function readTxn(store: StateStore, ops: readonly TxnOp[]): TxnResponse {
  if (ops.some(isWriteOp)) throw new KvError('read-only transaction holds a write');
  const { results, errors } = runOps({ table: (schema) => store.table(schema) }, ops);
  return errors.length > 0 ? { Results: null, Errors: errors } : { Results: results, Errors: null };
}
