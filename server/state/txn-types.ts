// The shape of Consul's transactions (state/txn.go): the ops a /v1/txn body holds, their verbs and bounds, the
// results, and which ops write. Apart from txn-ops.ts, which applies them to the store, so that an agent's HTTP
// layer can check a body (and decide whether it needs Raft) without loading the state store.

import type { KvEntry, KvFlags } from './kv-types.js';
import type { HealthCheck, Node, NodeService } from './types.js';

/** Consul's maximum operations per transaction (raised from 64 to 128 in 1.x). */
export const txnOpsMax = 128;

export const kvTxnVerbs = [
  'set',
  'cas',
  'lock',
  'unlock',
  'get',
  'get-or-empty',
  'get-tree',
  'check-index',
  'check-session',
  'check-not-exists',
  'delete',
  'delete-tree',
  'delete-cas',
] as const;
export const catalogTxnVerbs = ['set', 'cas', 'get', 'delete', 'delete-cas'] as const;
const kvReadVerbs = new Set(['get', 'get-or-empty', 'get-tree', 'check-index', 'check-session', 'check-not-exists']);

export type KvTxnVerb = (typeof kvTxnVerbs)[number];
export type CatalogTxnVerb = (typeof catalogTxnVerbs)[number];

export interface KvTxnOp {
  readonly Verb: KvTxnVerb;
  readonly Key: string;
  /** base64, null when empty. */
  readonly Value: string | null;
  readonly Flags: KvFlags;
  readonly Index: number;
  readonly Session: string;
}

export type TxnOp =
  | { readonly KV: KvTxnOp }
  | { readonly Node: { readonly Verb: CatalogTxnVerb; readonly Node: Readonly<Record<string, unknown>> } }
  | {
      readonly Service: {
        readonly Verb: CatalogTxnVerb;
        readonly Node: string;
        readonly Service: Readonly<Record<string, unknown>>;
      };
    }
  | { readonly Check: { readonly Verb: CatalogTxnVerb; readonly Check: Readonly<Record<string, unknown>> } };

export type TxnResult =
  | { readonly KV: KvEntry }
  | { readonly Node: Node }
  | { readonly Service: NodeService }
  | { readonly Check: HealthCheck };

export interface TxnError {
  readonly OpIndex: number;
  readonly What: string;
}

/** Consul's TxnResponse: Results on success, Errors (and Results null) when rolled back. */
export interface TxnResponse {
  readonly Results: readonly TxnResult[] | null;
  readonly Errors: readonly TxnError[] | null;
}

/** Whether the op changes anything (a transaction of none of these is served without Raft). */
export function isWriteOp(op: TxnOp): boolean {
  if ('KV' in op) return !kvReadVerbs.has(op.KV.Verb);
  const verb = 'Node' in op ? op.Node.Verb : 'Service' in op ? op.Service.Verb : op.Check.Verb;
  return verb !== 'get';
}
