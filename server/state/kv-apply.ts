// The KV and session writes as the FSM applies them (Consul's fsm applyKVSOperation / applySessionOperation):
// each request validated (it came from the Raft log, so from the network once), then run as one transaction.
// KV answers true/false (a failed CAS or a lock held elsewhere is false, not an error); session create
// answers the ID.

import { formatDuration, parseDuration } from '../../lib/duration.js';
import { InvalidWriteError } from './errors.js';
import {
  KvError,
  kvsDeleteCasTxn,
  kvsDeleteTreeTxn,
  kvsDeleteTxn,
  kvsLockTxn,
  kvsSetCasTxn,
  kvsSetTxn,
  kvsUnlockTxn,
  reapTombstonesTxn,
  validateKey,
} from './kv-ops.js';
import {
  type KvFlags,
  type KvWriteEntry,
  type KvWriteVerb,
  kvFlagsFromText,
  type SessionBehavior,
  type SessionCreateFields,
  type SessionServiceCheck,
} from './kv-types.js';
import { sessionCreateTxn, sessionDestroyTxn, sessionTtlMsMax, sessionTtlMsMin } from './session-ops.js';
import type { StateStore } from './store.js';

type Fields = Readonly<Record<string, unknown>>;
const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const kvWriteVerbs: readonly KvWriteVerb[] = [
  'set',
  'cas',
  'lock',
  'unlock',
  'delete',
  'delete-cas',
  'delete-tree',
];

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new InvalidWriteError(`${field} must be a string`);
  return value;
}

function optionalCount(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new InvalidWriteError(`${field} must be a non-negative integer`);
  return value;
}

/** DirEnt.Flags: a safe non-negative integer, or the decimal text of a larger uint64 (exact beyond 2^53). */
function optionalFlags(value: unknown): KvFlags | undefined {
  if (typeof value === 'string') {
    const flags = kvFlagsFromText(value);
    if (flags === undefined) throw new InvalidWriteError('DirEnt.Flags must be an unsigned 64-bit integer');
    return flags;
  }
  return optionalCount(value, 'DirEnt.Flags');
}

/** A KVS.Apply request, validated: a known verb and a DirEnt of the right field types. */
export function normalizeKvApply(request: unknown): { readonly Op: KvWriteVerb; readonly DirEnt: KvWriteEntry } {
  if (!isObject(request)) throw new InvalidWriteError('KV request must be an object');
  const op = request['Op'];
  if (typeof op !== 'string' || !(kvWriteVerbs as readonly string[]).includes(op))
    throw new InvalidWriteError(`Invalid KV operation ${JSON.stringify(op)}`);
  const entry = request['DirEnt'];
  if (!isObject(entry)) throw new InvalidWriteError('DirEnt must be an object');
  const key = validateKey(entry['Key'], op === 'delete-tree');
  const value = optionalString(entry['Value'], 'DirEnt.Value');
  const flags = optionalFlags(entry['Flags']);
  const session = optionalString(entry['Session'], 'DirEnt.Session');
  const modifyIndex = optionalCount(entry['ModifyIndex'], 'DirEnt.ModifyIndex');
  return {
    Op: op as KvWriteVerb,
    DirEnt: {
      Key: key,
      ...(value === undefined ? {} : { Value: value }),
      ...(flags === undefined ? {} : { Flags: flags }),
      ...(session === undefined ? {} : { Session: session }),
      ...(modifyIndex === undefined ? {} : { ModifyIndex: modifyIndex }),
    },
  };
}

/** Applies one KV write at `index`: true when it took effect. */
export function kvsApply(store: StateStore, index: number, request: unknown): boolean {
  const { Op: op, DirEnt: entry } = normalizeKvApply(request);
  return store.write(index, (txn) => {
    switch (op) {
      case 'set':
        kvsSetTxn(txn, entry, false);
        return true;
      case 'cas':
        return kvsSetCasTxn(txn, entry) !== null;
      case 'lock':
        return kvsLockTxn(txn, entry) !== null;
      case 'unlock':
        return kvsUnlockTxn(txn, entry) !== null;
      case 'delete':
        kvsDeleteTxn(txn, entry.Key);
        return true;
      case 'delete-cas':
        return kvsDeleteCasTxn(txn, entry.Key, entry.ModifyIndex ?? 0);
      case 'delete-tree':
        kvsDeleteTreeTxn(txn, entry.Key);
        return true;
    }
  });
}

