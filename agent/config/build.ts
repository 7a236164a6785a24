// Turns the merged, checked config values into the typed AgentConfig: camelCase names, computed defaults
// (advertise address, raft timings from the multiplier) and typed service definitions.
// Values here have passed the schema, so reads only cast; relations are checked afterwards.

import { parseLogLevel } from '../../lib/log.js';
import { validateMeta } from '../../server/state/normalize.js';
import { parseConfigWatches } from '../watch/config-watches.js';
import { gossipLanDefaults, gossipWanDefaults, raftBaseTimings, raftDevTimings } from './defaults.js';
import { splitAddresses } from './field-checks.js';
import { opaqueBlock, unwrapHclBlocks } from './hcl-blocks.js';
import type { MergedConfig } from './merge.js';
import type { ProblemList } from './problems.js';
import { isPlainObject, type Located } from './schema.js';
import type {
  AgentConfig,
  AutopilotSettings,
  DnsConfig,
  GossipTimingConfig,
  LimitsConfig,
  ListenerAddresses,
  LogFileConfig,
  PortsConfig,
  RaftTimingConfig,
  TlsConfig,
} from './types.js';
import type { ConfigEnvironment } from './validate.js';
import { buildChecks, buildServices } from './validate-services.js';

/** Typed reads of one checked section; a missing key gives the fallback. */
class Section {
  constructor(readonly values: Readonly<Record<string, unknown>>) {}
  str(key: string): string | null {
    return (this.values[key] as string | undefined) ?? null;
  }
  num(key: string, fallback = 0): number {
    return (this.values[key] as number | undefined) ?? fallback;
  }
  bool(key: string): boolean {
    return (this.values[key] as boolean | undefined) ?? false;
  }
  optionalBool(key: string): boolean | null {
    return (this.values[key] as boolean | undefined) ?? null;
  }
  list(key: string): readonly string[] {
    return Object.freeze([...((this.values[key] as string[] | undefined) ?? [])]);
  }
  section(key: string): Section {
    const value = this.values[key];
    return new Section(isPlainObject(value) ? value : {});
  }
  copy<T>(key: string): Readonly<Record<string, T>> {
    return Object.freeze({ ...this.section(key).values }) as Readonly<Record<string, T>>;
  }
}

/** node_meta with the catalog's rules (Consul's builder refuses an invalid one: reserved consul- prefix, characters). */
function checkedNodeMeta(top: Section, merged: MergedConfig, problems: ProblemList): Readonly<Record<string, string>> {
  const meta = top.copy<string>('node_meta');
  const problem = validateMeta(meta, false);
  if (problem !== null) problems.error(merged.setBy.get('node_meta') ?? 'configuration', 'node_meta', problem);
  return meta;
}

/** Consul's log_rotate_duration default, also used for an explicit 0 (Consul: "0 means 24h"). */
export const logRotateDurationMsDefault = 24 * 3_600_000;

function buildLogFile(top: Section): LogFileConfig | null {
  const path = top.str('log_file');
  if (path === null || path.trim() === '') return null;
  return {
    path,
    rotateBytes: top.num('log_rotate_bytes'),
    rotateDurationMs: top.num('log_rotate_duration') || logRotateDurationMsDefault,
    rotateMaxFiles: top.num('log_rotate_max_files'),
  };
}

export interface BuildOptions {
  readonly devMode: boolean;
  readonly environment: ConfigEnvironment;
}

