// The control-plane RPC contract between agents and servers (Consul's net/rpc endpoints, by the same names).
// An agent never touches the state store: it calls these methods through an `RpcClient`. In server mode the agent
// gets an in-process client bound to its own Server (one seam, DESIGN §2); a client agent gets a gRPC client to a
// server picked from the LAN pool. Every call carries its target datacenter (DESIGN §9: one router decides local,
// leader or remote; an unknown datacenter fails with `No path to datacenter`). Reads carry QueryOptions and answer
// with QueryMeta; writes are forwarded to the leader and answer once applied.
//
// Adding an endpoint (KV, Session, Txn, Intention, ConfigEntry, ConnectCA...): add its entry to RpcMethods here,
// a handler on the server, and nothing else in the transport.

import type { Intention } from '../../connect/index.js';
import type { UiNodeInfo, UiServiceListingSummary, UiServiceTopology } from '../endpoints/internal-types.js';
import type { IntentionMutation } from '../state/connect-ops.js';
import type { CaRootsReply } from '../state/connect-reads.js';
import type { KvApplyRequest, KvEntry, Session } from '../state/kv-types.js';
import type { PreparedQueryExecuteReply } from '../state/prepared-query-execute.js';
import type { PreparedQuery, PreparedQueryFields, QuerySource } from '../state/prepared-query-types.js';
import type { AutopilotConfigFields, AutopilotConfigRow } from '../state/tables/autopilot.js';
import type { ConfigEntryRow } from '../state/tables/connect.js';
import type { TxnOp, TxnResponse } from '../state/txn-ops.js';
import type {
  CatalogService,
  CoordinateEntry,
  CoordinateUpdate,
  DeregisterRequest,
  HealthCheck,
  Node,
  NodeServices,
  RegisterRequest,
  ServiceEntry,
} from '../state/types.js';
import type {
  AutopilotHealthReply,
  AutopilotStateReply,
  DatacenterMapReply,
  IntentionCheckReply,
} from './reply-types.js';

export type Consistency = 'default' | 'consistent' | 'stale';

/** Options of every read (Consul structs.QueryOptions), decoded from `?index=&wait=&stale&consistent&filter=`. */
export interface QueryOptions {
  /** Blocking: answer once the result's index is above this (0 = answer at once). */
  readonly minQueryIndex: number;
  /** Blocking: the longest wait; the server caps it at max_query_time and adds up to 1/16 jitter, as Consul. */
  readonly maxQueryTimeMs: number;
  readonly consistency: Consistency;
  /** `?filter=` expression (go-bexpr), evaluated on the server against the reply's rows. Empty = none. */
  readonly filter: string;
  /** `?node-meta=key:value` pairs; a row must match all. */
  readonly nodeMeta: Readonly<Record<string, string>>;
  /**
   * `?max_stale=` / discovery_max_stale for stale reads: a follower that last heard from the leader longer ago
   * than this forwards the read to the leader (Consul's "retried on leader"). Absent or 0: no bound.
   */
  readonly maxStaleMs?: number;
}

/** Meta of every read reply, sent to HTTP clients as X-Consul-Index / -KnownLeader / -LastContact. */
export interface QueryMeta {
  /**
   * Never 0. It can be lower than the index the client sent (after a snapshot restore, or from a lagging follower
   * on a stale read); clients reset to 0 when it goes backwards, as Consul's contract says (reference §2.2).
   */
  readonly index: number;
  readonly knownLeader: boolean;
  /** Milliseconds since this server last heard from the leader (0 on the leader). */
  readonly lastContactMs: number;
}

export interface QueryReply<T> {
  readonly value: T;
  readonly meta: QueryMeta;
}

/** Every request names its datacenter and carries the caller's ACL token (ACLs arrive later; allow-all now). */
export interface RequestContext {
  readonly datacenter: string;
  readonly token: string;
}

export interface RaftServerInfo {
  readonly ID: string;
  readonly Node: string;
  readonly Address: string;
  readonly Leader: boolean;
  readonly ProtocolVersion: string;
  readonly Voter: boolean;
  readonly LastIndex: number;
}

export interface RaftConfigurationReply {
  readonly Servers: readonly RaftServerInfo[];
  readonly Index: number;
}

export type { AutopilotHealthReply, AutopilotStateReply } from './reply-types.js';

