// validateConfig: raw config sources in, one frozen AgentConfig out (or every problem found). Pure apart from
// the injected environment (host name, private address, a node-ID generator), so tests run it on literals.

import { parseLogLevel } from '../../lib/log.js';
import {
  defaultSource,
  defaultSourceName,
  devSource,
  devSourceName,
  gossipLanDefaults,
  gossipWanDefaults,
  grpcTlsServerPort,
  raftBaseTimings,
  raftDevTimings,
} from './defaults.js';
import { splitAddresses } from './field-checks.js';
import type { ConfigFormat } from './formats.js';
import { type CheckedSource, type MergedConfig, mergeSources } from './merge.js';
import { type ConfigProblem, ProblemList } from './problems.js';
import { checkValue, isPlainObject, type Located } from './schema.js';
import { agentSpec } from './schema-agent.js';
import type { AgentConfig, GossipTimingConfig, ListenerAddresses, TlsConfig } from './types.js';
import { validateRelations } from './validate-relations.js';
import { buildChecks, buildServices } from './validate-services.js';

/** One config source before checking: a parsed file, the flags, an -hcl fragment. */
export interface ConfigInit {
  readonly sourceName: string;
  readonly values: unknown;
  /** The syntax it was written in, when it came from text; HCL changes how list positions are named. */
  readonly format?: ConfigFormat;
}

/** What the host provides; injected so tests are deterministic. */
export interface ConfigEnvironment {
  readonly hostname: string;
  /** The address to advertise when bind_addr is 0.0.0.0 (Consul picks the one private IPv4). */
  readonly privateIpv4: string | null;
  readonly newNodeId: () => string;
}

export interface ValidateOptions {
  readonly devMode: boolean;
  readonly environment: ConfigEnvironment;
  /** Problems found before validation (unreadable files, syntax errors), reported together with ours. */
  readonly problems?: ProblemList;
}

export interface ConfigResult {
  /** Null when there is at least one error. */
  readonly config: AgentConfig | null;
  readonly errors: readonly ConfigProblem[];
  readonly warnings: readonly ConfigProblem[];
}

export function validateConfig(inits: readonly ConfigInit[], options: ValidateOptions): ConfigResult {
  const problems = options.problems ?? new ProblemList();
  // A file that could not be read or parsed may hold the missing keys: do not also report them as missing.
  let someSourceUnreadable = problems.hasErrors();
  const all: ConfigInit[] = [
    { sourceName: defaultSourceName, values: defaultSource },
    ...(options.devMode ? [{ sourceName: devSourceName, values: devSource }] : []),
    ...inits,
  ];
  const checked: CheckedSource[] = [];
  for (const init of all) {
    if (!isPlainObject(init.values)) {
      problems.error(init.sourceName, '', 'expected an object of config keys at the top level');
      someSourceUnreadable = true;
      continue;
    }
    const context = { sourceName: init.sourceName, problems, blocksAsLists: init.format === 'hcl' };
    const values = checkValue(agentSpec, init.values, '', context);
    if (isPlainObject(values)) checked.push({ sourceName: init.sourceName, values });
  }
  const merged = mergeSources(checked);
  const config = buildConfig(merged, options, problems);
  validateRelations(config, merged, problems, { someSourceUnreadable });
  return { config: problems.hasErrors() ? null : config, errors: problems.errors, warnings: problems.warnings };
}

type Section = Readonly<Record<string, unknown>>;

function section(values: Section, key: string): Section {
  const value = values[key];
  return isPlainObject(value) ? value : {};
}

