// Validation of transaction ops that arrive from outside (the HTTP edge, the Raft log): the shape of each op,
// known verbs, and KV fields of the right types, so the executor (txn-ops.ts) sees only well-formed ops.
// Field names are the canonical ones; the HTTP edge maps Consul's case-insensitive JSON onto them first.

import { InvalidWriteError } from './errors.js';
import { type KvFlags, kvFlagsFromText } from './kv-types.js';
import { catalogTxnVerbs, type KvTxnOp, kvTxnVerbs, type TxnOp, txnOpsMax } from './txn-types.js';

type Fields = Readonly<Record<string, unknown>>;

const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function text(value: unknown, field: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new InvalidWriteError(`${field} must be a string`);
  return value;
}

function count(value: unknown, field: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new InvalidWriteError(`${field} must be a non-negative integer`);
  return value;
}

/** KV Flags: a safe integer, or the exact decimal text of a larger uint64 (KvFlags). */
function flagsField(value: unknown, field: string): KvFlags {
  if (typeof value !== 'string') return count(value, field);
  const flags = kvFlagsFromText(value);
  if (flags === undefined) throw new InvalidWriteError(`${field} must be an unsigned 64-bit integer`);
  return flags;
}

/**
 * Where ops come from: a client (the HTTP edge, a forwarded RPC) must send KV values as Go's base64.StdEncoding
 * (padded, standard alphabet), as Consul decodes them, since the value is stored as sent and Go clients decode it
 * strictly on every read; an entry already in the Raft log is replayed under the looser rule it was applied with.
 */
export type TxnOpsOrigin = 'client' | 'log';

const base64ByOrigin: Readonly<Record<TxnOpsOrigin, RegExp>> = {
  client: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
  log: /^[A-Za-z0-9+/]*={0,2}$/,
};

function normalizeKvOp(fields: Fields, position: number, origin: TxnOpsOrigin): KvTxnOp {
  const verb = text(fields['Verb'], `Ops[${position}].KV.Verb`);
  if (!(kvTxnVerbs as readonly string[]).includes(verb))
    throw new InvalidWriteError(`Unknown KV operation "${verb}" at index ${position}`);
  const value = text(fields['Value'], `Ops[${position}].KV.Value`);
  if (!base64ByOrigin[origin].test(value)) throw new InvalidWriteError(`Ops[${position}].KV.Value is not base64`);
  return {
    Verb: verb as KvTxnOp['Verb'],
    Key: text(fields['Key'], `Ops[${position}].KV.Key`),
    Value: value === '' ? null : value,
    Flags: flagsField(fields['Flags'], `Ops[${position}].KV.Flags`),
    Index: count(fields['Index'], `Ops[${position}].KV.Index`),
    Session: text(fields['Session'], `Ops[${position}].KV.Session`),
  };
}

function catalogVerb(value: unknown, kind: string, position: number): (typeof catalogTxnVerbs)[number] {
  const verb = text(value, `Ops[${position}].${kind}.Verb`);
  if (!(catalogTxnVerbs as readonly string[]).includes(verb))
    throw new InvalidWriteError(`Unknown ${kind} operation "${verb}" at index ${position}`);
  return verb as (typeof catalogTxnVerbs)[number];
}

function objectOf(value: unknown, field: string): Fields {
  if (!isObject(value)) throw new InvalidWriteError(`${field} must be an object`);
  return value;
}

/** The ops of a transaction, validated; InvalidWriteError names the first malformed one. */
export function normalizeTxnOps(value: unknown, origin: TxnOpsOrigin = 'client'): TxnOp[] {
  if (!Array.isArray(value)) throw new InvalidWriteError('transaction ops must be a list');
  if (value.length > txnOpsMax)
    throw new InvalidWriteError(`Transaction contains too many operations (${value.length} > ${txnOpsMax})`);
  return value.map((op, position): TxnOp => {
    if (!isObject(op)) throw new InvalidWriteError(`Ops[${position}] must be an object`);
    if (isObject(op['KV'])) return { KV: normalizeKvOp(op['KV'], position, origin) };
    if (isObject(op['Node'])) {
      const inner = op['Node'];
      return {
        Node: {
          Verb: catalogVerb(inner['Verb'], 'Node', position),
          Node: objectOf(inner['Node'], `Ops[${position}].Node.Node`),
        },
      };
    }
    if (isObject(op['Service'])) {
      const inner = op['Service'];
      return {
        Service: {
          Verb: catalogVerb(inner['Verb'], 'Service', position),
          Node: text(inner['Node'], `Ops[${position}].Service.Node`),
          Service: objectOf(inner['Service'], `Ops[${position}].Service.Service`),
        },
      };
    }
    if (isObject(op['Check'])) {
      const inner = op['Check'];
      return {
        Check: {
          Verb: catalogVerb(inner['Verb'], 'Check', position),
          Check: objectOf(inner['Check'], `Ops[${position}].Check.Check`),
        },
      };
    }
    throw new InvalidWriteError(`Ops[${position}] names no KV, Node, Service or Check operation`);
  });
}
