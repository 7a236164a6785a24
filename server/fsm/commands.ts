// The commands the catalog FSM applies, as a discriminated union, and the names reserved for the tables later
// issues add (KV, sessions, transactions, intentions, config entries, CA roots): those decode to a refusal until
// their handlers exist, never to a crash.

import type { AutopilotSetRequest } from '../state/autopilot-ops.js';
import type { ConfigEntryOp } from '../state/config-entries.js';
import type { CaSetRequest, IntentionMutation } from '../state/connect-ops.js';
import type { KvApplyRequest } from '../state/kv-types.js';
import type { PreparedQueryRequest } from '../state/prepared-query-types.js';
import type { TxnOp } from '../state/txn-ops.js';
import type { CoordinateUpdate, DeregisterRequest, RegisterRequest } from '../state/types.js';
import type { RestorePartRequest } from './user-restore.js';

export type Command =
  | { readonly type: 'register'; readonly request: RegisterRequest }
  | { readonly type: 'deregister'; readonly request: DeregisterRequest }
  | { readonly type: 'coordinate-batch-update'; readonly updates: readonly CoordinateUpdate[] }
  /** KVS.Apply, or `{Op: 'reap-tombstones', ReapIndex}` from the leader's tombstone GC. */
  | {
      readonly type: 'kv';
      readonly request: KvApplyRequest | { readonly Op: 'reap-tombstones'; readonly ReapIndex: number };
    }
  /** Session.Apply: `{Op: 'create'|'destroy', Session}` (create carries the ID the leader chose). */
  | { readonly type: 'session'; readonly request: { readonly Op: 'create' | 'destroy'; readonly Session: unknown } }
  | { readonly type: 'txn'; readonly ops: readonly TxnOp[] }
  /** ConfigEntry.Apply / Delete: answers whether it took effect (a failed CAS is false). */
  | { readonly type: 'config-entry'; readonly request: ConfigEntryOp }
  /** Intention.Apply: one legacy intention change to the service-intentions entries. */
  | { readonly type: 'intention'; readonly request: IntentionMutation }
  /** The CA's configuration and its whole root set (initialization, config change, rotation). */
  | { readonly type: 'ca-roots'; readonly request: CaSetRequest }
  /** PreparedQuery.Apply: create/update (the whole query, ID chosen on the leader) or delete (by Query.ID). */
  | { readonly type: 'prepared-query'; readonly request: PreparedQueryRequest }
  /** Operator.AutopilotSetConfiguration, and the leader's first write: answers whether it took effect. */
  | { readonly type: 'autopilot'; readonly request: AutopilotSetRequest }
  /**
   * One part of a user's snapshot restore (user-restore.ts): staged in order; the last part replaces the whole
   * store at once. Applied by CatalogFsm, which holds the staged parts.
   */
  | { readonly type: 'restore'; readonly request: RestorePartRequest }
  /**
   * Catalog writes proposed together (server/proposal-batcher.ts): applied in order at the entry's one index, each
   * answered on its own (BatchItemResponse), as if each had its own entry. Only batchable types, never nested.
   */
  | { readonly type: 'batch'; readonly commands: readonly Command[] };

export type CommandType = Command['type'];

export const commandTypes: readonly CommandType[] = [
  'register',
  'deregister',
  'coordinate-batch-update',
  'kv',
  'session',
  'txn',
  'config-entry',
  'intention',
  'ca-roots',
  'prepared-query',
  'autopilot',
  'restore',
  'batch',
];

/**
 * The command types a batch may hold: catalog writes, whose outcome does not depend on a caller-chosen index, and
 * KV writes (see batchConflictKey for which ones the server batches).
 */
export const batchableCommandTypes: readonly CommandType[] = ['register', 'deregister', 'kv'];

/** KV operations that read and write only their own key, so items on distinct keys cannot see one another. */
const singleKeyKvOps: ReadonlySet<string> = new Set(['set', 'cas', 'lock', 'unlock', 'delete', 'delete-cas']);

/**
 * Whether the server may hold `command` for the turn's batch entry (server/proposal-batcher.ts), and on what it
 * conflicts: `undefined` = never batched (proposed at once as its own entry); `null` = batched with no conflict
 * (catalog writes); a string = batched, but never in the same entry as another item with the same string. A KV
 * write on one key is keyed by it, so two writes to one key always get two indexes (a CAS index read from one
 * names exactly that version) while writes to different keys share one, as the ops of a Consul transaction do.
 * A tree delete (a prefix) and the tombstone reaper are proposed alone.
 */
export function batchConflictKey(command: Command): string | null | undefined {
  if (command.type === 'register' || command.type === 'deregister') return null;
  if (command.type === 'kv' && singleKeyKvOps.has(command.request.Op) && 'DirEnt' in command.request)
    return `kv:${command.request.DirEnt.Key}`;
  return undefined;
}

/** Types later issues will add; a log entry of one of these is refused with UnknownCommandError until then. */
export const reservedCommandTypes: readonly string[] = ['acl'];

export const registerCommand = (request: RegisterRequest): Command => ({ type: 'register', request });
export const deregisterCommand = (request: DeregisterRequest): Command => ({ type: 'deregister', request });
export const coordinateBatchUpdateCommand = (updates: readonly CoordinateUpdate[]): Command => ({
  type: 'coordinate-batch-update',
  updates,
});

export const kvCommand = (request: Extract<Command, { type: 'kv' }>['request']): Command => ({ type: 'kv', request });
export const sessionCommand = (request: Extract<Command, { type: 'session' }>['request']): Command => ({
  type: 'session',
  request,
});
export const txnCommand = (ops: readonly TxnOp[]): Command => ({ type: 'txn', ops });
export const configEntryCommand = (request: ConfigEntryOp): Command => ({ type: 'config-entry', request });
export const intentionCommand = (request: IntentionMutation): Command => ({ type: 'intention', request });
export const caRootsCommand = (request: CaSetRequest): Command => ({ type: 'ca-roots', request });
export const preparedQueryCommand = (request: PreparedQueryRequest): Command => ({ type: 'prepared-query', request });
export const autopilotCommand = (request: AutopilotSetRequest): Command => ({ type: 'autopilot', request });
export const restoreCommand = (request: RestorePartRequest): Command => ({ type: 'restore', request });
export const batchCommand = (commands: readonly Command[]): Command => ({ type: 'batch', commands });