function buildConfig(merged: MergedConfig, options: ValidateOptions, problems: ProblemList): AgentConfig {
  const values = merged.values;
  const str = (key: string, from: Section = values): string | null => (from[key] as string | undefined) ?? null;
  const num = (key: string, from: Section = values): number => (from[key] as number | undefined) ?? 0;
  const bool = (key: string, from: Section = values): boolean => (from[key] as boolean | undefined) ?? false;
  const list = (key: string, from: Section = values): readonly string[] =>
    Object.freeze([...((from[key] as string[] | undefined) ?? [])]);

  const devMode = options.devMode;
  const server = bool('server');
  const datacenter = (str('datacenter') ?? 'dc1').toLowerCase();
  const bindAddr = str('bind_addr') ?? '0.0.0.0';
  const wildcardBind = bindAddr === '0.0.0.0' || bindAddr === '::';
  const advertiseAddr =
    str('advertise_addr') ?? (wildcardBind ? (options.environment.privateIpv4 ?? '127.0.0.1') : bindAddr);
  const clientAddrs = Object.freeze(splitAddresses(str('client_addr') ?? '127.0.0.1'));
  const addressSection = section(values, 'addresses');
  const listenerAddresses = (key: string): readonly string[] => {
    const override = str(key, addressSection);
    return override === null ? clientAddrs : Object.freeze(splitAddresses(override));
  };
  const addresses: ListenerAddresses = Object.freeze({
    dns: listenerAddresses('dns'),
    http: listenerAddresses('http'),
    https: listenerAddresses('https'),
    grpc: listenerAddresses('grpc'),
    grpcTls: listenerAddresses('grpc_tls'),
  });
  const ports = section(values, 'ports');
  const performance = section(values, 'performance');
  const raftMultiplier = num('raft_multiplier', performance) || 5;
  const dns = section(values, 'dns_config');
  const limits = section(values, 'limits');
  const ui = section(values, 'ui_config');
  const connect = section(values, 'connect');
  const acl = section(values, 'acl');
  const domain = str('domain') ?? 'consul.';
  const altDomain = str('alt_domain');
  const rawServices = (values['services'] as Located[] | undefined) ?? [];
  const rawChecks = (values['checks'] as Located[] | undefined) ?? [];
  const scriptChecksAllowed = bool('enable_script_checks') || bool('enable_local_script_checks');
  const services = buildServices(rawServices, { problems, scriptChecksAllowed });
  const checks = buildChecks(rawChecks, services, { problems, scriptChecksAllowed });
  const dataDir = str('data_dir');

  const config: AgentConfig = {
    devMode,
    server,
    bootstrap: bool('bootstrap'),
    bootstrapExpect: num('bootstrap_expect'),
    datacenter,
    primaryDatacenter: (str('primary_datacenter') ?? datacenter).toLowerCase(),
    nodeName: str('node_name') ?? options.environment.hostname,
    // A generated ID is replaced by the one kept in data_dir/node-id, if any (agent/node-id.ts).
    nodeId: (str('node_id') ?? options.environment.newNodeId()).toLowerCase(),
    nodeIdFromConfig: str('node_id') !== null,
    nodeMeta: Object.freeze({ ...section(values, 'node_meta') }) as Readonly<Record<string, string>>,
    dataDir: devMode && dataDir === null ? null : dataDir,
    pidFile: str('pid_file'),
    bindAddr,
    advertiseAddr,
    advertiseAddrWan: str('advertise_addr_wan') ?? advertiseAddr,
    clientAddrs,
    addresses,
    ports: Object.freeze({
      dns: num('dns', ports),
      http: num('http', ports),
      https: num('https', ports),
      grpc: num('grpc', ports),
      grpcTls: (ports['grpc_tls'] as number | undefined) ?? (server ? grpcTlsServerPort : -1),
      serfLan: num('serf_lan', ports),
      serfWan: num('serf_wan', ports),
      server: num('server', ports),
      sidecarMinPort: num('sidecar_min_port', ports),
      sidecarMaxPort: num('sidecar_max_port', ports),
      exposeMinPort: num('expose_min_port', ports),
      exposeMaxPort: num('expose_max_port', ports),
    }),
    retryJoin: list('retry_join'),
    retryIntervalMs: num('retry_interval'),
    retryMax: num('retry_max'),
    retryJoinWan: list('retry_join_wan'),
    retryIntervalWanMs: num('retry_interval_wan'),
    retryMaxWan: num('retry_max_wan'),
    startJoin: list('start_join'),
    startJoinWan: list('start_join_wan'),
    encrypt: str('encrypt'),
    encryptVerifyIncoming: bool('encrypt_verify_incoming'),
    encryptVerifyOutgoing: bool('encrypt_verify_outgoing'),
    domain: domain.endsWith('.') ? domain : `${domain}.`,
    altDomain: altDomain === null || altDomain.endsWith('.') ? altDomain : `${altDomain}.`,
    recursors: list('recursors'),
    dnsConfig: Object.freeze({
      allowStale: bool('allow_stale', dns),
      maxStaleMs: num('max_stale', dns),
      udpAnswerLimit: num('udp_answer_limit', dns),
      aRecordLimit: num('a_record_limit', dns),
      enableTruncate: bool('enable_truncate', dns),
      onlyPassing: bool('only_passing', dns),
      recursorTimeoutMs: num('recursor_timeout', dns),
      useCache: bool('use_cache', dns),
      enableAdditionalNodeMetaTxt: bool('enable_additional_node_meta_txt', dns),
      nodeTtlMs: num('node_ttl', dns),
      serviceTtlMs: Object.freeze({ ...section(dns, 'service_ttl') }) as Readonly<Record<string, number>>,
    }),
    // The legacy top-level `ui = true` and `ui_dir` still work, as in Consul.
    uiEnabled: bool('ui') || bool('enabled', ui),
    uiDir: str('dir', ui) ?? str('ui_dir'),
    uiContentPath: str('content_path', ui) ?? str('ui_content_path') ?? '/ui/',
    connectEnabled: bool('enabled', connect),
    aclEnabled: acl['enabled'] === true,
    aclDefaultPolicy: acl['default_policy'] === 'deny' ? 'deny' : 'allow',
    logLevel: parseLogLevel(str('log_level') ?? 'INFO'),
    logJson: bool('log_json'),
    enableDebug: bool('enable_debug'),
    enableScriptChecks: bool('enable_script_checks'),
    enableLocalScriptChecks: bool('enable_local_script_checks'),
    disableRemoteExec: bool('disable_remote_exec'),
    // Consul: servers stay in the cluster on SIGTERM; clients leave on both signals unless told otherwise.
    leaveOnTerminate: (values['leave_on_terminate'] as boolean | undefined) ?? !server,
    skipLeaveOnInterrupt: (values['skip_leave_on_interrupt'] as boolean | undefined) ?? server,
    reconnectTimeoutMs: num('reconnect_timeout'),
    reconnectTimeoutWanMs: num('reconnect_timeout_wan'),
    raftMultiplier,
    leaveDrainTimeMs: num('leave_drain_time', performance),
    rpcHoldTimeoutMs: num('rpc_hold_timeout', performance),
    raft: Object.freeze({
      ...(devMode
        ? raftDevTimings
        : {
            heartbeatTimeoutMs: raftBaseTimings.heartbeatTimeoutMs * raftMultiplier,
            electionTimeoutMs: raftBaseTimings.electionTimeoutMs * raftMultiplier,
            leaderLeaseTimeoutMs: raftBaseTimings.leaderLeaseTimeoutMs * raftMultiplier,
          }),
      snapshotThreshold: num('raft_snapshot_threshold'),
      snapshotIntervalMs: num('raft_snapshot_interval'),
      trailingLogs: num('raft_trailing_logs'),
    }),
    gossipLan: gossipTiming(section(values, 'gossip_lan'), gossipLanDefaults),
    gossipWan: gossipTiming(section(values, 'gossip_wan'), gossipWanDefaults),
    limits: Object.freeze({
      httpMaxConnsPerClient: num('http_max_conns_per_client', limits),
      rpcRate: num('rpc_rate', limits),
      rpcMaxBurst: num('rpc_max_burst', limits),
      kvMaxValueSizeBytes: num('kv_max_value_size', limits),
      txnMaxRequestLengthBytes: num('txn_max_req_len', limits),
    }),
    defaultQueryTimeMs: num('default_query_time'),
    maxQueryTimeMs: num('max_query_time'),
    discoveryMaxStaleMs: num('discovery_max_stale'),
    checkUpdateIntervalMs: num('check_update_interval'),
    translateWanAddrs: bool('translate_wan_addrs'),
    tls: buildTls(values),
    services: Object.freeze(services),
    checks: Object.freeze(checks),
  };
  return Object.freeze(config);
}

