// KV writes with Consul's state-store semantics (kvs.go): set (session kept, CreateIndex kept, unchanged
// entries not rewritten), check-and-set, lock and unlock with sessions, delete, delete-CAS and tree delete, each
// leaving a tombstone so the index of a prefix read counts deletes; and tombstone reaping. The *Txn functions
// compose inside one store transaction; validation failures throw KvError with Consul's text.

import { InvalidWriteError, StateStoreError } from './errors.js';
import { kvPrefixWatchKey, tableIndexKey } from './indexes.js';
import type { KvEntry, KvWriteEntry, Tombstone } from './kv-types.js';
import type { StateStore } from './store.js';
import { kvsSchema, sessionsSchema, tombstonesSchema } from './tables/kv.js';
import type { WriteTxn } from './txn.js';

/** A KV operation refused with Consul's text (`missing session`, `invalid session "x"`): HTTP 500 as in Consul. */
export class KvError extends StateStoreError {
  override readonly name: string = 'KvError';
  constructor(message: string, options?: ErrorOptions) {
    super('ERR_KV', message, options);
  }
}

/** Go's %#v of a string: Consul's `invalid session "id"`. */
export const goQuote = (text: string): string => JSON.stringify(text);

/** Fires the watchers of every prefix of `key` (a prefix read of "a/" wakes on "a/b"), and the table's. */
function touchKey(txn: WriteTxn, key: string): void {
  for (let length = 0; length <= key.length; length++) txn.touch(kvPrefixWatchKey(key.slice(0, length)));
}

function writeEntry(txn: WriteTxn, row: KvEntry): void {
  txn.put(kvsSchema, row);
  txn.bumpIndex(tableIndexKey(kvsSchema.name));
  touchKey(txn, row.Key);
}

function sameEntry(a: KvEntry, b: KvEntry): boolean {
  return (
    a.Key === b.Key &&
    a.Flags === b.Flags &&
    a.Value === b.Value &&
    a.Session === b.Session &&
    a.LockIndex === b.LockIndex
  );
}

const storedValue = (entry: KvWriteEntry): string | null =>
  entry.Value === undefined || entry.Value === null || entry.Value === '' ? null : entry.Value;

/**
 * kvsSetTxn: writes `entry` keeping the existing CreateIndex and, unless `updateSession`, the existing lock
 * holder. An entry equal to the stored one is not rewritten (ModifyIndex stays). Returns the stored row.
 */
export function kvsSetTxn(
  txn: WriteTxn,
  entry: KvWriteEntry & { readonly LockIndex?: number },
  updateSession: boolean,
): KvEntry {
  const existing = txn.table(kvsSchema).get(entry.Key);
  const candidate: KvEntry = {
    Key: entry.Key,
    Flags: entry.Flags ?? 0,
    Value: storedValue(entry),
    Session: updateSession ? (entry.Session ?? '') : (existing?.Session ?? ''),
    LockIndex: entry.LockIndex ?? existing?.LockIndex ?? 0,
    CreateIndex: existing?.CreateIndex ?? txn.index,
    ModifyIndex: txn.index,
  };
  if (existing !== undefined && sameEntry(existing, candidate)) return existing;
  writeEntry(txn, candidate);
  return candidate;
}

/** kvsSetCASTxn: ModifyIndex 0 = only if absent; n = only if the key's ModifyIndex is n. */
export function kvsSetCasTxn(txn: WriteTxn, entry: KvWriteEntry): KvEntry | null {
  const existing = txn.table(kvsSchema).get(entry.Key);
  const expected = entry.ModifyIndex ?? 0;
  if (expected === 0 && existing !== undefined) return null;
  if (expected !== 0 && (existing === undefined || existing.ModifyIndex !== expected)) return null;
  return kvsSetTxn(txn, entry, false);
}

/** kvsLockTxn: acquires `entry.Key` for `entry.Session`; null when another session holds it. */
export function kvsLockTxn(txn: WriteTxn, entry: KvWriteEntry): KvEntry | null {
  const session = entry.Session ?? '';
  if (session === '') throw new KvError('missing session');
  if (txn.table(sessionsSchema).get(session) === undefined) throw new KvError(`invalid session ${goQuote(session)}`);
  const existing = txn.table(kvsSchema).get(entry.Key);
  let lockIndex = 1;
  if (existing !== undefined) {
    if (existing.Session === session) lockIndex = existing.LockIndex;
    else if (existing.Session !== '') return null;
    else lockIndex = existing.LockIndex + 1;
  }
  return kvsSetTxn(txn, { ...entry, Session: session, LockIndex: lockIndex }, true);
}