type Read<Args, Value> = { readonly args: Args; readonly query: true; readonly reply: QueryReply<Value> };
type Write<Args, Value> = { readonly args: Args; readonly query: false; readonly reply: Value };

/** Method name → argument and reply types. `query: true` methods take QueryOptions and return QueryMeta. */
export interface RpcMethods {
  'Catalog.Register': Write<RegisterRequest, true>;
  'Catalog.Deregister': Write<DeregisterRequest, true>;
  'Catalog.ListDatacenters': Write<Record<string, never>, readonly string[]>;
  'Catalog.ListNodes': Read<Record<string, never>, readonly Node[]>;
  'Catalog.ListServices': Read<Record<string, never>, Readonly<Record<string, readonly string[]>>>;
  'Catalog.ServiceNodes': Read<
    { readonly ServiceName: string; readonly ServiceTags: readonly string[]; readonly Connect: boolean },
    readonly CatalogService[]
  >;
  'Catalog.NodeServices': Read<{ readonly Node: string }, NodeServices | null>;
  'Health.ChecksInState': Read<{ readonly State: 'any' | 'passing' | 'warning' | 'critical' }, readonly HealthCheck[]>;
  'Health.NodeChecks': Read<{ readonly Node: string }, readonly HealthCheck[]>;
  'Health.ServiceChecks': Read<{ readonly ServiceName: string }, readonly HealthCheck[]>;
  'Health.ServiceNodes': Read<
    {
      readonly ServiceName: string;
      readonly ServiceTags: readonly string[];
      readonly PassingOnly: boolean;
      readonly Connect: boolean;
    },
    readonly ServiceEntry[]
  >;
  'Coordinate.ListNodes': Read<Record<string, never>, readonly CoordinateEntry[]>;
  'Coordinate.Node': Read<{ readonly Node: string }, readonly CoordinateEntry[]>;
  'Coordinate.Update': Write<CoordinateUpdate, true>;
  'Coordinate.ListDatacenters': Write<Record<string, never>, readonly DatacenterMapReply[]>;
  'Status.Leader': Write<Record<string, never>, string>;
  'Status.Peers': Write<Record<string, never>, readonly string[]>;
  'Operator.RaftGetConfiguration': Read<Record<string, never>, RaftConfigurationReply>;
  'Operator.RaftRemovePeer': Write<{ readonly ID?: string; readonly Address?: string }, true>;
  'Operator.AutopilotServerHealth': Write<Record<string, never>, AutopilotHealthReply>;
  /** The leader's autopilot state (Consul's Operator.AutopilotState). */
  'Operator.AutopilotState': Write<Record<string, never>, AutopilotStateReply>;
  /** The stored autopilot configuration (null only before a leader first wrote it). */
  'Operator.AutopilotGetConfiguration': Read<Record<string, never>, AutopilotConfigRow | null>;
  /** Sets it; with `CAS`, only if the row's ModifyIndex is `CasIndex`. Answers whether it took effect. */
  'Operator.AutopilotSetConfiguration': Write<
    { readonly Config: AutopilotConfigFields; readonly CAS?: boolean; readonly CasIndex?: number },
    boolean
  >;
  /** Hands leadership to `ID` (or the most caught-up voter); answers once another server leads. */
  'Operator.RaftTransferLeader': Write<{ readonly ID?: string }, true>;
  /** This server's own Raft figures, never forwarded (autopilot health and bootstrap_expect ask every server). */
  'Status.RaftStats': Write<Record<string, never>, RaftStatsReply>;
  /**
   * A point-in-time snapshot of the catalog, taken on the leader after a barrier, in server/fsm's snapshot
   * format (the same bytes `lattice snapshot inspect` reads). One message: bounded by snapshotSizeBytesMax.
   */
  'Snapshot.Save': Write<Record<string, never>, SnapshotSaveReply>;
  /** Replaces the catalog with a snapshot's contents, through Raft so every server gets it. */
  'Snapshot.Restore': Write<{ readonly Data: Uint8Array }, SnapshotRestoreReply>;
  /** A KV write (set, cas, lock, unlock, delete, delete-cas, delete-tree): whether it took effect. */
  'KVS.Apply': Write<KvApplyRequest, boolean>;
  /** One key; null when absent (the index is then the KV table's). */
  'KVS.Get': Read<{ readonly Key: string }, KvEntry | null>;
  /** Every entry under the prefix `Key`. */
  'KVS.List': Read<{ readonly Key: string }, readonly KvEntry[]>;
  'KVS.ListKeys': Read<{ readonly Prefix: string; readonly Separator: string }, readonly string[]>;
  /** create (Session without ID; answers the new ID) or destroy (Session.ID; answers it). */
  'Session.Apply': Write<
    { readonly Op: 'create' | 'destroy'; readonly Session: Readonly<Record<string, unknown>> },
    string
  >;
  'Session.Get': Read<{ readonly SessionID: string }, readonly Session[]>;
  'Session.List': Read<Record<string, never>, readonly Session[]>;
  'Session.NodeSessions': Read<{ readonly Node: string }, readonly Session[]>;
  /** Resets the TTL timer on the leader; null when the session does not exist. */
  'Session.Renew': Write<{ readonly SessionID: string }, readonly Session[] | null>;
  /** A transaction with writes, through Raft: Results, or Errors when rolled back. */
  'Txn.Apply': Write<{ readonly Ops: readonly TxnOp[] }, TxnResponse>;
  /** A read-only transaction, served as a read (consistency modes apply, no Raft). */
  'Txn.Read': Read<{ readonly Ops: readonly TxnOp[] }, TxnResponse>;
  /** The CA roots (`/v1/connect/ca/roots`); Roots empty before the leader has initialized the CA. */
  'ConnectCA.Roots': Read<Record<string, never>, CaRootsReply>;
  'ConnectCA.ConfigurationGet': Read<Record<string, never>, CaConfigurationReply | null>;
  /** Validates the config; a new key type/size or a PrivateKey rotates the root (cross-signed). */
  'ConnectCA.ConfigurationSet': Write<
    {
      readonly Provider?: string;
      readonly Config: Readonly<Record<string, unknown>>;
      readonly ForceWithoutCrossSigning?: boolean;
    },
    true
  >;
  /** Signs a leaf CSR with the active root, under the CSR rate limits (ERR_RATE_LIMITED when refused). */
  'ConnectCA.Sign': Write<{ readonly CSR: string }, IssuedCert>;
  /** Legacy intention writes; answers the intention's ID ('' for delete-exact). */
  'Intention.Apply': Write<IntentionApplyArgs, string>;
  /** By ID, or by exact Source and Destination; [] when absent. */
  'Intention.Get': Read<
    { readonly IntentionID?: string; readonly Source?: string; readonly Destination?: string },
    readonly Intention[]
  >;
  'Intention.List': Read<Record<string, never>, readonly Intention[]>;
  'Intention.Match': Read<
    { readonly By: 'source' | 'destination'; readonly Names: readonly string[] },
    Readonly<Record<string, readonly Intention[]>>
  >;
  'Intention.Check': Read<{ readonly Source: string; readonly Destination: string }, IntentionCheckReply>;
  /** Writes an entry (CasIndex: only if its ModifyIndex is that, 0 = must not exist): whether it was written. */
  'ConfigEntry.Apply': Write<
    { readonly Entry: Readonly<Record<string, unknown>>; readonly CasIndex?: number },
    boolean
  >;
  'ConfigEntry.Get': Read<{ readonly Kind: string; readonly Name: string }, ConfigEntryRow | null>;
  /** Kind '' lists every entry. */
  'ConfigEntry.List': Read<{ readonly Kind: string }, readonly ConfigEntryRow[]>;
  'ConfigEntry.Delete': Write<{ readonly Kind: string; readonly Name: string; readonly CasIndex?: number }, boolean>;
  /** create (Query.ID empty; answers the new ID), update or delete (by Query.ID; answers it). */
  'PreparedQuery.Apply': Write<
    { readonly Op: 'create' | 'update' | 'delete'; readonly Query: Readonly<Record<string, unknown>> },
    string
  >;
  /** One query by ID; NotFoundError `Query not found` when absent. */
  'PreparedQuery.Get': Read<{ readonly QueryID: string }, readonly PreparedQuery[]>;
  'PreparedQuery.List': Read<Record<string, never>, readonly PreparedQuery[]>;
  /** Runs the query named (ID, name or template name); never blocks. `Query not found` when nothing matches. */
  'PreparedQuery.Execute': Read<PreparedQueryExecuteArgs, PreparedQueryExecuteReply>;
  /** The query a name resolves to, template rendered. */
  'PreparedQuery.Explain': Read<PreparedQueryExecuteArgs, { readonly Query: PreparedQueryFields }>;
  /** `/v1/internal/ui/nodes`: every node with its services and checks (`?filter=` on these rows). */
  'Internal.NodeDump': Read<Record<string, never>, readonly UiNodeInfo[]>;
  /** `/v1/internal/ui/node/:node`: [] when the node does not exist. */
  'Internal.NodeInfo': Read<{ readonly Node: string }, readonly UiNodeInfo[]>;
  /** `/v1/internal/ui/services`, summarized on the server (`?filter=` on the health entries first). */
  'Internal.ServiceDump': Read<Record<string, never>, readonly UiServiceListingSummary[]>;
  /** `/v1/internal/ui/service-topology/:service` (ServiceKind '' or 'ingress-gateway'). */
  'Internal.ServiceTopology': Read<{ readonly ServiceName: string; readonly ServiceKind: string }, UiServiceTopology>;
}

