// The server's settings (ServerConfig, complete and validated by construction from the agent's configuration)
// and its collaborators (ServerComponents): what `new Server(components, config)` takes.

import type { Registry } from 'prom-client';
import { type CaConfig, validateCaConfig } from '../connect/index.js';
import type { Clock } from '../lib/clock.js';
import { LatticeError, NotImplementedError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { Rand } from '../lib/rand.js';
import type { LogStore } from '../raft/storage/log-store.js';
import type { SnapshotStore } from '../raft/storage/snapshot-store.js';
import type { StableStore } from '../raft/storage/stable-store.js';
import { type RaftTlsConfig, tlsOff } from '../raft/transport/tls.js';
import type { RaftTransport } from '../raft/transport/transport.js';
import { type AutopilotConfig, autopilotDefaults } from './autopilot.js';
import { joinHostPort } from './bootstrap.js';
import type { RpcAuthorizer } from './endpoints/acl-rules.js';
import type { LanPool } from './lan-pool.js';
import { reconcileIntervalMsDefault } from './leader/leader-duties.js';
import type { RpcClient } from './rpc/methods.js';
import { type ConfigEntryInput, normalizeConfigEntry } from './state/config-entries.js';
import { unknownConfigEntryKeys, unknownConfigKeysMessage } from './state/config-entry-keys.js';
import { InvalidWriteError } from './state/errors.js';
import type { WanPool } from './wan-pool.js';

export interface ServerConfig {
  readonly nodeName: string;
  readonly nodeId: string;
  readonly datacenter: string;
  /** null: memory stores (-dev). */
  readonly dataDir: string | null;
  readonly bootstrap: boolean;
  readonly bootstrapExpect: number;
  /** host:port the RPC/Raft gRPC server listens on. */
  readonly bindAddress: string;
  /** host:port other servers and clients use (the Raft address). */
  readonly advertiseAddress: string;
  readonly raftTickMs: number;
  readonly raftElectionTicks: number;
  readonly raftHeartbeatTicks: number;
  readonly snapshotThreshold: number;
  readonly snapshotIntervalMs: number;
  readonly trailingLogs: number;
  readonly maxQueryTimeMs: number;
  readonly defaultQueryTimeMs: number;
  /** How long a call waits for a leader to exist before NoLeaderError (Consul rpc_hold_timeout). */
  readonly rpcHoldTimeoutMs: number;
  readonly reconcileIntervalMs: number;
  /** How often a bootstrap_expect server looks at the pool again. */
  readonly bootstrapCheckIntervalMs: number;
  readonly autopilotIntervalMs: number;
  readonly autopilot: AutopilotConfig;
  /** TLS of the RPC/Raft port and of this server's calls to others (DESIGN §9: off is plain text). */
  readonly tls: RaftTlsConfig;
  /** The CA's first configuration (`connect.ca_config`), used when the leader initializes the CA; defaults if absent. */
  readonly caConfig?: CaConfig;
  /** `connect.ca_config.private_key`: a root key to bootstrap with instead of a fresh one. */
  readonly caPrivateKeyPem?: string;
  /** `config_entries.bootstrap`, normalized: a new leader writes each one that does not exist. */
  readonly configEntriesBootstrap?: readonly ConfigEntryInput[];
}

/**
 * The agent settings a server reads: a structural subset of agent/config AgentConfig (server/ does not import
 * agent/; the agent passes its AgentConfig as it is).
 */
export interface AgentServerSettings {
  readonly devMode: boolean;
  readonly bootstrap: boolean;
  readonly bootstrapExpect: number;
  readonly datacenter: string;
  readonly nodeName: string;
  readonly nodeId: string;
  readonly dataDir: string | null;
  readonly bindAddr: string;
  readonly advertiseAddr: string;
  readonly ports: { readonly server: number };
  readonly raft: {
    readonly electionTimeoutMs: number;
    readonly snapshotThreshold: number;
    readonly snapshotIntervalMs: number;
    readonly trailingLogs: number;
  };
  /** The agent's `autopilot` block: the leader's first stored autopilot configuration. */
  readonly autopilot: Pick<
    AutopilotConfig,
    'cleanupDeadServers' | 'lastContactThresholdMs' | 'maxTrailingLogs' | 'serverStabilizationTimeMs'
  >;
  readonly maxQueryTimeMs: number;
  readonly defaultQueryTimeMs: number;
  readonly rpcHoldTimeoutMs: number;
  readonly connectCaProvider?: string;
  readonly connectCaConfig?: Readonly<Record<string, unknown>>;
  readonly configEntriesBootstrap?: readonly Readonly<Record<string, unknown>>[];
}

/**
 * The longest gap between a leader's messages to a follower. hashicorp/raft heartbeats only every tenth of
 * heartbeat_timeout (0.5-1 s at raft_multiplier 5), but its replicate loop also sends AppendEntries every
 * CommitTimeout (50 ms, randomized up to 100 ms, never scaled by raft_multiplier), so a healthy Consul follower's
 * last contact stays well under autopilot's default last_contact_threshold of 200 ms. Lattice's leader speaks to
 * its followers once per Raft tick, so the tick is at most this long: 200 ms then allows four missed ticks.
 */
export const raftLeaderContactIntervalMsMax = 50;

/** Ticks of at most raftLeaderContactIntervalMsMax (10 ms at least), and as many as make the election timeout. */
export function raftTicks(electionTimeoutMs: number): { readonly tickMs: number; readonly electionTicks: number } {
  const tickMs = Math.max(10, Math.min(raftLeaderContactIntervalMsMax, Math.round(electionTimeoutMs / 10)));
  // At least 10 ticks, so the randomized timeout [electionTicks, 2x) keeps enough spread to avoid split votes.
  return { tickMs, electionTicks: Math.max(10, Math.round(electionTimeoutMs / tickMs)) };
}

/** The ServerConfig an agent's configuration implies. */
export function serverConfigFromAgent(agent: AgentServerSettings): ServerConfig {
  const { tickMs: raftTickMs, electionTicks: raftElectionTicks } = raftTicks(agent.raft.electionTimeoutMs);
  const advertiseHost = agent.advertiseAddr || agent.bindAddr;
  return {
    nodeName: agent.nodeName,
    nodeId: agent.nodeId,
    datacenter: agent.datacenter,
    dataDir: agent.devMode ? null : agent.dataDir,
    bootstrap: agent.bootstrap || agent.devMode,
    bootstrapExpect: agent.bootstrapExpect,
    bindAddress: joinHostPort(agent.bindAddr, agent.ports.server),
    advertiseAddress: joinHostPort(advertiseHost, agent.ports.server),
    raftTickMs,
    raftElectionTicks,
    // A heartbeat every tick: the leader's contact interval (raftLeaderContactIntervalMsMax).
    raftHeartbeatTicks: 1,
    snapshotThreshold: agent.raft.snapshotThreshold,
    snapshotIntervalMs: agent.raft.snapshotIntervalMs,
    trailingLogs: agent.raft.trailingLogs,
    maxQueryTimeMs: agent.maxQueryTimeMs,
    defaultQueryTimeMs: agent.defaultQueryTimeMs,
    rpcHoldTimeoutMs: agent.rpcHoldTimeoutMs,
    reconcileIntervalMs: reconcileIntervalMsDefault,
    bootstrapCheckIntervalMs: agent.devMode ? 100 : 1_000,
    autopilotIntervalMs: 2_000,
    // The agent's TLS files are not loaded into a RaftTlsConfig yet: servers talk plain text.
    tls: tlsOff,
    ...bootstrapCa(agent),
    ...bootstrapConfigEntries(agent),
    // The agent's `autopilot` block (Consul's defaults: 200 ms last contact, 250 trailing logs, 10 s stabilization).
    autopilot: { ...autopilotDefaults, ...agent.autopilot },
  };
}

/**
 * Blocking queries one server lets wait at once: each holds a watch and a timer; far above the 1,000 watchers per
 * service the catalog bench drives, well below what exhausts memory.
 */
export const blockingQueriesMax = 65_536;

export interface RaftStores {
  readonly logStore: LogStore;
  readonly stableStore: StableStore;
  readonly snapshotStore: SnapshotStore;
}

export interface ServerComponents {
  readonly clock: Clock;
  readonly rand: Rand;
  readonly log: Logger;
  /** The agent's LAN pool (a GossipDriver). */
  readonly gossip: LanPool;
  /** The WAN pool (servers of every datacenter); absent or null: this server knows only its own datacenter. */
  readonly wan?: WanPool | null;
  /** The agent's metrics registry; null or absent: metrics are kept but not exported. */
  readonly metricsRegistry?: Registry | null;
  /** Tests: a memory transport instead of gRPC on bindAddress (then RPC between servers goes through dial). */
  readonly raftTransport?: RaftTransport;
  /** Tests: stores instead of data_dir (or memory in -dev). */
  readonly raftStores?: RaftStores;
  /** Decides what a token may do (DESIGN §9); default allow-all until ACLs exist. */
  readonly authorizer?: RpcAuthorizer;
  /** How this server reaches another server's RPC (forwarding, autopilot, bootstrap); default gRPC. */
  readonly dialServer?: (address: string) => RpcClient;
}

/**
 * `connect.ca_provider` / `connect.ca_config` checked at start (Consul refuses to start on a bad CA config): only the
 * built-in provider exists; the config is validated with Consul's rules (snake_case keys as in agent files).
 */
function bootstrapCa(agent: AgentServerSettings): Pick<ServerConfig, 'caConfig' | 'caPrivateKeyPem'> {
  const provider = agent.connectCaProvider ?? 'consul';
  if (provider !== 'consul') throw new NotImplementedError(`connect.ca_provider "${provider}"`);
  const map = agent.connectCaConfig ?? {};
  if (Object.keys(map).length === 0) return {};
  const privateKey = map['private_key'] ?? map['PrivateKey'];
  return {
    caConfig: validateCaConfig(map),
    ...(typeof privateKey === 'string' && privateKey !== '' ? { caPrivateKeyPem: privateKey } : {}),
  };
}

/** `config_entries.bootstrap` checked at start with the same rules as `PUT /v1/config` (a bad entry stops the agent). */
function bootstrapConfigEntries(agent: AgentServerSettings): Pick<ServerConfig, 'configEntriesBootstrap'> {
  const entries = agent.configEntriesBootstrap ?? [];
  if (entries.length === 0) return {};
  return {
    configEntriesBootstrap: entries.map((entry, position) => {
      try {
        const unknownKeys = unknownConfigEntryKeys(entry);
        if (unknownKeys.length > 0) throw new InvalidWriteError(unknownConfigKeysMessage(unknownKeys));
        return normalizeConfigEntry(entry);
      } catch (error) {
        if (!(error instanceof LatticeError)) throw error;
        throw new LatticeError(error.code, `config_entries.bootstrap[${position}]: ${error.message}`, { cause: error });
      }
    }),
  };
}