/** kvsUnlockTxn: releases `entry.Key` if `entry.Session` holds it; null otherwise. */
export function kvsUnlockTxn(txn: WriteTxn, entry: KvWriteEntry): KvEntry | null {
  const session = entry.Session ?? '';
  if (session === '') throw new KvError('missing session');
  const existing = txn.table(kvsSchema).get(entry.Key);
  if (existing === undefined || existing.Session !== session) return null;
  return kvsSetTxn(txn, { ...entry, Session: '', LockIndex: existing.LockIndex }, true);
}

function bury(txn: WriteTxn, key: string): void {
  const stone: Tombstone = { Key: key, Index: txn.index };
  txn.put(tombstonesSchema, stone);
  txn.bumpIndex(tableIndexKey(tombstonesSchema.name));
}

/** kvsDeleteTxn: deletes one key, leaving a tombstone; false when it did not exist. */
export function kvsDeleteTxn(txn: WriteTxn, key: string): boolean {
  const existing = txn.delete(kvsSchema, key);
  if (existing === undefined) return false;
  bury(txn, key);
  txn.bumpIndex(tableIndexKey(kvsSchema.name));
  touchKey(txn, key);
  return true;
}

/** kvsDeleteCASTxn: deletes only if the key's ModifyIndex is `index`; an absent key counts as done (true). */
export function kvsDeleteCasTxn(txn: WriteTxn, key: string, index: number): boolean {
  const existing = txn.table(kvsSchema).get(key);
  if (existing === undefined) return true;
  if (existing.ModifyIndex !== index) return false;
  return kvsDeleteTxn(txn, key);
}

/** The rows whose key starts with `prefix`, in key order (binary search into the sorted table). */
export function rowsWithPrefix<Row extends { readonly Key: string }>(rows: readonly Row[], prefix: string): Row[] {
  if (prefix === '') return [...rows];
  let low = 0;
  let high = rows.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((rows[middle] as Row).Key < prefix) low = middle + 1;
    else high = middle;
  }
  const found: Row[] = [];
  for (let position = low; position < rows.length; position++) {
    const row = rows[position] as Row;
    if (!row.Key.startsWith(prefix)) break;
    found.push(row);
  }
  return found;
}

/** kvsDeleteTreeTxn: deletes every key under `prefix`, leaving one tombstone for the prefix; false if none. */
export function kvsDeleteTreeTxn(txn: WriteTxn, prefix: string): boolean {
  const doomed = rowsWithPrefix(txn.table(kvsSchema).all(), prefix);
  if (doomed.length === 0) return false;
  for (const row of doomed) {
    txn.delete(kvsSchema, row.Key);
    touchKey(txn, row.Key);
  }
  bury(txn, prefix);
  txn.bumpIndex(tableIndexKey(kvsSchema.name));
  return true;
}

/** Deletes tombstones at or below `reapIndex` (Consul's ReapTombstones); returns how many went. */
export function reapTombstonesTxn(txn: WriteTxn, reapIndex: number): number {
  let reaped = 0;
  for (const stone of [...txn.table(tombstonesSchema).all()]) {
    if (stone.Index > reapIndex) continue;
    txn.delete(tombstonesSchema, stone.Key);
    reaped++;
  }
  if (reaped > 0) txn.bumpIndex(tableIndexKey(tombstonesSchema.name));
  return reaped;
}

/** A KV key must be given and must not start with '/' (Consul's KVS endpoint refuses both). */
export function validateKey(key: unknown, allowEmpty: boolean): string {
  if (typeof key !== 'string') throw new InvalidWriteError('Key must be a string');
  if (key === '' && !allowEmpty) throw new InvalidWriteError('Must provide key');
  return key;
}

/** The store's whole KV index: the last write or delete anywhere (Consul kvsMaxIndex: kvs and tombstones). */
export function kvsMaxIndex(store: Pick<StateStore, 'indexes'>): number {
  return store.indexes.max([tableIndexKey(kvsSchema.name), tableIndexKey(tombstonesSchema.name)]);
}
