// The rows of the KV and session tables and the shapes of their writes, in Consul's JSON field names
// (structs.DirEntry, structs.Session) so HTTP routes send them as they are.

/**
 * A KV entry's Flags, a uint64 in Consul: a number up to 2^53 − 1 (every value stored before this type existed),
 * the exact decimal text above that, since a JavaScript number would round it. The HTTP layer prints both as JSON
 * integers.
 */
export type KvFlags = number | string;

/** The largest Flags value (Go's uint64). */
export const kvFlagsMax = 18446744073709551615n;

/** `text` (decimal digits, as Go's strconv.ParseUint base 10) as KvFlags; undefined when it is no uint64. */
export function kvFlagsFromText(text: string): KvFlags | undefined {
  if (!/^[0-9]+$/.test(text)) return undefined;
  const value = BigInt(text);
  if (value > kvFlagsMax) return undefined;
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}

/** A KV entry (Consul DirEntry). `Value` is base64 (null when empty); `Session` is '' when unlocked. */
export interface KvEntry {
  readonly Key: string;
  readonly Flags: KvFlags;
  readonly Value: string | null;
  readonly Session: string;
  readonly LockIndex: number;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

/** A deleted key (or, for a tree delete, the prefix) and the index of the delete. */
export interface Tombstone {
  readonly Key: string;
  readonly Index: number;
}

export type SessionBehavior = 'release' | 'delete';

export interface SessionServiceCheck {
  readonly ID: string;
  readonly Namespace: string;
}

/** A session (Consul structs.Session): `LockDelay` in nanoseconds, `TTL` a Go duration string or ''. */
export interface Session {
  readonly ID: string;
  readonly Name: string;
  readonly Node: string;
  readonly LockDelay: number;
  readonly Behavior: SessionBehavior;
  readonly TTL: string;
  readonly NodeChecks: readonly string[] | null;
  readonly ServiceChecks: readonly SessionServiceCheck[] | null;
  /** Consul's deprecated (1.7) list, bound like NodeChecks; null (omitted) unless a client set other checks. */
  readonly Checks: readonly string[] | null;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

/** The KV operations of KVS.Apply and of a transaction's writes (Consul api.KVOp names). */
export type KvWriteVerb = 'set' | 'cas' | 'lock' | 'unlock' | 'delete' | 'delete-cas' | 'delete-tree';

/** What a KV write carries: the key and, by verb, value, flags, session and the CAS index. */
export interface KvWriteEntry {
  readonly Key: string;
  readonly Flags?: KvFlags;
  readonly Value?: string | null;
  readonly Session?: string;
  /** For cas / delete-cas: the ModifyIndex the key must have (0: must not exist). */
  readonly ModifyIndex?: number;
}

export interface KvApplyRequest {
  readonly Op: KvWriteVerb;
  readonly DirEnt: KvWriteEntry;
}

export type SessionCreateFields = Omit<Session, 'CreateIndex' | 'ModifyIndex'>;
