// The data the Raft core exchanges with its driver: log entries, the durable hard state, cluster membership,
// snapshot metadata and messages between peers. Plain immutable values with no behaviour, shared by the core,
// the storage implementations, the transport codec and the simulator.

/** A server's stable identity (Consul uses the node ID). */
export type NodeId = string;

export type EntryType =
  /** An application command for the FSM (empty data = the no-op a new leader appends). */
  | 'normal'
  /** A membership change: data is an encoded ConfChange. */
  | 'conf-change';

export interface Entry {
  readonly index: number;
  readonly term: number;
  readonly type: EntryType;
  readonly data: Uint8Array;
}

/** What must be on disk before any message that depends on it leaves the node. */
export interface HardState {
  readonly term: number;
  readonly vote: NodeId | null;
  readonly commit: number;
}

/** The membership a log prefix describes: voters decide elections and commits; learners only replicate. */
export interface ConfState {
  readonly voters: readonly NodeId[];
  /** Non-voters (Consul/autopilot "nonvoter", etcd "learner"): replicated to, promotable to voters. */
  readonly learners: readonly NodeId[];
}

/** One server added, promoted or removed at a time (single-server membership changes, Raft thesis §4.1). */
export interface ConfChange {
  readonly type: 'add-voter' | 'add-learner' | 'remove';
  readonly nodeId: NodeId;
  /** Where the server can be reached; carried so every member learns the address through the log. */
  readonly address: string;
}

export interface SnapshotMeta {
  /** The last log index the snapshot covers. */
  readonly index: number;
  readonly term: number;
  readonly conf: ConfState;
  /** Addresses of the members in `conf`, so a restored node can reach its peers. */
  readonly addresses: Readonly<Record<NodeId, string>>;
}

export type MessageType =
  | 'append'
  | 'append-response'
  | 'vote'
  | 'vote-response'
  | 'pre-vote'
  | 'pre-vote-response'
  | 'heartbeat'
  | 'heartbeat-response'
  /** InstallSnapshot: the leader offers `snapshot`; the driver streams the data itself, in chunks. */
  | 'snapshot'
  | 'timeout-now'
  | 'read-index'
  | 'read-index-response';

export interface RaftMessage {
  readonly type: MessageType;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
  /** append: term of the entry at `index` (the one before `entries`); vote: term of the candidate's last entry. */
  readonly logTerm: number;
  /** append: index before `entries`; vote: the candidate's last index; append-response: the matched index. */
  readonly index: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
  readonly reject: boolean;
  /** On a rejected append: the follower's hint for where to retry (its last index, or a conflict point). */
  readonly rejectHint: number;
  readonly snapshot: SnapshotMeta | null;
  /** Opaque request context (ReadIndex request ids, transfer markers); echoed in responses. */
  readonly context: Uint8Array | null;
}

/** A message with every optional field at its empty value, for building messages by spreading. */
export const emptyMessage: Omit<RaftMessage, 'type' | 'from' | 'to' | 'term'> = Object.freeze({
  logTerm: 0,
  index: 0,
  entries: Object.freeze([]) as readonly Entry[],
  commit: 0,
  reject: false,
  rejectHint: 0,
  snapshot: null,
  context: null,
});