export function buildConfig(merged: MergedConfig, options: BuildOptions, problems: ProblemList): AgentConfig {
  const top = new Section(merged.values);
  const { devMode, environment } = options;
  const server = top.bool('server');
  const datacenter = (top.str('datacenter') ?? 'dc1').toLowerCase();
  const network = buildNetwork(top, environment);
  const performance = top.section('performance');
  const raftMultiplier = performance.num('raft_multiplier', 5);
  const ui = top.section('ui_config');
  const acl = top.section('acl');
  const scriptChecksAllowed = top.bool('enable_script_checks') || top.bool('enable_local_script_checks');
  const services = buildServices((top.values['services'] as Located[] | undefined) ?? [], {
    problems,
    scriptChecksAllowed,
  });
  const checks = buildChecks((top.values['checks'] as Located[] | undefined) ?? [], services, {
    problems,
    scriptChecksAllowed,
  });
  return Object.freeze({
    devMode,
    server,
    bootstrap: top.bool('bootstrap'),
    bootstrapExpect: top.num('bootstrap_expect'),
    datacenter,
    primaryDatacenter: (top.str('primary_datacenter') ?? datacenter).toLowerCase(),
    nodeName: top.str('node_name') ?? environment.hostname,
    // A generated ID is replaced by the one kept in data_dir/node-id, if any (agent/node-id.ts).
    nodeId: (top.str('node_id') ?? environment.newNodeId()).toLowerCase(),
    nodeIdFromConfig: top.str('node_id') !== null,
    nodeMeta: checkedNodeMeta(top, merged, problems),
    dataDir: top.str('data_dir'),
    pidFile: top.str('pid_file'),
    ...network,
    retryJoin: top.list('retry_join'),
    retryIntervalMs: top.num('retry_interval'),
    retryMax: top.num('retry_max'),
    retryJoinWan: top.list('retry_join_wan'),
    retryIntervalWanMs: top.num('retry_interval_wan'),
    retryMaxWan: top.num('retry_max_wan'),
    startJoin: top.list('start_join'),
    startJoinWan: top.list('start_join_wan'),
    encrypt: top.str('encrypt'),
    encryptVerifyIncoming: top.bool('encrypt_verify_incoming'),
    encryptVerifyOutgoing: top.bool('encrypt_verify_outgoing'),
    domain: withTrailingDot(top.str('domain') ?? 'consul.'),
    altDomain: top.str('alt_domain') === null ? null : withTrailingDot(top.str('alt_domain')!),
    recursors: top.list('recursors'),
    dnsConfig: buildDnsConfig(top.section('dns_config')),
    // The legacy top-level `ui = true` and `ui_dir` still work, as in Consul.
    uiEnabled: top.bool('ui') || ui.bool('enabled'),
    uiDir: ui.str('dir') ?? top.str('ui_dir'),
    uiContentPath: ui.str('content_path') ?? top.str('ui_content_path') ?? '/ui/',
    connectEnabled: top.section('connect').bool('enabled'),
    connectCaProvider: top.section('connect').str('ca_provider') ?? 'consul',
    connectCaConfig: opaqueBlock(top.section('connect').values['ca_config']),
    connectManagedProxies: top.section('connect').optionalBool('managed_proxies') ?? true,
    connectCloseRevokedConnections: top.section('connect').optionalBool('close_revoked_connections') ?? true,
    configEntriesBootstrap: bootstrapEntries(top.values['config_entries']),
    watches: parseConfigWatches(top.values['watches'], (message) =>
      problems.error(merged.setBy.get('watches') ?? 'configuration', 'watches', message),
    ),
    aclEnabled: acl.values['enabled'] === true,
    aclDefaultPolicy: acl.values['default_policy'] === 'deny' ? 'deny' : 'allow',
    logLevel: parseLogLevel(top.str('log_level') ?? 'INFO'),
    logJson: top.bool('log_json'),
    logFile: buildLogFile(top),
    enableDebug: top.bool('enable_debug'),
    enableScriptChecks: top.bool('enable_script_checks'),
    enableLocalScriptChecks: top.bool('enable_local_script_checks'),
    disableRemoteExec: top.bool('disable_remote_exec'),
    // Consul: servers stay in the cluster on SIGTERM; clients leave on both signals unless told otherwise.
    leaveOnTerminate: top.optionalBool('leave_on_terminate') ?? !server,
    skipLeaveOnInterrupt: top.optionalBool('skip_leave_on_interrupt') ?? server,
    reconnectTimeoutMs: top.num('reconnect_timeout'),
    reconnectTimeoutWanMs: top.num('reconnect_timeout_wan'),
    raftMultiplier,
    leaveDrainTimeMs: performance.num('leave_drain_time'),
    rpcHoldTimeoutMs: performance.num('rpc_hold_timeout'),
    raft: buildRaftTiming(top, devMode, raftMultiplier),
    autopilot: buildAutopilot(top.section('autopilot')),
    gossipLan: buildGossipTiming(top.section('gossip_lan'), gossipLanDefaults),
    gossipWan: buildGossipTiming(top.section('gossip_wan'), gossipWanDefaults),
    limits: buildLimits(top.section('limits')),
    defaultQueryTimeMs: top.num('default_query_time'),
    maxQueryTimeMs: top.num('max_query_time'),
    discoveryMaxStaleMs: top.num('discovery_max_stale'),
    checkUpdateIntervalMs: top.num('check_update_interval'),
    translateWanAddrs: top.bool('translate_wan_addrs'),
    tls: buildTls(top),
    services: Object.freeze(services),
    checks: Object.freeze(checks),
  });
}

