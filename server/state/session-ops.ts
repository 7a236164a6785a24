// Sessions with Consul's state-store semantics (session.go): create (node and every bound check must exist and
// none may be critical), destroy and invalidation (held keys released or, with behavior `delete`, deleted, and
// a lock delay set on each), and the invalidations the catalog's write path triggers: a bound check going
// critical or being deleted, and the session's node being deregistered.

import { MissingNodeError } from './errors.js';
import { nodeSessionsWatchKey, sessionWatchKey, tableIndexKey } from './indexes.js';
import { KvError, kvsDeleteTxn, kvsSetTxn } from './kv-ops.js';
import type { Session, SessionCreateFields } from './kv-types.js';
import { deleteSessionQueriesTxn } from './prepared-query-ops.js';
import { checkKey, checksSchema, foldName, nodeKey, nodesSchema } from './tables/catalog.js';
import { kvsSchema, sessionCheckKey, sessionsSchema } from './tables/kv.js';
import type { WriteTxn } from './txn.js';

/** Consul's session TTL bounds (session_ttl_min default 10s, structs.SessionTTLMax 24h). */
export const sessionTtlMsMin = 10_000;
export const sessionTtlMsMax = 24 * 3_600_000;

function touchSession(txn: WriteTxn, session: Session): void {
  txn.bumpIndex(tableIndexKey(sessionsSchema.name));
  txn.touch(sessionWatchKey(session.ID));
  txn.touch(nodeSessionsWatchKey(session.Node));
}

/** Every check the session is bound to: its node checks and its service checks, by check ID. */
function boundCheckIds(session: SessionCreateFields): string[] {
  return [
    ...(session.NodeChecks ?? []),
    ...(session.Checks ?? []),
    ...(session.ServiceChecks ?? []).map((check) => check.ID),
  ];
}

/** sessionCreateTxn: validates the node and checks, then inserts the session. */
export function sessionCreateTxn(txn: WriteTxn, fields: SessionCreateFields): Session {
  if (fields.ID === '') throw new KvError('Missing session ID');
  if (fields.Behavior !== 'release' && fields.Behavior !== 'delete')
    throw new KvError(`Invalid session behavior: ${String(fields.Behavior)}`);
  const node = txn.table(nodesSchema).get(nodeKey(fields.Node));
  if (node === undefined) throw new MissingNodeError();
  for (const checkId of boundCheckIds(fields)) {
    const check = txn.table(checksSchema).get(checkKey(node.Node, checkId));
    if (check === undefined) throw new KvError(`Missing check '${checkId}' registration`);
    if (check.Status === 'critical') throw new KvError(`Check '${checkId}' is in ${check.Status} state`);
  }
  const session: Session = { ...fields, Node: node.Node, CreateIndex: txn.index, ModifyIndex: txn.index };
  txn.put(sessionsSchema, session);
  touchSession(txn, session);
  return session;
}

/**
 * deleteSessionTxn: removes the session and applies its behavior to the keys it holds (release, or delete),
 * setting its lock delay (capped at 60 s) on each, and deletes the prepared queries bound to it. False when there
 * was no such session.
 */
export function sessionDestroyTxn(txn: WriteTxn, id: string): boolean {
  const session = txn.table(sessionsSchema).get(id);
  if (session === undefined) return false;
  txn.delete(sessionsSchema, id);
  touchSession(txn, session);
  const delayMs = session.LockDelay / 1e6;
  for (const entry of [...txn.table(kvsSchema).lookup('session', id)]) {
    if (session.Behavior === 'delete') kvsDeleteTxn(txn, entry.Key);
    else kvsSetTxn(txn, { ...entry, Session: '' }, true);
    txn.lockDelays?.set(entry.Key, delayMs);
  }
  deleteSessionQueriesTxn(txn, id);
  return true;
}

/** A check was written critical or deleted: the sessions bound to it are invalidated. */
export function invalidateCheckSessionsTxn(txn: WriteTxn, node: string, checkId: string): void {
  for (const session of [...txn.table(sessionsSchema).lookup('check', sessionCheckKey(node, checkId))])
    sessionDestroyTxn(txn, session.ID);
}

/** A node is being deregistered: every session on it is invalidated. */
export function invalidateNodeSessionsTxn(txn: WriteTxn, node: string): void {
  for (const session of [...txn.table(sessionsSchema).lookup('node', foldName(node))])
    sessionDestroyTxn(txn, session.ID);
}
