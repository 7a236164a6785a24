// The complete, validated agent configuration (STYLE §3.4: `AgentConfig` is what `validateConfig` returns,
// frozen; the raw files are the "init"). Durations are milliseconds and carry the unit in their names; a port of
// -1 means "listener off", as in Consul.

import type { LogLevel } from '../../lib/log.js';
import type { ConfigWatch } from '../watch/config-watches.js';

export interface PortsConfig {
  readonly dns: number;
  readonly http: number;
  readonly https: number;
  readonly grpc: number;
  readonly grpcTls: number;
  readonly serfLan: number;
  readonly serfWan: number;
  readonly server: number;
  readonly sidecarMinPort: number;
  readonly sidecarMaxPort: number;
  readonly exposeMinPort: number;
  readonly exposeMaxPort: number;
}

/** Client-facing listeners' addresses: `client_addr`, or the per-listener override in `addresses`. */
export interface ListenerAddresses {
  readonly dns: readonly string[];
  readonly http: readonly string[];
  readonly https: readonly string[];
  readonly grpc: readonly string[];
  readonly grpcTls: readonly string[];
}

export interface GossipTimingConfig {
  readonly gossipNodes: number;
  readonly gossipIntervalMs: number;
  readonly probeIntervalMs: number;
  readonly probeTimeoutMs: number;
  readonly suspicionMultiplier: number;
  readonly retransmitMultiplier: number;
}

export interface RaftTimingConfig {
  readonly heartbeatTimeoutMs: number;
  readonly electionTimeoutMs: number;
  readonly leaderLeaseTimeoutMs: number;
  readonly snapshotThreshold: number;
  readonly snapshotIntervalMs: number;
  readonly trailingLogs: number;
}

export interface DnsConfig {
  readonly allowStale: boolean;
  readonly maxStaleMs: number;
  readonly udpAnswerLimit: number;
  readonly aRecordLimit: number;
  readonly enableTruncate: boolean;
  readonly onlyPassing: boolean;
  readonly recursorTimeoutMs: number;
  readonly useCache: boolean;
  readonly enableAdditionalNodeMetaTxt: boolean;
  readonly nodeTtlMs: number;
  /** Service name or pattern (`*`, `web*`) to TTL. */
  readonly serviceTtlMs: Readonly<Record<string, number>>;
  /** `dns_config.soa`, in seconds (Consul: refresh 3600, retry 600, expire 86400, min_ttl 0). */
  readonly soa: { readonly refresh: number; readonly retry: number; readonly expire: number; readonly minTtl: number };
}

/** `autopilot`: the leader's first stored autopilot configuration (servers only). */
export interface AutopilotSettings {
  readonly cleanupDeadServers: boolean;
  readonly lastContactThresholdMs: number;
  readonly maxTrailingLogs: number;
  readonly serverStabilizationTimeMs: number;
}

export interface LogFileConfig {
  /** `log_file`: a file, or a directory when it ends in `/` (the file is then consul.log). */
  readonly path: string;
  /** `log_rotate_bytes`: rotate once the file holds this many bytes; 0 = never by size. */
  readonly rotateBytes: number;
  /** `log_rotate_duration` (default 24 h): rotate once the file has been open this long. */
  readonly rotateDurationMs: number;
  /** `log_rotate_max_files`: archived files kept; 0 = all, -1 = none. */
  readonly rotateMaxFiles: number;
}

export interface LimitsConfig {
  readonly httpMaxConnsPerClient: number;
  /** Requests per second; -1 (or any negative) means unlimited, as in Consul. */
  readonly rpcRate: number;
  readonly rpcMaxBurst: number;
  readonly kvMaxValueSizeBytes: number;
  readonly txnMaxRequestLengthBytes: number;
}

/**
 * TLS settings for every listener and dialer (DESIGN §9): one object, whose "off" state is plain text. Nothing
 * terminates TLS yet; `enabled` is false unless certificate files are configured.
 */