function withTrailingDot(domain: string): string {
  return domain.endsWith('.') ? domain : `${domain}.`;
}

type Network = Pick<
  AgentConfig,
  'bindAddr' | 'advertiseAddr' | 'advertiseAddrWan' | 'serfWanBindAddr' | 'clientAddrs' | 'addresses' | 'ports'
>;

function buildNetwork(top: Section, environment: ConfigEnvironment): Network {
  const bindAddr = top.str('bind_addr') ?? '0.0.0.0';
  const wildcardBind = bindAddr === '0.0.0.0' || bindAddr === '::';
  // Consul advertises the host's private address when bound to every interface.
  const advertiseAddr =
    top.str('advertise_addr') ?? (wildcardBind ? (environment.privateIpv4 ?? '127.0.0.1') : bindAddr);
  const clientAddrs = Object.freeze(splitAddresses(top.str('client_addr') ?? '127.0.0.1'));
  const overrides = top.section('addresses');
  const listener = (key: string): readonly string[] => {
    const override = overrides.str(key);
    return override === null ? clientAddrs : Object.freeze(splitAddresses(override));
  };
  const addresses: ListenerAddresses = Object.freeze({
    dns: listener('dns'),
    http: listener('http'),
    https: listener('https'),
    grpc: listener('grpc'),
    grpcTls: listener('grpc_tls'),
  });
  const ports = top.section('ports');
  const portsConfig: PortsConfig = Object.freeze({
    dns: ports.num('dns'),
    http: ports.num('http'),
    https: ports.num('https'),
    grpc: ports.num('grpc'),
    // Consul 1.14+ defaults servers to 8503 because its external gRPC API listens there (with TLS). Lattice has
    // no gRPC TLS listener (an explicit grpc_tls is refused), so the port stays off rather than be advertised
    // to clients that would dial a closed port.
    grpcTls: ports.num('grpc_tls', -1),
    serfLan: ports.num('serf_lan'),
    serfWan: ports.num('serf_wan'),
    server: ports.num('server'),
    sidecarMinPort: ports.num('sidecar_min_port'),
    sidecarMaxPort: ports.num('sidecar_max_port'),
    exposeMinPort: ports.num('expose_min_port'),
    exposeMaxPort: ports.num('expose_max_port'),
  });
  return {
    bindAddr,
    advertiseAddr,
    advertiseAddrWan: top.str('advertise_addr_wan') ?? advertiseAddr,
    serfWanBindAddr: top.str('serf_wan') ?? bindAddr,
    clientAddrs,
    addresses,
    ports: portsConfig,
  };
}

function buildDnsConfig(dns: Section): DnsConfig {
  return Object.freeze({
    allowStale: dns.bool('allow_stale'),
    maxStaleMs: dns.num('max_stale'),
    udpAnswerLimit: dns.num('udp_answer_limit'),
    aRecordLimit: dns.num('a_record_limit'),
    enableTruncate: dns.bool('enable_truncate'),
    onlyPassing: dns.bool('only_passing'),
    recursorTimeoutMs: dns.num('recursor_timeout'),
    useCache: dns.bool('use_cache'),
    enableAdditionalNodeMetaTxt: dns.bool('enable_additional_node_meta_txt'),
    nodeTtlMs: dns.num('node_ttl'),
    serviceTtlMs: dns.copy<number>('service_ttl'),
    soa: Object.freeze({
      refresh: dns.section('soa').num('refresh', 3600),
      retry: dns.section('soa').num('retry', 600),
      expire: dns.section('soa').num('expire', 86400),
      minTtl: dns.section('soa').num('min_ttl', 0),
    }),
  });
}