/** Deletes tombstones at or below `reapIndex`; the count. */
export function reapTombstones(store: StateStore, index: number, reapIndex: unknown): number {
  if (typeof reapIndex !== 'number' || !Number.isSafeInteger(reapIndex) || reapIndex < 0)
    throw new InvalidWriteError('ReapIndex must be a non-negative integer');
  return store.write(index, (txn) => reapTombstonesTxn(txn, reapIndex));
}

/** Consul's session TTL check: '' (none), or a Go duration within [10s, 24h] (0 counts as none). */
export function validateSessionTtl(ttl: string): string {
  if (ttl === '') return '';
  let ttlMs: number;
  try {
    ttlMs = parseDuration(ttl);
  } catch (error) {
    // Go's time.ParseDuration error text, as Session.Apply wraps it.
    throw new KvError(`Session TTL '${ttl}' invalid: time: ${(error as Error).message}`, { cause: error });
  }
  if (ttlMs === 0) return '';
  if (ttlMs < sessionTtlMsMin || ttlMs > sessionTtlMsMax)
    throw new KvError(`Invalid Session TTL '${Math.round(ttlMs * 1e6)}', must be between [10s=24h0m0s]`);
  return formatDuration(ttlMs);
}

function stringList(value: unknown, field: string): string[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string'))
    throw new InvalidWriteError(`${field} must be a list of strings`);
  return value;
}

function serviceChecks(value: unknown): SessionServiceCheck[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) throw new InvalidWriteError('ServiceChecks must be a list');
  return value.map((item, position) => {
    if (!isObject(item) || typeof item['ID'] !== 'string')
      throw new InvalidWriteError(`ServiceChecks[${position}] must have an ID`);
    return { ID: item['ID'], Namespace: typeof item['Namespace'] === 'string' ? item['Namespace'] : '' };
  });
}

/** A session to create, validated (ID, node, behavior, TTL, lock delay in nanoseconds, bound checks). */
export function normalizeSession(value: unknown): SessionCreateFields {
  if (!isObject(value)) throw new InvalidWriteError('Session must be an object');
  const id = optionalString(value['ID'], 'Session.ID') ?? '';
  const node = optionalString(value['Node'], 'Session.Node') ?? '';
  if (node === '') throw new KvError('Must provide Node');
  const behavior = optionalString(value['Behavior'], 'Session.Behavior') || 'release';
  if (behavior !== 'release' && behavior !== 'delete') throw new KvError(`Invalid Behavior setting '${behavior}'`);
  const lockDelay = value['LockDelay'] ?? 0;
  if (typeof lockDelay !== 'number' || !Number.isFinite(lockDelay) || lockDelay < 0)
    throw new InvalidWriteError('Session.LockDelay must be a non-negative number of nanoseconds');
  return {
    ID: id,
    Name: optionalString(value['Name'], 'Session.Name') ?? '',
    Node: node,
    LockDelay: Math.round(lockDelay),
    Behavior: behavior as SessionBehavior,
    TTL: validateSessionTtl(optionalString(value['TTL'], 'Session.TTL') ?? ''),
    NodeChecks: stringList(value['NodeChecks'], 'Session.NodeChecks'),
    ServiceChecks: serviceChecks(value['ServiceChecks']),
    Checks: stringList(value['Checks'], 'Session.Checks'),
  };
}

export type SessionOp = 'create' | 'destroy';

/** Applies Session.Apply at `index`: create answers the new session's ID, destroy its ID (idempotent). */
export function sessionApply(store: StateStore, index: number, request: unknown): string {
  if (!isObject(request)) throw new InvalidWriteError('Session request must be an object');
  const op = request['Op'];
  if (op === 'destroy') {
    const id = isObject(request['Session']) ? optionalString(request['Session']['ID'], 'Session.ID') : undefined;
    if (!id) throw new KvError('Must provide ID');
    store.write(index, (txn) => sessionDestroyTxn(txn, id));
    return id;
  }
  if (op !== 'create') throw new InvalidWriteError(`Invalid session operation ${JSON.stringify(op)}`);
  const fields = normalizeSession(request['Session']);
  return store.write(index, (txn) => sessionCreateTxn(txn, fields)).ID;
}