export interface TlsConfig {
  readonly enabled: boolean;
  readonly caFile: string | null;
  readonly certFile: string | null;
  readonly keyFile: string | null;
  readonly verifyIncoming: boolean;
  readonly verifyOutgoing: boolean;
  readonly verifyServerHostname: boolean;
}

export type CheckKind =
  | 'http'
  | 'tcp'
  | 'udp'
  | 'ttl'
  | 'script'
  | 'docker'
  | 'grpc'
  | 'h2ping'
  | 'alias'
  | 'os_service';
export type CheckStatus = 'passing' | 'warning' | 'critical';

/** A check from a config file, validated; fields of other kinds are null. */
export interface CheckDefinition {
  readonly id: string;
  readonly name: string;
  readonly kind: CheckKind;
  readonly notes: string;
  readonly serviceId: string | null;
  readonly status: CheckStatus;
  readonly http: string | null;
  readonly method: string;
  readonly header: Readonly<Record<string, readonly string[]>>;
  readonly body: string;
  readonly disableRedirects: boolean;
  readonly tlsServerName: string;
  readonly tlsSkipVerify: boolean;
  readonly tcp: string | null;
  readonly tcpUseTls: boolean;
  readonly udp: string | null;
  readonly args: readonly string[];
  readonly dockerContainerId: string | null;
  readonly shell: string;
  readonly grpc: string | null;
  readonly grpcUseTls: boolean;
  readonly h2ping: string | null;
  readonly h2pingUseTls: boolean;
  readonly aliasService: string | null;
  readonly aliasNode: string | null;
  readonly osService: string | null;
  /** Zero for TTL and alias checks, which are not run on a schedule. */
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Zero for TTL and alias checks. */
  readonly ttlMs: number;
  /** Zero means never. */
  readonly deregisterCriticalServiceAfterMs: number;
  readonly successBeforePassing: number;
  readonly failuresBeforeWarning: number;
  readonly failuresBeforeCritical: number;
  readonly outputMaxSizeBytes: number;
  /** The file that defined it, for messages at registration time. */
  readonly sourceName: string;
}

export interface UpstreamDefinition {
  readonly destinationType: 'service' | 'prepared_query';
  readonly destinationName: string;
  readonly datacenter: string;
  readonly localBindAddress: string;
  readonly localBindPort: number;
  readonly config: Readonly<Record<string, unknown>>;
  readonly meshGatewayMode: string;
}

export interface ProxyDefinition {
  readonly destinationServiceName: string;
  readonly destinationServiceId: string;
  readonly localServiceAddress: string;
  readonly localServicePort: number;
  readonly mode: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly upstreams: readonly UpstreamDefinition[];
  readonly meshGatewayMode: string;
}

export type ServiceKind =
  | ''
  | 'connect-proxy'
  | 'mesh-gateway'
  | 'terminating-gateway'
  | 'ingress-gateway'
  | 'api-gateway';

export interface ServiceDefinition {
  readonly id: string;
  readonly name: string;
  readonly kind: ServiceKind;
  readonly tags: readonly string[];
  readonly address: string;
  readonly taggedAddresses: Readonly<Record<string, { readonly address: string; readonly port: number }>>;
  readonly meta: Readonly<Record<string, string>>;
  /** Zero when the service has no port (or a sidecar whose port is assigned at registration). */
  readonly port: number;
  readonly socketPath: string;
  readonly enableTagOverride: boolean;
  readonly weights: { readonly passing: number; readonly warning: number };
  readonly proxy: ProxyDefinition | null;
  readonly connectNative: boolean;
  readonly sidecarService: ServiceDefinition | null;
  readonly checks: readonly CheckDefinition[];
  readonly token: string;
  readonly sourceName: string;
}