function buildLimits(limits: Section): LimitsConfig {
  return Object.freeze({
    httpMaxConnsPerClient: limits.num('http_max_conns_per_client'),
    rpcRate: limits.num('rpc_rate'),
    rpcMaxBurst: limits.num('rpc_max_burst'),
    kvMaxValueSizeBytes: limits.num('kv_max_value_size'),
    txnMaxRequestLengthBytes: limits.num('txn_max_req_len'),
  });
}

function buildAutopilot(autopilot: Section): AutopilotSettings {
  return Object.freeze({
    cleanupDeadServers: autopilot.bool('cleanup_dead_servers'),
    lastContactThresholdMs: autopilot.num('last_contact_threshold'),
    maxTrailingLogs: autopilot.num('max_trailing_logs'),
    serverStabilizationTimeMs: autopilot.num('server_stabilization_time'),
  });
}

function buildRaftTiming(top: Section, devMode: boolean, raftMultiplier: number): RaftTimingConfig {
  const timeouts = devMode
    ? raftDevTimings
    : {
        heartbeatTimeoutMs: raftBaseTimings.heartbeatTimeoutMs * raftMultiplier,
        electionTimeoutMs: raftBaseTimings.electionTimeoutMs * raftMultiplier,
        leaderLeaseTimeoutMs: raftBaseTimings.leaderLeaseTimeoutMs * raftMultiplier,
      };
  return Object.freeze({
    ...timeouts,
    snapshotThreshold: top.num('raft_snapshot_threshold'),
    snapshotIntervalMs: top.num('raft_snapshot_interval'),
    trailingLogs: top.num('raft_trailing_logs'),
  });
}

function buildGossipTiming(overrides: Section, defaults: GossipTimingConfig): GossipTimingConfig {
  return Object.freeze({
    gossipNodes: overrides.num('gossip_nodes', defaults.gossipNodes),
    gossipIntervalMs: overrides.num('gossip_interval', defaults.gossipIntervalMs),
    probeIntervalMs: overrides.num('probe_interval', defaults.probeIntervalMs),
    probeTimeoutMs: overrides.num('probe_timeout', defaults.probeTimeoutMs),
    suspicionMultiplier: overrides.num('suspicion_mult', defaults.suspicionMultiplier),
    retransmitMultiplier: overrides.num('retransmit_mult', defaults.retransmitMultiplier),
  });
}

/** `tls.defaults` wins over the legacy top-level keys (`ca_file`, `verify_incoming`), as in Consul 1.12+. */
function buildTls(top: Section): TlsConfig {
  const tls = top.section('tls');
  const defaults = tls.section('defaults');
  const text = (key: string): string | null => defaults.str(key) ?? top.str(key);
  const flag = (key: string): boolean => defaults.optionalBool(key) ?? top.optionalBool(key) ?? false;
  const certFile = text('cert_file');
  const keyFile = text('key_file');
  return Object.freeze({
    enabled: certFile !== null && keyFile !== null,
    caFile: text('ca_file'),
    certFile,
    keyFile,
    verifyIncoming: flag('verify_incoming'),
    verifyOutgoing: flag('verify_outgoing'),
    verifyServerHostname:
      tls.section('internal_rpc').optionalBool('verify_server_hostname') ?? top.bool('verify_server_hostname'),
  });
}

/** `config_entries { bootstrap = [...] }`: the entries a new leader writes when they do not exist yet. */
function bootstrapEntries(value: unknown): readonly Readonly<Record<string, unknown>>[] {
  const list = opaqueBlock(value)['bootstrap'];
  return Array.isArray(list) ? list.filter((item) => isPlainObject(item)).map((item) => unwrapHclBlocks(item)) : [];
}