function gossipTiming(overrides: Section, defaults: GossipTimingConfig): GossipTimingConfig {
  const pick = (key: string, fallback: number): number => (overrides[key] as number | undefined) ?? fallback;
  return Object.freeze({
    gossipNodes: pick('gossip_nodes', defaults.gossipNodes),
    gossipIntervalMs: pick('gossip_interval', defaults.gossipIntervalMs),
    probeIntervalMs: pick('probe_interval', defaults.probeIntervalMs),
    probeTimeoutMs: pick('probe_timeout', defaults.probeTimeoutMs),
    suspicionMultiplier: pick('suspicion_mult', defaults.suspicionMultiplier),
    retransmitMultiplier: pick('retransmit_mult', defaults.retransmitMultiplier),
  });
}

/** `tls.defaults` wins over the legacy top-level keys (`ca_file`, `verify_incoming`), as in Consul 1.12+. */
function buildTls(values: Section): TlsConfig {
  const defaults = section(section(values, 'tls'), 'defaults');
  const internalRpc = section(section(values, 'tls'), 'internal_rpc');
  const pick = <T>(key: string): T | null => (defaults[key] as T | undefined) ?? (values[key] as T | undefined) ?? null;
  const certFile = pick<string>('cert_file');
  const keyFile = pick<string>('key_file');
  return Object.freeze({
    enabled: certFile !== null && keyFile !== null,
    caFile: pick<string>('ca_file'),
    certFile,
    keyFile,
    verifyIncoming: pick<boolean>('verify_incoming') ?? false,
    verifyOutgoing: pick<boolean>('verify_outgoing') ?? false,
    verifyServerHostname:
      (internalRpc['verify_server_hostname'] as boolean | undefined) ??
      (values['verify_server_hostname'] as boolean | undefined) ??
      false,
  });
}