export interface AgentConfig {
  readonly devMode: boolean;
  readonly server: boolean;
  readonly bootstrap: boolean;
  readonly bootstrapExpect: number;
  readonly datacenter: string;
  readonly primaryDatacenter: string;
  readonly nodeName: string;
  readonly nodeId: string;
  /** False when no node_id was configured and `nodeId` was generated (then persisted in data_dir/node-id). */
  readonly nodeIdFromConfig: boolean;
  readonly nodeMeta: Readonly<Record<string, string>>;
  /** Null only in -dev mode, where everything is kept in memory. */
  readonly dataDir: string | null;
  readonly pidFile: string | null;
  readonly bindAddr: string;
  readonly advertiseAddr: string;
  readonly advertiseAddrWan: string;
  /** Where a server's WAN gossip pool listens (Consul's `serf_wan`, -serf-wan-bind); defaults to bind_addr. */
  readonly serfWanBindAddr: string;
  readonly clientAddrs: readonly string[];
  readonly addresses: ListenerAddresses;
  readonly ports: PortsConfig;
  readonly retryJoin: readonly string[];
  readonly retryIntervalMs: number;
  /** Zero means retry forever. */
  readonly retryMax: number;
  readonly retryJoinWan: readonly string[];
  readonly retryIntervalWanMs: number;
  readonly retryMaxWan: number;
  readonly startJoin: readonly string[];
  readonly startJoinWan: readonly string[];
  readonly encrypt: string | null;
  readonly encryptVerifyIncoming: boolean;
  readonly encryptVerifyOutgoing: boolean;
  /** Always ends with a dot: `consul.`. */
  readonly domain: string;
  readonly altDomain: string | null;
  readonly recursors: readonly string[];
  readonly dnsConfig: DnsConfig;
  readonly uiEnabled: boolean;
  readonly uiDir: string | null;
  readonly uiContentPath: string;
  readonly connectEnabled: boolean;
  /** `connect.ca_provider` and `connect.ca_config`: the CA's first configuration (only read at bootstrap). */
  readonly connectCaProvider: string;
  readonly connectCaConfig: Readonly<Record<string, unknown>>;
  /** `connect.managed_proxies` (default true): the agent hosts the listeners of its local connect-proxy services. */
  readonly connectManagedProxies: boolean;
  /** `connect.close_revoked_connections` (default true): a new deny closes the open connections it now denies. */
  readonly connectCloseRevokedConnections: boolean;
  /** `watches`: plans the agent runs against its own HTTP API (agent/watch/config-watches.ts). */
  readonly watches: readonly ConfigWatch[];
  /** `config_entries.bootstrap`: written by a new leader when absent (servers only). */
  readonly configEntriesBootstrap: readonly Readonly<Record<string, unknown>>[];
  readonly aclEnabled: boolean;
  readonly aclDefaultPolicy: 'allow' | 'deny';
  readonly logLevel: LogLevel;
  readonly logJson: boolean;
  /** `log_file` and `log_rotate_*`: the log lines also go to this file (agent/runtime/log-file.ts); null = stderr only. */
  readonly logFile: LogFileConfig | null;
  readonly enableDebug: boolean;
  readonly enableScriptChecks: boolean;
  readonly enableLocalScriptChecks: boolean;
  readonly disableRemoteExec: boolean;
  readonly leaveOnTerminate: boolean;
  readonly skipLeaveOnInterrupt: boolean;
  readonly reconnectTimeoutMs: number;
  readonly reconnectTimeoutWanMs: number;
  readonly raftMultiplier: number;
  readonly leaveDrainTimeMs: number;
  readonly rpcHoldTimeoutMs: number;
  readonly raft: RaftTimingConfig;
  readonly autopilot: AutopilotSettings;
  readonly gossipLan: GossipTimingConfig;
  readonly gossipWan: GossipTimingConfig;
  readonly limits: LimitsConfig;
  readonly defaultQueryTimeMs: number;
  readonly maxQueryTimeMs: number;
  /** Zero means no limit on stale discovery reads. */
  readonly discoveryMaxStaleMs: number;
  readonly checkUpdateIntervalMs: number;
  readonly translateWanAddrs: boolean;
  readonly tls: TlsConfig;
  readonly services: readonly ServiceDefinition[];
  readonly checks: readonly CheckDefinition[];
}