/** Consul's PreparedQueryExecuteRequest (the datacenter travels in the call's context). */
export interface PreparedQueryExecuteArgs {
  readonly QueryIDOrName: string;
  /** Keep at most this many nodes (0: all). */
  readonly Limit: number;
  /** Connect-capable endpoints whatever the query says (`?connect`). */
  readonly Connect: boolean;
  /** The client's sort choice (`?near`) and address. */
  readonly Source: QuerySource;
  /** The agent that asked: `_agent` sorts near it, `${agent.segment}` renders from it. */
  readonly Agent: QuerySource;
}

export interface CaConfigurationReply {
  readonly Provider: string;
  readonly Config: Readonly<Record<string, unknown>>;
  readonly State: null;
  readonly ForceWithoutCrossSigning: boolean;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

/** A signed leaf as servers answer it (Consul's IssuedCert without the private key, which only the agent has). */
export interface IssuedCert {
  readonly SerialNumber: string;
  readonly CertPEM: string;
  readonly Service: string;
  readonly ServiceURI: string;
  readonly ValidAfter: string;
  readonly ValidBefore: string;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

export type IntentionApplyArgs =
  | { readonly Op: 'create' | 'update' | 'upsert'; readonly Intention: Readonly<Record<string, unknown>> }
  | Exclude<IntentionMutation, { readonly Intention: Intention }>;

export interface RaftStatsReply {
  readonly ID: string;
  readonly Node: string;
  /** host:port of this server's RPC/Raft listener. */
  readonly Address: string;
  readonly State: 'leader' | 'follower' | 'candidate' | 'pre-candidate' | 'not-started';
  readonly LastTerm: number;
  readonly LastIndex: number;
  readonly AppliedIndex: number;
  /** Milliseconds since the leader was last heard from (0 on the leader, -1 when never). */
  readonly LastContactMs: number;
  /** Number of voters and non-voters in this server's Raft configuration (0: never bootstrapped or added). */
  readonly PeerCount: number;
}

export interface SnapshotSaveReply {
  readonly Index: number;
  readonly Term: number;
  readonly Data: Uint8Array;
}

export interface SnapshotRestoreReply {
  /** Raft index after the restore's writes. */
  readonly Index: number;
  readonly NodesRestored: number;
}

export type RpcMethodName = keyof RpcMethods;

export interface CallOptions {
  readonly signal?: AbortSignal;
  readonly context: RequestContext;
  /** Required for `query: true` methods. */
  readonly query?: QueryOptions;
  /** Set by servers only: how many times this call was already forwarded (loops end with NoLeaderError). */
  readonly forwardHops?: number;
}

/** What agents hold: one call per RPC, whatever carries it (in-process, gRPC to a server, forwarded). */
export interface RpcClient {
  call<M extends RpcMethodName>(
    method: M,
    args: RpcMethods[M]['args'],
    options: CallOptions,
  ): Promise<RpcMethods[M]['reply']>;
}

export const defaultQueryOptions: QueryOptions = Object.freeze({
  minQueryIndex: 0,
  maxQueryTimeMs: 300_000,
  consistency: 'default',
  filter: '',
  nodeMeta: Object.freeze({}),
});
